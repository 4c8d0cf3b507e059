"""The Prefect tasks of `reassign-stale-leads`: each opens its own transaction and returns ids
and counts, never rows."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel

from models.reassignment import PlanStatus, ReassignmentItem
from models.store import session_scope
from tasks import reassignment, reassignment_notify, stale_rule
from tasks.mail import send_letters
from tasks.reassignment import PlanSummary, TargetChange

# The artifact shows the head of sales this many items; the full plan stays in the database.
ARTIFACT_ROWS = 500


class Delivery(BaseModel):
    letters: int
    failed: list[str]


@task(name="warn-owners")
def warn_owners(
    line: str | None, stale_after: str, as_of: date | None, days_ahead: int
) -> Delivery:
    """Warn owners once per lead per ownership, days before their leads go stale."""
    period = stale_rule.parse_stale_after(stale_after)
    with session_scope() as session, session.begin():
        line_id = stale_rule.resolve_line(session, line)
        reassignment_notify.record_warnings(
            session,
            line_id=line_id,
            stale_after=period,
            as_of=as_of or stale_rule.business_today(),
            days_ahead=days_ahead,
        )
    with session_scope() as session, session.begin():
        rows = reassignment_notify.claim_warnings(session)
        letters, carried = reassignment_notify.warning_letters(session, rows, period)
    try:
        outcomes = send_letters(letters)
    except Exception:
        with session_scope() as session, session.begin():
            reassignment_notify.release_warnings(
                session, [k for ks in carried.values() for k in ks]
            )
        raise
    refused = [o.to for o in outcomes if not o.is_sent]
    with session_scope() as session, session.begin():
        reassignment_notify.release_warnings(session, [k for to in refused for k in carried[to]])
    return Delivery(letters=len(letters), failed=refused)


@task(name="plan-reassignment")
def plan_reassignment(
    line: str | None, stale_after: str, policy: str | None, as_of: date | None, dry_run: bool
) -> PlanSummary:
    """Find the stale leads and plan who gets each; stored, not applied."""
    with session_scope() as session, session.begin():
        return reassignment.make_plan(
            session, line=line, stale_after=stale_after, policy=policy, as_of=as_of, dry_run=dry_run
        )


@task(name="publish-plan")
def publish_plan(summary: PlanSummary) -> None:
    """Show the plan in the Prefect UI: the counts, and the leads with their new owners."""
    with session_scope() as session:
        items = session.execute(
            sa.select(
                ReassignmentItem.lead_id,
                ReassignmentItem.from_owner_id,
                ReassignmentItem.to_owner_id,
                ReassignmentItem.explanation,
            )
            .where(ReassignmentItem.plan_id == summary.plan_id)
            .order_by(ReassignmentItem.position)
            .limit(ARTIFACT_ROWS)
        ).all()
    table = [
        {
            "lead_id": i.lead_id,
            "from_owner_id": i.from_owner_id,
            "to_owner_id": i.to_owner_id if i.to_owner_id else "pool",
            "why": i.explanation,
        }
        for i in items
    ]
    table += [
        {
            "lead_id": x.lead_id,
            "from_owner_id": x.owner_id,
            "to_owner_id": "stays",
            "why": f"{x.verdict}: the rule leaves it with its owner",
        }
        for x in summary.left_alone
    ]
    create_table_artifact(
        key=f"reassignment-plan-{summary.plan_id}", table=table, description=_plan_markdown(summary)
    )


def _plan_markdown(s: PlanSummary) -> str:
    text = (
        f"**Plan {s.plan_id}**: {s.stale} stale leads to reassign, {s.to_pool} of them to "
        f"the pool; left alone: {s.protected} in protected stages, {s.frozen} frozen."
    )
    if s.lines_without_reps:
        text += f" Lines with no eligible rep (skipped): {', '.join(s.lines_without_reps)}."
    return text


@task(name="decide-plan")
def decide_plan(
    plan_id: int, status: PlanStatus, decided_by: str, changes: list[TargetChange]
) -> list[str]:
    """Record the head of sales' decision and edits; returns the edits refused (none applied)."""
    with session_scope() as session, session.begin():
        problems = reassignment.change_targets(session, plan_id, changes, decided_by)
        if not problems and status != PlanStatus.proposed:
            reassignment.decide(session, plan_id, status, decided_by)
        return problems


@task(name="apply-plan")
def apply_plan(plan_id: int, decided_by: str) -> int:
    """Move the leads of the plan in one transaction; returns how many changed owner."""
    with session_scope() as session, session.begin():
        return reassignment.apply_plan(session, plan_id, decided_by)


@task(name="notify-plan")
def notify_plan(plan_id: int) -> Delivery:
    """One letter per person: previous owners, new owners, heads of sales."""
    with session_scope() as session, session.begin():
        if not reassignment_notify.claim_plan_letters(session, plan_id):
            return Delivery(letters=0, failed=[])  # another run has sent them
        letters = reassignment_notify.plan_letters(session, plan_id)
    try:
        outcomes = send_letters(letters)
    except Exception:
        # Nobody got a letter (the server could not be reached): the next run sends them all.
        with session_scope() as session, session.begin():
            reassignment_notify.release_plan_letters(session, plan_id)
        raise
    # A refused address is reported, not retried: resending the plan would give everyone else
    # a second copy.
    return Delivery(letters=len(letters), failed=[o.to for o in outcomes if not o.is_sent])


@task(name="find-unnotified-plans")
def unnotified_plans() -> list[int]:
    """Plans applied by an earlier run whose letters did not all go out."""
    with session_scope() as session:
        return reassignment.unnotified_plans(session)


@task(name="publish-outcome")
def publish_outcome(plan_id: int, applied: int, note: str) -> None:
    """Show in the Prefect UI how many leads the applied plan moved, and who decided."""
    create_markdown_artifact(
        key=f"reassignment-outcome-{plan_id}",
        markdown=f"**Plan {plan_id}**: {applied} leads reassigned. {note}",
    )
