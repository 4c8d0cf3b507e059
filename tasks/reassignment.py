"""Reassignment plans: made from the clock and the planner, decided, and applied set-based."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.employees import Employee
from models.errors import CrmError
from models.leads import Lead
from models.lines import BusinessLine
from models.reassignment import PlanStatus, ReassignmentItem, ReassignmentPlan
from models.sql import query
from tasks import stale_rule
from tasks.bulk_copy import copy_rows
from tasks.reassignment_planner import plan

ITEM_COLUMNS = (
    "plan_id",
    "lead_id",
    "position",
    "line_id",
    "from_owner_id",
    "owned_since",
    "to_owner_id",
    "explanation",
)


# A plan lists at most this many of the leads it leaves alone (protected or frozen).
LISTED_LEFT_ALONE = 500


class LeftAlone(BaseModel):
    lead_id: int
    owner_id: int
    verdict: str


class PlanSummary(BaseModel):
    plan_id: int
    stale: int
    protected: int
    frozen: int
    to_pool: int
    per_rep: dict[int, int]
    lines_without_reps: list[str]
    left_alone: list[LeftAlone] = []


class TargetChange(BaseModel):
    lead_id: int
    to_employee_id: int | None


def make_plan(
    session: Session,
    *,
    line: str | None,
    stale_after: str,
    policy: str | None,
    as_of: date | None,
    dry_run: bool,
) -> PlanSummary:
    """Find the stale leads, plan their new owners and store the plan (nothing moves yet)."""
    period, chosen = stale_rule.parse_stale_after(stale_after), stale_rule.parse_policy(policy)
    line_id = stale_rule.resolve_line(session, line)
    today = stale_rule.business_today()
    as_of = as_of or today
    if as_of > today and not dry_run:
        raise CrmError(f"as_of {as_of} is in the future: only a dry run may look ahead")
    clock = stale_rule.lead_clock(session, line_id=line_id, stale_after=period, horizon=as_of)
    reps = stale_rule.eligible_reps(session, line_id=line_id, as_of=as_of)
    lines = stale_rule.line_policies(session, line_id)
    stale = [lead for lead, verdict in clock if verdict == "stale"]
    _count_out_leaving_leads(reps, stale)
    served = {lid for r in reps for lid in r.line_ids}
    without = sorted(lines[lid][0] for lid in {x.line_id for x in stale} - served)
    if line_id is not None and without:
        raise CrmError(f"line '{line}' has no eligible rep (active, not on leave): nothing changed")
    stale = [x for x in stale if lines[x.line_id][0] not in without]
    assignments = []
    for lid, (_, line_policy) in sorted(lines.items()):
        assignments += plan(
            [x for x in stale if x.line_id == lid],
            [r for r in reps if lid in r.line_ids],
            chosen or line_policy,
            _last_receivers(session, lid),
        )
    plan_id = session.scalar(
        sa.insert(ReassignmentPlan)
        .values(
            line_id=line_id,
            as_of=as_of,
            stale_after=str(period),
            policy=chosen,
            status=PlanStatus.dry_run if dry_run else PlanStatus.proposed,
        )
        .returning(ReassignmentPlan.plan_id)
    )
    copy_rows(
        session.connection(),
        "reassignment_items",
        ITEM_COLUMNS,
        (
            (
                plan_id,
                a.lead_id,
                n,
                a.line_id,
                a.from_owner_id,
                a.owned_since,
                a.to_owner_id,
                a.explanation,
            )
            for n, a in enumerate(assignments)
        ),
    )
    verdicts = Counter(verdict for _, verdict in clock)
    return PlanSummary(
        plan_id=plan_id,
        stale=len(assignments),
        protected=verdicts["protected"],
        frozen=verdicts["frozen"],
        to_pool=sum(a.to_owner_id is None for a in assignments),
        per_rep=Counter(a.to_owner_id for a in assignments if a.to_owner_id),
        lines_without_reps=without,
        left_alone=[
            LeftAlone(lead_id=x.lead_id, owner_id=x.owner_id, verdict=verdict)
            for x, verdict in clock
            if verdict != "stale"
        ][:LISTED_LEFT_ALONE],
    )


def _count_out_leaving_leads(reps, stale) -> None:
    """A rep about to lose stale leads is not as busy as their open leads say."""
    by_id = {r.employee_id: r for r in reps}
    for lead in stale:
        if lead.owner_id in by_id:
            by_id[lead.owner_id].open_leads -= 1


def _last_receivers(session: Session, line_id: int) -> dict[int, int]:
    rows = session.execute(
        query("reassignment", "last_round_robin_receivers"), {"line_id": line_id}
    )
    return dict(rows.tuples().all())


def change_targets(
    session: Session, plan_id: int, changes: list[TargetChange], decided_by: str
) -> list[str]:
    """Apply a head of sales' edits, or none of them: returns what is wrong with them.

    Every target must be a rep of the lead's line eligible today (active, not on leave).
    """
    if not changes:
        return []
    _plan(session, plan_id)
    reps = stale_rule.eligible_reps(session, line_id=None, as_of=stale_rule.business_today())
    allowed = {(lid, r.employee_id) for r in reps for lid in r.line_ids}
    items = {
        i.lead_id: i
        for i in session.scalars(
            sa.select(ReassignmentItem).where(
                ReassignmentItem.plan_id == plan_id,
                ReassignmentItem.lead_id.in_([c.lead_id for c in changes]),
            )
        )
    }
    problems = [_edit_problem(c, items.get(c.lead_id), allowed) for c in changes]
    problems = [p for p in problems if p]
    if problems:
        return problems
    for change in changes:
        item = items[change.lead_id]
        item.to_owner_id = change.to_employee_id
        item.explanation = f"{item.explanation}; target changed by {decided_by}"
    session.flush()
    return []


def _edit_problem(change: TargetChange, item, allowed) -> str | None:
    if item is None:
        return f"lead {change.lead_id} is not in this plan"
    if change.to_employee_id is None:
        return None
    if change.to_employee_id == item.from_owner_id:
        return f"lead {change.lead_id}: employee {change.to_employee_id} already owns it"
    if (item.line_id, change.to_employee_id) not in allowed:
        return (
            f"lead {change.lead_id}: employee {change.to_employee_id} is not an eligible "
            "rep of its line"
        )
    return None


def decide(session: Session, plan_id: int, status: PlanStatus, decided_by: str) -> None:
    plan_row = _plan(session, plan_id)
    if plan_row.status != PlanStatus.proposed:
        raise CrmError(f"plan {plan_id} is {plan_row.status.value}, not proposed")
    plan_row.status, plan_row.decided_by = status, decided_by
    plan_row.decided_at = datetime.now(UTC)
    session.flush()


def apply_plan(session: Session, plan_id: int, decided_by: str) -> int:
    """Move the plan's leads in one statement; returns how many actually changed owner."""
    plan_row = _plan(session, plan_id)
    if plan_row.status not in (PlanStatus.proposed, PlanStatus.applied):
        raise CrmError(f"plan {plan_id} is {plan_row.status.value}: it cannot be applied")
    decided_by_id = session.scalar(
        sa.select(Employee.employee_id).where(Employee.email == decided_by.lower())
    )
    changed = session.execute(
        query("reassignment", "apply_plan"),
        {
            "plan_id": plan_id,
            "now": datetime.now(UTC),
            "today": stale_rule.business_today(),
            "decided_by_id": decided_by_id,
            "note": f"three-month rule, plan {plan_id}, decided by {decided_by}",
        },
    ).rowcount
    if plan_row.status == PlanStatus.proposed:
        plan_row.status, plan_row.decided_by = PlanStatus.applied, decided_by
        plan_row.decided_at = plan_row.decided_at or datetime.now(UTC)
        plan_row.applied_at = datetime.now(UTC)
    session.flush()
    return changed


