"""A campaign's audience: its ledger filled once per issue, with who is excluded and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from models.campaigns import Campaign, GreetingTrigger
from models.errors import CrmError
from models.lists import ContactList, ListKind
from models.sql import query
from models.useful_dates import ProfessionalHoliday
from tasks.campaign_schedule import greeted_dates, holiday_date
from tasks.warm_sources import WarmCriteria, criteria_query


@dataclass(frozen=True)
class AudienceCount:
    status: str
    reason: str
    count: int


def _segment_orgs(conn: sa.Connection, contact_list, line_id: int | None) -> list[int]:
    """A segment is refilled by its criteria at send time: the base as it is now."""
    if contact_list.kind != ListKind.segment:
        return []
    try:
        criteria = WarmCriteria.model_validate(contact_list.criteria or {})
    except ValueError as error:
        raise CrmError(
            f"segment '{contact_list.name}' has criteria that are not allowed: {error}"
        ) from None
    chosen = criteria_query(criteria, line_id or 0).with_only_columns(
        sa.literal_column("organisation_id")
    )
    return list(conn.scalars(chosen))


def _holidays_on(conn: sa.Connection, day: date, holiday_id: int | None) -> list[sa.Row]:
    """The calendar's holidays that fall on `day` (the calendar is small: read it whole)."""
    chosen = sa.select(ProfessionalHoliday)
    if holiday_id is not None:
        chosen = chosen.where(ProfessionalHoliday.holiday_id == holiday_id)
    return [
        h
        for h in conn.execute(chosen)
        if holiday_date(day.year, h.month, h.day, h.weekday, h.week_of_month) == day
    ]


def _greeting_params(conn: sa.Connection, campaign, day: date | None) -> dict:
    if campaign.greeting is None:
        return {"greeting": None, "months": [], "days": [], "year": None,
                "holiday_ids": [], "holiday_names": [], "holiday_industries": []}  # fmt: skip
    if day is None:
        raise CrmError(f"campaign {campaign.campaign_id} greets on dates: give the day to greet")
    dates = greeted_dates(day)
    holidays = (
        _holidays_on(conn, day, campaign.holiday_id)
        if campaign.greeting == GreetingTrigger.professional_holiday
        else []
    )
    return {
        "greeting": campaign.greeting.value,
        "months": [m for m, _ in dates],
        "days": [d for _, d in dates],
        "year": day.year,
        "holiday_ids": [h.holiday_id for h in holidays],
        "holiday_names": [h.name for h in holidays],
        "holiday_industries": [h.industry for h in holidays],
    }


def list_params(conn: sa.Connection, campaign_id: int) -> dict:
    """What list_audience needs for the campaign's list: its id and, for a segment, the
    organisations its criteria choose now; with the campaign's line."""
    campaign = conn.execute(
        sa.select(Campaign.list_id, Campaign.line_id).where(Campaign.campaign_id == campaign_id)
    ).first()
    if campaign is None:
        raise CrmError(f"no campaign {campaign_id}")
    if campaign.list_id is None:
        raise CrmError(f"campaign {campaign_id} has no audience list")
    contact_list = conn.execute(
        sa.select(ContactList.name, ContactList.kind, ContactList.criteria).where(
            ContactList.list_id == campaign.list_id
        )
    ).one()
    return {
        "campaign_id": campaign_id,
        "list_id": campaign.list_id,
        "line_id": campaign.line_id,
        "segment_orgs": _segment_orgs(conn, contact_list, campaign.line_id),
    }


# A fill this large changes the ledger's statistics enough to change the claim's plan.
ANALYZE_AFTER_ROWS = 1000


def fill_ledger(
    conn: sa.Connection, campaign_id: int, occurrence: str = "", day: date | None = None
) -> int:
    """Create the issue's ledger rows (once); returns how many rows this call added. A
    greeting campaign takes the people with an occasion on `day`, each keyed by the year."""
    params = list_params(conn, campaign_id)
    campaign = conn.execute(
        sa.select(Campaign.campaign_id, Campaign.greeting, Campaign.holiday_id).where(
            Campaign.campaign_id == campaign_id
        )
    ).one()
    params |= {"occurrence": occurrence, **_greeting_params(conn, campaign, day)}
    added = conn.execute(query("campaign_audience", "fill_ledger"), params).rowcount
    if added >= ANALYZE_AFTER_ROWS:
        conn.execute(query("campaign_audience", "analyze_ledger"))
    return added


def audience_counts(
    conn: sa.Connection, campaign_id: int, occurrence: str = ""
) -> list[AudienceCount]:
    rows = conn.execute(
        query("campaign_audience", "audience_counts"),
        {"campaign_id": campaign_id, "occurrence": occurrence},
    )
    return [AudienceCount(status, reason, n) for status, reason, n in rows]
