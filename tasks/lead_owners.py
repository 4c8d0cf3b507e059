"""Who gets the new leads of an import: one named rep, or the line's reps by a rule."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import date
from itertools import cycle

import sqlalchemy as sa

from models.errors import CrmError
from models.sql import query
from tasks.lead_decisions import RowDecision

DISTRIBUTIONS = ("round_robin", "least_loaded")


def resolve_rep(conn: sa.Connection, line_id: int, line_name: str, who: str) -> int:
    """An active rep of the line, named by e-mail or full name."""
    rows = conn.execute(
        query("lead_lists", "find_employee"), {"who": who.strip(), "line_id": line_id}
    ).all()
    if not rows:
        raise CrmError(f"no employee '{who}' (give their e-mail or full name)")
    if len(rows) > 1:
        raise CrmError(f"'{who}' names {len(rows)} employees; give the e-mail instead")
    employee_id, name, is_active, is_rep = rows[0]
    if not is_active:
        raise CrmError(f"{name} is not active and cannot receive leads")
    if not is_rep:
        raise CrmError(f"{name} is not a rep of the {line_name} line")
    return employee_id


def distribute(
    conn: sa.Connection,
    line_id: int,
    line_name: str,
    rows: Sequence[RowDecision],
    rule: str,
    as_of: date,
) -> None:
    """Set owner_id on each row by `rule` among the line's active reps not on leave."""
    if rule not in DISTRIBUTIONS:
        raise CrmError(f"unknown distribution '{rule}' (use {' or '.join(DISTRIBUTIONS)})")
    reps = (
        conn.execute(query("reassignment", "eligible_reps"), {"line_id": line_id, "as_of": as_of})
        .mappings()
        .all()
    )
    if not reps:
        raise CrmError(f"the {line_name} line has no active rep to receive leads")
    if rule == "round_robin":
        for row, rep in zip(rows, cycle(sorted(r["employee_id"] for r in reps)), strict=False):
            row.owner_id = rep
        return
    heap = [(r["open_leads"], r["employee_id"]) for r in reps]
    heapq.heapify(heap)
    for row in rows:
        load, rep = heapq.heappop(heap)
        row.owner_id = rep
        heapq.heappush(heap, (load + 1, rep))


def owner_handles(conn: sa.Connection) -> dict[str, int]:
    return dict(conn.execute(query("lead_lists", "employees_by_name_or_email")).tuples().all())