def _plan(session: Session, plan_id: int) -> ReassignmentPlan:
    plan_row = session.get(ReassignmentPlan, plan_id, with_for_update=True)
    if plan_row is None:
        raise CrmError(f"no reassignment plan {plan_id}")
    return plan_row


def unnotified_plans(session: Session) -> list[int]:
    return list(
        session.scalars(
            sa.select(ReassignmentPlan.plan_id)
            .where(
                ReassignmentPlan.status == PlanStatus.applied,
                ReassignmentPlan.notified_at.is_(None),
            )
            .order_by(ReassignmentPlan.plan_id)
        )
    )


class PlanRow(BaseModel):
    lead_id: int
    client: str
    from_owner: str
    to_owner: str
    explanation: str


def plan_rows(session: Session, plan_id: int, limit: int = 50) -> list[PlanRow]:
    """The first items of a plan, readable: client and people by name."""
    rows = session.execute(query("reassignment", "plan_rows"), {"plan_id": plan_id, "limit": limit})
    return [PlanRow(**r._mapping) for r in rows]


def set_frozen(session: Session, lead_id: int, is_frozen: bool) -> None:
    changed = session.execute(
        sa.update(Lead).where(Lead.lead_id == lead_id).values(is_frozen=is_frozen)
    ).rowcount
    if not changed:
        raise CrmError(f"no lead {lead_id}")


def set_line_policy(session: Session, line: str, policy: str) -> None:
    line_id = stale_rule.resolve_line(session, line)
    session.execute(
        sa.update(BusinessLine)
        .where(BusinessLine.line_id == line_id)
        .values(reassignment_policy=stale_rule.parse_policy(policy))
    )
