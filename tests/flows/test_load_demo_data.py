import json

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.load_demo_data import load_demo_data_flow
from tasks.demo_data import DemoDataError

pytestmark = pytest.mark.prefect


def rows_in(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def counts_artifacts() -> list:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["demo-data-counts"]))
        )


def test_flow_loads_the_base_and_publishes_its_counts(prefect_harness, committed):
    counts = load_demo_data_flow(orgs=150, seed=3)

    assert counts["organisations"] == 150 and counts["business_lines"] == 3
    for table in ("organisations", "persons", "leads", "activities", "deals", "employees"):
        assert rows_in(committed, table) == counts[table], table
    artifact = max(counts_artifacts(), key=lambda a: a.created)
    assert artifact.type == "table"
    assert {"table": "organisations", "rows": 150} in json.loads(artifact.data)


def test_flow_refuses_a_loaded_base_unless_reset(prefect_harness, committed):
    load_demo_data_flow(orgs=40, seed=1)
    with pytest.raises(DemoDataError, match="already holds 40 organisations"):
        load_demo_data_flow(orgs=60, seed=1)
    assert rows_in(committed, "organisations") == 40

    counts = load_demo_data_flow(orgs=60, seed=1, reset=True)
    assert counts["organisations"] == rows_in(committed, "organisations") == 60
