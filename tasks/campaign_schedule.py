"""When a campaign's issues fall due: recurring rules (cron or RRULE) and greeting days.

An issue is named by its time in the campaign's zone ("2027-01-04T09:00"): the ledger keys a
newsletter's rows on it, so each issue reaches each person once however often the dispatcher
runs. Only the latest issue whose time has passed is sent: a dispatcher that was down for a week
sends this week's newsletter, not seven old ones at once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from dateutil.rrule import rrule, rrulestr

from models.errors import CrmError

ISSUE_FORMAT = "%Y-%m-%dT%H:%M"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CrmError(f"unknown time zone '{name}' (e.g. Europe/Moscow)") from None


def _is_rrule(text: str) -> bool:
    head = text.strip().upper()
    return head.startswith(("FREQ=", "RRULE:", "DTSTART"))


@dataclass(frozen=True)
class Recurrence:
    """A campaign's rule, anchored at its first possible issue (`start`, aware)."""

    text: str
    start: datetime

    def _rule(self) -> rrule:
        return rrulestr(self.text, dtstart=self.start.replace(second=0, microsecond=0))

    def latest(self, now: datetime) -> datetime | None:
        """The last issue time in [start, now], or None before the first."""
        local_now = now.astimezone(self.start.tzinfo)
        if local_now < self.start:
            return None
        if _is_rrule(self.text):
            return self._rule().before(local_now, inc=True)
        found = next(CronSim(self.text, local_now + timedelta(seconds=1), reverse=True), None)
        return found if found is not None and found >= self.start else None

    def next_after(self, moment: datetime) -> datetime | None:
        """The first issue time after `moment` (None when the rule has ended)."""
        local = max(moment.astimezone(self.start.tzinfo), self.start - timedelta(seconds=1))
        if _is_rrule(self.text):
            return self._rule().after(local, inc=False)
        return next(CronSim(self.text, local), None)


def recurrence(text: str, zone_name: str, start: datetime) -> Recurrence:
    """A checked rule: a cron line of five fields or an RFC 5545 RRULE; a clear error else."""
    rule = Recurrence(text.strip(), start.astimezone(zone(zone_name)))
    if not rule.text:
        raise CrmError("a recurring campaign needs a rule, e.g. '0 9 * * 1' or 'FREQ=WEEKLY'")
    try:
        if _is_rrule(rule.text):
            rule._rule()
        else:
            CronSim(rule.text, rule.start)
    except (CronSimError, ValueError, TypeError) as error:
        raise CrmError(
            f"recurrence '{text}': {error or 'not understood'}; give a cron line such as "
            "'0 9 * * 1' (Mondays 9:00) or an RRULE such as 'FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10'"
        ) from None
    if rule.next_after(rule.start - timedelta(seconds=1)) is None:
        raise CrmError(f"recurrence '{text}' has no issue after {rule.start:%Y-%m-%d %H:%M}")
    return rule


def issue_key(moment: datetime) -> str:
    return moment.strftime(ISSUE_FORMAT)


# --- Greeting days ---------------------------------------------------------------------------


def greeted_dates(day: date) -> list[tuple[int, int]]:
    """The (month, day) dates greeted on `day`: 29 February falls on 28 February in other
    years, so a leap-day birthday is greeted every year, once."""
    dates = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        dates.append((2, 29))
    return dates


def holiday_date(
    year: int, month: int, day: int | None, weekday: int | None, week_of_month: int | None
) -> date:
    """A calendar holiday's date in `year`: a fixed day, or the n-th ISO weekday of the month
    (-1 = the last one)."""
    if day is not None:
        last = calendar.monthrange(year, month)[1]
        return date(year, month, min(day, last))
    assert weekday is not None and week_of_month is not None
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).isoweekday() == weekday
    ]
    return days[-1] if week_of_month == -1 else days[min(week_of_month, len(days)) - 1]
