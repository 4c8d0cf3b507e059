"""Lead-list matching in batches: on a local Dask cluster of two workers, the same decisions."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from distributed import Client, LocalCluster
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from benchmarks.bench_lead_lists import LINE, REP, load_base, write_file
from flows.build_lead_list import build_lead_list
from models import store
from tasks import lead_batches
from tasks.lead_batches import matching_task_runner
from tasks.lead_fields import map_columns

pytestmark = pytest.mark.usefixtures("prefect_harness")

BASE, ROWS = 400, 600


@pytest.fixture(scope="module")
def dask_address():

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.WARNING,
    )
    yield cluster.scheduler_address
    cluster.close()


def decisions(engine, batch_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT row_number, decision::text, score, reason, duplicate_of_row,"
                " organisation_id, person_id, lead_id FROM import_rows"
                " WHERE batch_id = :b ORDER BY row_number"
            ),
            {"b": batch_id},
        ).all()


def task_runs(flow_run_id) -> dict[str, int]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    counts: dict[str, int] = {}
    for run in runs:
        name = run.name.rsplit("-", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.fixture
def settings_restored():
    yield
    store.reset_caches()  # the settings read with TASK_RUNNER=dask are forgotten


def test_dask_cluster_of_two_workers_decides_like_one_process(
    committed, tmp_path, monkeypatch, dask_address, settings_restored
):
    load_base(committed, BASE)
    path = tmp_path / "leads.csv"
    write_file(path, ROWS, BASE)
    kwargs = {"source": str(path), "line": LINE, "rep": REP, "dry_run": True, "notify": False}

    here = build_lead_list(**kwargs)

    # Small batches, so that each step is several tasks shared by the two workers.
    monkeypatch.setattr(lead_batches, "BATCH_ROWS", 150)
    monkeypatch.setattr(lead_batches, "BATCH_PAIRS", 60)
    monkeypatch.setenv("TASK_RUNNER", "dask")
    monkeypatch.setenv("DASK_ADDRESS", dask_address)
    store.reset_caches()
    runner = matching_task_runner()
    assert type(runner).__name__ == "DaskTaskRunner"
    state = build_lead_list.with_options(task_runner=runner)(**kwargs, return_state=True)
    on_dask = state.result()

    assert on_dask.counts == here.counts
    assert set(here.counts) >= {"new", "duplicate_in_file", "existing_client", "held_by_other_rep"}
    assert decisions(committed, on_dask.batch_id) == decisions(committed, here.batch_id)
    assert len(decisions(committed, here.batch_id)) == ROWS
    ran = task_runs(state.state_details.flow_run_id)
    assert ran["normalise-lead-rows"] == 4  # 600 rows by 150
    assert ran["compare-lead-pairs"] >= 2 and ran["score-lead-candidates"] >= 2, ran
    with Client(dask_address) as client:
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(executed.values()), executed


def test_the_flows_task_runner_follows_the_settings(monkeypatch, settings_restored):
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    monkeypatch.delenv("TASK_RUNNER", raising=False)
    store.reset_caches()
    assert isinstance(matching_task_runner(), ThreadPoolTaskRunner)
    assert isinstance(build_lead_list.task_runner, ThreadPoolTaskRunner)  # the default

    monkeypatch.setenv("TASK_RUNNER", "dask")
    store.reset_caches()
    local = matching_task_runner()
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert local.cluster_kwargs["threads_per_worker"] == 1

    monkeypatch.setenv("DASK_ADDRESS", "tcp://10.0.0.5:8786")
    store.reset_caches()
    assert matching_task_runner().address == "tcp://10.0.0.5:8786"


def test_outside_a_dask_flow_a_step_is_one_call_in_this_process():
    rows = [
        (2, {"Название": "ООО Ромашка", "Телефон": "+7 495 123-45-67"}),
        (3, {"Название": "Romashka LLC", "Телефон": "8 (495) 123 45 67"}),
    ]
    assert lead_batches.remote_runner() is None
    columns = map_columns(["Название", "Телефон"], {})
    prospects = lead_batches.in_batches(lead_batches.normalise, rows, columns, "RU")
    a, b = (p.record for p in prospects)
    found = lead_batches.in_batches(lead_batches.compare_pairs, [(a, b)], 0.65)
    assert [(x, y) for x, y, _ in found] == [(2, 3)]
    assert found[0][2].score >= 0.85, found[0][2]
