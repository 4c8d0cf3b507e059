"""The three-month rule's clock: parsing `stale_after`, finding stale leads and eligible reps."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.errors import CrmError
from models.lines import BusinessLine
from models.reassignment import Policy
from models.settings import get_settings
from models.sql import query
from tasks.lines import line_id_by_name
from tasks.reassignment_planner import Rep, StaleLead

_PART = re.compile(r"(-?\d+)\s*(months?|weeks?|days?|mo|m|w|d)\b", re.IGNORECASE)


class StaleAfter(BaseModel):
    months: int
    days: int

    def __str__(self) -> str:
        parts = [
            f"{self.months} months" if self.months else "",
            f"{self.days} days" if self.days else "",
        ]
        return " ".join(p for p in parts if p)


def parse_stale_after(text: str) -> StaleAfter:
    """'3 months', '90 days', '2 weeks', '1 month 15 days': calendar months stay months."""
    cleaned = text.strip()
    parts = _PART.findall(cleaned)
    if not parts or _PART.sub("", cleaned).strip(" ,"):
        raise CrmError(f"stale_after must look like '3 months' or '90 days', got '{text}'")
    months = days = 0
    for number, unit in parts:
        value, unit = int(number), unit.lower()
        if unit.startswith("mo") or unit == "m":
            months += value
        elif unit.startswith("w"):
            days += 7 * value
        else:
            days += value
    if months < 0 or days < 0 or months == days == 0:
        raise CrmError(f"stale_after must be a positive period, got '{text}'")
    return StaleAfter(months=months, days=days)


def business_today() -> date:
    return datetime.now(ZoneInfo(get_settings().time_zone)).date()


def parse_policy(name: str | None) -> Policy | None:
    if name is None:
        return None
    try:
        return Policy(name)
    except ValueError:
        known = ", ".join(p.value for p in Policy)
        raise CrmError(f"unknown policy '{name}' (use one of: {known})") from None


def resolve_line(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    return line_id_by_name(session, name)


def lead_clock(
    session: Session, *, line_id: int | None, stale_after: StaleAfter, horizon: date
) -> list[tuple[StaleLead, str]]:
    """Open leads whose ownership ends by `horizon`, each with its verdict."""
    rows = session.execute(
        query("reassignment", "lead_clock"),
        {
            "line_id": line_id,
            "months": stale_after.months,
            "days": stale_after.days,
            "horizon": horizon,
            "tz": get_settings().time_zone,
        },
    )
    return [
        (
            StaleLead(
                r.lead_id,
                r.line_id,
                r.owner_id,
                r.owned_since,
                r.stale_on,
                frozenset(r.previous_owner_ids),
            ),
            r.verdict,
        )
        for r in rows
    ]


def eligible_reps(session: Session, *, line_id: int | None, as_of: date) -> list[Rep]:
    """One Rep per person, with every line they may receive leads in."""
    rows = session.execute(
        query("reassignment", "eligible_reps"), {"line_id": line_id, "as_of": as_of}
    ).all()
    lines: dict[int, set[int]] = {}
    for r in rows:
        lines.setdefault(r.employee_id, set()).add(r.line_id)
    people = {r.employee_id: r for r in rows}
    return [Rep(i, frozenset(lines[i]), r.capacity, r.open_leads) for i, r in people.items()]


def line_policies(session: Session, line_id: int | None) -> dict[int, tuple[str, Policy]]:
    stmt = sa.select(BusinessLine.line_id, BusinessLine.name, BusinessLine.reassignment_policy)
    if line_id is not None:
        stmt = stmt.where(BusinessLine.line_id == line_id)
    return {lid: (name, policy) for lid, name, policy in session.execute(stmt)}
