"""The load-demo-data flow: a realistic, deterministic client base for demos and benchmarks."""

from __future__ import annotations

from prefect import flow

from tasks.demo_tasks import load_demo_base, publish_demo_counts


@flow(name="load-demo-data")
def load_demo_data_flow(orgs: int = 2000, seed: int = 42, reset: bool = False) -> dict[str, int]:
    """Fill the store with a deterministic demo client base, bulk-loaded with COPY."""
    counts = load_demo_base(orgs, seed, reset)
    publish_demo_counts(counts, orgs, seed)
    return counts
