"""Letters of the three-month rule: the owners' warnings, and who lost, got and decided what."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.employees import Employee, EmployeeLine, Role
from models.lines import BusinessLine
from models.reassignment import ReassignmentPlan, StaleWarning
from models.settings import get_settings
from models.sql import query
from tasks.mail import Letter, render_letter
from tasks.stale_rule import StaleAfter

# A letter lists this many leads; the rest is counted ("… and 120 more").
LISTED = 100


def _people(session: Session, ids) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    rows = session.execute(
        sa.select(Employee.employee_id, Employee.full_name, Employee.email).where(
            Employee.employee_id.in_(ids)
        )
    )
    return {i: (name, email) for i, name, email in rows}


def record_warnings(
    session: Session, *, line_id: int | None, stale_after: StaleAfter, as_of: date, days_ahead: int
) -> int:
    """One pending warning per lead per ownership for stale-to-be leads; reruns add nothing."""
    # The clock query decides what "stale on" means; warnings only pick a window of it, so the
    # rule is written once.
    clock = query("reassignment", "lead_clock").text
    statement = sa.text(
        "insert into stale_warnings (lead_id, owned_since, owner_id, stale_on) "
        f"select lead_id, owned_since, owner_id, stale_on from ({clock}) as clock "
        "where verdict = 'stale' and stale_on > :as_of on conflict do nothing"
    )
    return session.execute(
        statement,
        {
            "line_id": line_id,
            "months": stale_after.months,
            "days": stale_after.days,
            "as_of": as_of,
            "horizon": date.fromordinal(as_of.toordinal() + days_ahead),
            "tz": get_settings().time_zone,
        },
    ).rowcount


def claim_warnings(session: Session):
    """Take the pending warnings for this run: marked sent before sending, so two runs at once
    never send the same warning; `release_warnings` hands back what a server refused."""
    rows = session.execute(query("reassignment", "pending_warnings")).all()
    claimed = (
        set(
            session.execute(
                sa.update(StaleWarning)
                .where(
                    sa.tuple_(StaleWarning.lead_id, StaleWarning.owned_since).in_(
                        [(r.lead_id, r.owned_since) for r in rows]
                    ),
                    StaleWarning.sent_at.is_(None),
                )
                .values(sent_at=datetime.now(UTC))
                .returning(StaleWarning.lead_id, StaleWarning.owned_since)
            ).tuples()
        )
        if rows
        else set()
    )
    return [r for r in rows if (r.lead_id, r.owned_since) in claimed]


def warning_letters(session: Session, rows, stale_after: StaleAfter):
    """One digest per owner; returns the letters and, per address, the warnings they carry."""
    people = _people(session, {r.owner_id for r in rows})
    letters, carried = [], {}
    for owner_id, owner_rows in groupby(rows, key=lambda r: r.owner_id):
        owner_rows = list(owner_rows)
        name, email = people[owner_id]
        groups = [_group(day, list(g)) for day, g in groupby(owner_rows, key=lambda r: r.stale_on)]
        letters.append(
            render_letter(
                "stale_warning",
                email,
                {
                    "name": name,
                    "groups": groups,
                    "total": len(owner_rows),
                    "stale_after": str(stale_after),
                },
            )
        )
        carried[email] = [(r.lead_id, r.owned_since) for r in owner_rows]
    return letters, carried


def _group(day: date, rows) -> dict:
    return {
        "stale_on": day.isoformat(),
        "count": len(rows),
        "clients": [r.client for r in rows[:LISTED]],
        "more": max(0, len(rows) - LISTED),
    }


def release_warnings(session: Session, keys: list[tuple[int, datetime]]) -> None:
    if keys:
        session.execute(
            sa.update(StaleWarning)
            .where(sa.tuple_(StaleWarning.lead_id, StaleWarning.owned_since).in_(keys))
            .values(sent_at=None)
        )


def plan_letters(session: Session, plan_id: int) -> list[Letter]:
    """One letter per person, with a section for each part they played: leads taken from
    them, leads they received, and, for a line's head of sales, the applied plan."""
    plan_row = session.get(ReassignmentPlan, plan_id)
    rows = session.execute(query("reassignment", "plan_letters"), {"plan_id": plan_id}).all()
    heads = _heads_of_sales(session, {r.line for r in rows})
    people = _people(
        session,
        {r.from_owner_id for r in rows}
        | {r.to_owner_id for r in rows}
        | {i for ids in heads.values() for i in ids},
    )
    taken, received = _by(rows, "from_owner_id"), _by(rows, "to_owner_id")
    applied: dict[int, list[dict]] = defaultdict(list)
    for line, line_rows in sorted(_by(rows, "line").items()):
        for head in heads.get(line, []):
            applied[head].append(_line_section(line, line_rows, people))
    common = {
        "stale_after": plan_row.stale_after,
        "plan_id": plan_id,
        "decided_by": plan_row.decided_by or "the schedule",
    }
    return [
        render_letter(
            "reassignment",
            people[person][1],
            {
                **common,
                "name": people[person][0],
                "lines": applied.get(person, []),
                "taken": _section(
                    taken.get(person),
                    lambda r: (r.client, r.line, r.stage, _name(people, r.to_owner_id)),
                ),
                "received": _section(
                    received.get(person),
                    lambda r: (
                        r.client,
                        r.line,
                        r.stage,
                        _when(r.last_contact_at),
                        r.next_contact,
                        _name(people, r.from_owner_id),
                    ),
                ),
            },
        )
        for person in sorted(set(taken) | set(received) | set(applied))
    ]


