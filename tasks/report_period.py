"""The period of a management report: business dates in TIME_ZONE, turned into UTC bounds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, model_validator

from models.errors import CrmError
from models.settings import get_settings

ReportKind = Literal["weekly", "monthly", "satisfaction"]


class PeriodError(CrmError, ValueError):
    """A period a report cannot be made for; the message says why in one line."""


class Period(BaseModel):
    """From `first_day` to `last_day`, both included, in the business time zone."""

    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.last_day < self.first_day:
            raise ValueError("the period ends before it starts")
        return self

    @property
    def from_at(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def to_at(self) -> datetime:
        """The end, excluded: midnight after the last day."""
        return _midnight(self.due_before)

    @property
    def due_before(self) -> date:
        """The business date of the end: a next contact due before it is overdue."""
        return self.last_day + timedelta(days=1)

    @property
    def label(self) -> str:
        """ "week 19 of 2026 (4–10 May)", "May 2026", or the two dates."""
        first, last = self.first_day, self.last_day
        if first.isoweekday() == 1 and last == first + timedelta(days=6):
            year, week, _ = first.isocalendar()
            span = f"{first.day} {first:%b}" if first.month != last.month else f"{first.day}"
            return f"week {week} of {year} ({span}–{last.day} {last:%b})"
        if first.day == 1 and last == _month_end(first):
            return f"{first:%B %Y}"
        return f"{first.isoformat()} – {last.isoformat()}"

    @property
    def key(self) -> str:
        return f"{self.first_day.isoformat()}--{self.last_day.isoformat()}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(get_settings().time_zone))


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def business_today() -> date:
    return datetime.now(ZoneInfo(get_settings().time_zone)).date()


def default_period(kind: ReportKind, today: date) -> Period:
    """The last whole week (Monday to Sunday) or calendar month before `today`."""
    if kind == "weekly":
        monday = today - timedelta(days=today.isoweekday() - 1 + 7)
        return Period(first_day=monday, last_day=monday + timedelta(days=6))
    if kind == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(first_day=last.replace(day=1), last_day=last)
    raise PeriodError(f"a {kind} report has no period")


def resolve_period(
    kind: ReportKind, first_day: date | None, last_day: date | None, today: date | None = None
) -> Period:
    """The given period, or the kind's default one; half a period is refused."""
    if first_day is None and last_day is None:
        return default_period(kind, today or business_today())
    if first_day is None or last_day is None:
        raise PeriodError("give both ends of the period (--from and --to), or neither")
    if last_day < first_day:
        raise PeriodError(f"the period ends ({last_day}) before it starts ({first_day})")
    return Period(first_day=first_day, last_day=last_day)
