"""The Prefect tasks of lead-list matching's batches, for a flow on a Dask cluster.

Apart from tasks/lead_batches.py so that a command that never runs a flow (`crm dedupe`, the
benchmark) does not import Prefect; a Dask worker imports this module to run a batch.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.lead_batches import compare_pairs, normalise, score_candidates
from tasks.lead_fields import ColumnMap
from tasks.lead_records import Prospect


class Batch:
    """A batch handed to a task as it is: Prefect would walk every record for futures (and
    its `quote` does not survive the trip to a Dask worker)."""

    __slots__ = ("items",)

    def __init__(self, items: list):
        self.items = items


@task(name="normalise-lead-rows", cache_policy=NO_CACHE)
def normalise_batch(rows: Batch, columns: ColumnMap, region: str) -> list[Prospect]:
    """Normalise a batch of file rows (names, phones, e-mails, INNs, addresses)."""
    return normalise(rows.items, columns, region)


@task(name="compare-lead-pairs", cache_policy=NO_CACHE)
def compare_batch(pairs: Batch, review: float) -> list[tuple]:
    """Score a batch of pairs of file rows that share a blocking key."""
    return compare_pairs(pairs.items, review)


@task(name="score-lead-candidates", cache_policy=NO_CACHE)
def score_batch(items: Batch, same: float, review: float) -> list[tuple]:
    """Score a batch of file rows against their candidates from the client base."""
    return score_candidates(items.items, same, review)


TASKS = {
    "normalise": normalise_batch,
    "compare_pairs": compare_batch,
    "score_candidates": score_batch,
}