def _name(people, employee_id) -> str:
    return people[employee_id][0] if employee_id in people else "the line's pool"


def _when(value):
    return value.date().isoformat() if hasattr(value, "date") else value


def _by(rows, key) -> dict:
    grouped = defaultdict(list)
    for r in rows:
        if getattr(r, key) is not None:
            grouped[getattr(r, key)].append(r)
    return grouped


def _section(rows, row) -> dict | None:
    if not rows:
        return None
    return {
        "count": len(rows),
        "more": max(0, len(rows) - LISTED),
        "rows": [row(r) for r in rows[:LISTED]],
    }


def _line_section(line: str, rows, people) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[_name(people, r.to_owner_id)] += 1
    return {
        "line": line,
        "count": len(rows),
        "rows": sorted(counts.items()),
        "to_pool": sum(r.to_owner_id is None for r in rows),
    }


def _heads_of_sales(session: Session, lines: set[str]) -> dict[str, list[int]]:
    rows = session.execute(
        sa.select(BusinessLine.name, EmployeeLine.employee_id)
        .join(EmployeeLine, EmployeeLine.line_id == BusinessLine.line_id)
        .join(Employee, Employee.employee_id == EmployeeLine.employee_id)
        .where(
            BusinessLine.name.in_(lines),
            EmployeeLine.role == Role.head_of_sales,
            Employee.is_active,
        )
        .order_by(EmployeeLine.employee_id)
    )
    heads = defaultdict(list)
    for line, employee_id in rows:
        heads[line].append(employee_id)
    return heads


def claim_plan_letters(session: Session, plan_id: int) -> bool:
    """Mark the plan's letters as sent before sending them, so only one run sends them."""
    return (
        session.execute(
            sa.update(ReassignmentPlan)
            .where(ReassignmentPlan.plan_id == plan_id, ReassignmentPlan.notified_at.is_(None))
            .values(notified_at=datetime.now(UTC))
        ).rowcount
        == 1
    )


def release_plan_letters(session: Session, plan_id: int) -> None:
    session.execute(
        sa.update(ReassignmentPlan)
        .where(ReassignmentPlan.plan_id == plan_id)
        .values(notified_at=None)
    )
