"""Prefect tasks of the load-demo-data flow: one task loads the whole base in one transaction."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact

from models.store import get_engine
from tasks.demo_data import load_demo_data


# No retries: a failed load rolls back whole, and a blind retry after a commit would only meet
# the refusal of a non-empty base.
@task(name="load-demo-base")
def load_demo_base(orgs: int, seed: int, reset: bool) -> dict[str, int]:
    """Generate the demo base for a seed and bulk-load it with COPY in one transaction."""
    with get_engine().begin() as conn:
        counts = load_demo_data(conn, orgs=orgs, seed=seed, reset=reset)
    return counts.model_dump()


@task(name="publish-demo-counts")
def publish_demo_counts(counts: dict[str, int], orgs: int, seed: int) -> None:
    """Show the rows added per table as a table artifact in the Prefect UI."""
    create_table_artifact(
        key="demo-data-counts",
        table=[{"table": table, "rows": rows} for table, rows in counts.items()],
        description=f"Demo base: {orgs:,} organisations, seed {seed}; rows added per table.",
    )
