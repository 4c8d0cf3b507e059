"""The three-month rule: stale leads go to another rep of the line, as the head of sales decides."""

from __future__ import annotations

from datetime import date
from typing import Literal

from prefect import flow, get_run_logger, pause_flow_run
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput
from pydantic import BaseModel, Field

from models.reassignment import PlanStatus
from models.settings import get_settings
from tasks.reassignment import TargetChange
from tasks.reassignment_steps import (
    apply_plan,
    decide_plan,
    notify_plan,
    plan_reassignment,
    publish_outcome,
    publish_plan,
    unnotified_plans,
    warn_owners,
)


class PlanDecision(RunInput):
    """The head of sales' answer, given in the Prefect UI's resume form."""

    approve: bool = Field(description="Apply the plan (with the changes below, if any).")
    decided_by: str = Field(description="Your e-mail address, kept in the leads' history.")
    changes: list[TargetChange] = Field(
        default_factory=list,
        description="Leads to give to someone else: lead_id and to_employee_id (empty: pool).",
    )


class ReassignmentResult(BaseModel):
    plan_id: int
    stale: int
    protected: int
    frozen: int
    to_pool: int
    applied: int
    status: str


@flow(name="reassign-stale-leads")
def reassign_stale_leads(
    line: str | None = None,
    stale_after: str = "3 months",
    policy: Literal["round_robin", "least_loaded", "capacity"] | None = None,
    approval: Literal["auto", "manual"] = "auto",
    dry_run: bool = False,
    as_of: date | None = None,
    approval_timeout_hours: float = 24.0,
) -> ReassignmentResult:
    """Warn owners, then plan, decide, apply and announce the reassignment of stale leads."""
    for plan_id in [] if dry_run else unnotified_plans():
        notify_plan(plan_id)
    if not dry_run:
        warn_owners(line, stale_after, as_of, get_settings().stale_warning_days)
    summary = plan_reassignment(line, stale_after, policy, as_of, dry_run)
    publish_plan(summary)
    result = ReassignmentResult(
        **summary.model_dump(include=set(ReassignmentResult.model_fields)),
        applied=0,
        status=PlanStatus.proposed,
    )
    if dry_run or not summary.stale:
        return result.model_copy(update={"status": "dry_run" if dry_run else "nothing stale"})
    decided_by = "auto (reassign-stale-leads)"
    if approval == "manual":
        status, decided_by = _ask_head_of_sales(summary.plan_id, approval_timeout_hours)
        if status != PlanStatus.proposed:
            return result.model_copy(update={"status": status})
    applied = apply_plan(summary.plan_id, decided_by)
    publish_outcome(summary.plan_id, applied, f"Decided by {decided_by}.")
    notify_plan(summary.plan_id)
    return result.model_copy(update={"applied": applied, "status": PlanStatus.applied})


def _ask_head_of_sales(plan_id: int, timeout_hours: float) -> tuple[PlanStatus, str]:
    """Pause until the head of sales answers; ask again while their edits are refused."""
    logger = get_run_logger()
    while True:
        try:
            decision = pause_flow_run(
                wait_for_input=PlanDecision, timeout=int(timeout_hours * 3600)
            )
        except FlowPauseTimeout:
            decide_plan(plan_id, PlanStatus.expired, "approval timed out", [])
            logger.warning("plan %s: no decision in time, nothing applied", plan_id)
            return PlanStatus.expired, ""
        decided_by = decision.decided_by or "head of sales"
        if not decision.approve:
            decide_plan(plan_id, PlanStatus.rejected, decided_by, [])
            return PlanStatus.rejected, decided_by
        problems = decide_plan(plan_id, PlanStatus.proposed, decided_by, decision.changes)
        if not problems:
            return PlanStatus.proposed, decided_by
        logger.warning(
            "plan %s: edits refused, nothing applied yet; resume again: %s",
            plan_id,
            "; ".join(problems),
        )
