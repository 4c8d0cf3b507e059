"""When issues fall due: cron and RRULE rules, greeting days (29 February), holiday dates."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import CrmError
from tasks.campaign_schedule import greeted_dates, holiday_date, issue_key, recurrence

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 1, tzinfo=MSK)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize("rule", ["0 9 * * 1", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"])
def test_latest_issue_is_the_last_time_passed_and_next_is_after(rule):
    r = recurrence(rule, "Europe/Moscow", START)
    assert r.latest(at(2026, 11, 23, 9, 0)) == at(2026, 11, 23, 9, 0)  # its own minute counts
    assert r.latest(at(2026, 11, 23, 8, 59)) == at(2026, 11, 16, 9, 0)
    assert r.latest(at(2026, 12, 1, 12, 0)) == at(2026, 11, 30, 9, 0)  # a week down: one issue
    assert r.next_after(at(2026, 11, 23, 9, 0)) == at(2026, 11, 30, 9, 0)
    assert issue_key(r.latest(at(2026, 11, 23, 10, 0))) == "2026-11-23T09:00"


def test_nothing_is_due_before_the_start():
    r = recurrence("0 9 * * *", "Europe/Moscow", at(2026, 11, 23, 12, 0))
    assert r.latest(at(2026, 11, 23, 11, 0)) is None
    assert r.latest(at(2026, 11, 23, 13, 0)) is None  # 9:00 that day was before the start
    assert r.latest(at(2026, 11, 24, 9, 30)) == at(2026, 11, 24, 9, 0)


def test_a_rule_that_ended_has_no_next_issue():
    r = recurrence("FREQ=DAILY;COUNT=2;BYHOUR=10;BYMINUTE=0", "Europe/Moscow", START)
    assert r.next_after(at(2026, 11, 1, 11, 0)) == at(2026, 11, 2, 10, 0)
    assert r.next_after(at(2026, 11, 2, 10, 0)) is None
    assert r.latest(at(2026, 12, 1)) == at(2026, 11, 2, 10, 0)


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("61 * * * *", "Bad minute"),
        ("every monday", "Wrong number of fields"),
        ("FREQ=SOMETIMES", "FREQ"),
        ("", "needs a rule"),
        ("FREQ=DAILY;UNTIL=20200101T000000Z", "no issue after"),
    ],
)
def test_a_rule_that_cannot_be_read_is_refused_by_name(rule, says):
    with pytest.raises(CrmError, match=says):
        recurrence(rule, "Europe/Moscow", START)


def test_an_unknown_zone_is_refused():
    with pytest.raises(CrmError, match="unknown time zone 'Mars/Base'"):
        recurrence("0 9 * * *", "Mars/Base", START)


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@given(days)
def test_a_day_greets_its_own_date_and_leap_day_only_on_a_common_28_february(day):
    dates = greeted_dates(day)
    assert dates[0] == (day.month, day.day)
    leap_day_too = (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)
    assert ((2, 29) in dates) == leap_day_too
    assert len(dates) == 1 + leap_day_too


@given(st.integers(1990, 2100), st.sampled_from([(2, 29), (2, 28), (3, 1), (12, 31), (1, 1)]))
def test_every_date_is_greeted_exactly_once_a_year(year, month_day):
    greeted_on = [
        date(year, 1, 1) + timedelta(days=n)
        for n in range(366 if calendar.isleap(year) else 365)
        if month_day in greeted_dates(date(year, 1, 1) + timedelta(days=n))
    ]
    assert len(greeted_on) == 1


@given(
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.integers(1, 7),
    st.sampled_from([-1, 1, 2, 3, 4]),
)
def test_a_weekday_holiday_falls_on_that_weekday_of_that_week(year, month, weekday, week):
    day = holiday_date(year, month, None, weekday, week)
    assert (day.year, day.month, day.isoweekday()) == (year, month, weekday)
    if week == -1:
        assert (day + timedelta(days=7)).month != month
    else:
        assert (day.day - 1) // 7 == week - 1


def test_known_holidays_of_2026():
    assert holiday_date(2026, 9, None, 7, -1) == date(2026, 9, 27)  # День машиностроителя
    assert holiday_date(2026, 8, None, 7, 2) == date(2026, 8, 9)  # День строителя
    assert holiday_date(2026, 12, 22, None, None) == date(2026, 12, 22)  # День энергетика
    assert holiday_date(2027, 2, 29, None, None) == date(2027, 2, 28)
