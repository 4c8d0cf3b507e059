"""The build-lead-list flow: a checked lead list from a file or from the company's own base."""

from __future__ import annotations

from typing import Literal

from prefect import flow, get_run_logger

from models.imports import ImportKind
from tasks.lead_batches import matching_task_runner
from tasks.lead_list_steps import (
    LeadListSummary,
    check_lead_list,
    deliver_lead_list,
    publish_lead_list,
)
from tasks.warm_sources import WarmCriteria


# TASK_RUNNER=dask: the matching's batch tasks run on a Dask cluster (tasks/lead_batches.py).
@flow(name="build-lead-list", task_runner=matching_task_runner())
def build_lead_list(
    source: str | WarmCriteria,
    line: str,
    rep: str | None = None,
    distribution: Literal["round_robin", "least_loaded"] | None = None,
    list_name: str | None = None,
    dry_run: bool = False,
    column_map: list[str] | None = None,
    client_base: bool = False,
    notify: bool = True,
) -> LeadListSummary:
    """Check a lead file (path) or warm-source criteria against the client base.

    Every row is decided (new, duplicate_in_file, existing_client, held_by_other_rep,
    already_yours, needs_review, suppressed, invalid) with its reason and holder; new rows
    become leads of `rep` (or of the line's reps by `distribution`). The checked list goes to
    the rep and the line's head of sales. `client_base` loads an export of the previous CRM
    instead (owners from an `owner` column or `rep`).
    """
    kind = ImportKind.client_base if client_base else ImportKind.lead_file
    summary = check_lead_list(
        source, line, rep, distribution, list_name, dry_run, column_map or [], kind
    )
    publish_lead_list(summary)
    if summary.already_imported:
        get_run_logger().info("batch %s: this file was imported before", summary.batch_id)
    if notify and not client_base:
        # Also after "already imported": a run that failed to send its letters sends them now.
        delivery = deliver_lead_list(summary)
        if delivery.failed:
            get_run_logger().warning("letters refused for: %s", ", ".join(delivery.failed))
    return summary
