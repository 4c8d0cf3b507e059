"""The pure, heavy part of lead-list matching, in batches: here, or on the flow's Dask cluster.

Normalising rows and scoring pairs of records need no database and no settings, so they can run
anywhere. In this process (the default) each step is one plain call. When the flow runs on a
task runner outside this process (`TASK_RUNNER=dask`: prefect-dask's DaskTaskRunner) each step is
cut into batch tasks of thousands of rows (a task run costs ~14 ms, so a batch must be worth
sending) and the results come back in order, so the decisions are the same as here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from models.settings import get_settings
from tasks.lead_fields import ColumnMap, row_values
from tasks.lead_matching import Match, compare
from tasks.lead_records import Prospect, Record, prospect_from_fields

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

# Rows per batch for normalising and for scoring against the base; pairs per batch in the file.
BATCH_ROWS = 5_000
BATCH_PAIRS = 20_000


def normalise(rows: Iterable, columns: ColumnMap, region: str) -> list[Prospect]:
    return [
        prospect_from_fields(number, *row_values(columns, cells), region) for number, cells in rows
    ]


def compare_pairs(pairs: Iterable[tuple[Record, Record]], review: float) -> list[tuple]:
    """(row a, row b, match) of the pairs that score at least `review`, in the pairs' order."""
    found = []
    for a, b in pairs:
        match = compare(a, b)
        if match.score >= review:
            found.append((a.row_number, b.row_number, match))
    return found


def score_candidates(
    items: Iterable[tuple[Record, list[Record]]], same: float, review: float
) -> list[tuple[int, tuple[Record, Match] | None, list[tuple[Record, Match]]]]:
    """Per row with candidates: the best at or above `same`, else up to 5 in the review band."""
    found = []
    for record, candidates in items:
        scored = sorted(
            ((known, compare(record, known)) for known in candidates),
            key=lambda pair: (-pair[1].score, pair[0].organisation_id or pair[0].person_id or 0),
        )
        if scored and scored[0][1].score >= same:
            found.append((record.row_number, scored[0], []))
        elif near := [pair for pair in scored if pair[1].score >= review][:5]:
            found.append((record.row_number, None, near))
    return found


def remote_runner() -> TaskRunner | None:
    """The current flow's task runner when it runs tasks outside this process, else None."""
    if "prefect" not in sys.modules:  # no flow runs here (`crm dedupe`, the benchmark)
        return None
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    context = FlowRunContext.get()
    if context is None or isinstance(context.task_runner, ThreadPoolTaskRunner):
        return None
    return context.task_runner


def chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def in_batches(step: Callable, items: Iterable, *shared: Any) -> list:
    """`step(items, *shared)` here, or as batch tasks on the flow's remote task runner.

    Every step returns a list in the order of its items, so the batches' results joined in
    order are what one call would return.
    """
    if remote_runner() is None:
        return step(items, *shared)
    from tasks.lead_batch_tasks import TASKS, Batch

    batch_task = TASKS[step.__name__]
    size = BATCH_PAIRS if step is compare_pairs else BATCH_ROWS
    futures = [batch_task.submit(Batch(batch), *shared) for batch in chunks(items, size)]
    return [found for future in futures for found in future.result()]


def matching_task_runner() -> TaskRunner:
    """The build-lead-list flow's task runner, as TASK_RUNNER and DASK_ADDRESS say."""
    from prefect.task_runners import ThreadPoolTaskRunner

    settings = get_settings()
    if settings.task_runner != "dask":
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    # No cluster given: a local one for the run, one single-threaded process per core (the
    # work is pure Python, so threads would share one core).
    return DaskTaskRunner(cluster_kwargs={"threads_per_worker": 1, "dashboard_address": None})
