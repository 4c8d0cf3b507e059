"""A campaign's issue that is due now, opened once: its ledger filled for the people it is for.

One-off: the single issue (''). Recurring: the latest issue time that has passed. Greetings:
today in the campaign's zone, each person keyed by the year and the occasion. A recurring
issue and a greeting day are recorded in campaign_issues when they are filled, so an issue
that reached nobody is not filled again later with people who joined the list since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from models.campaigns import Campaign, CampaignIssue, ScheduleKind
from models.errors import CrmError
from tasks.campaign_audience import fill_ledger
from tasks.campaign_schedule import issue_key, recurrence, zone


@dataclass(frozen=True)
class Issue:
    key: str  # campaign_issues.issue: the issue's local time, or the greeting day
    occurrence: str  # the ledger's key; a greeting's rows carry their own
    day: date | None = None  # the day a greeting campaign greets


@dataclass(frozen=True)
class Opened:
    issue: Issue
    added: int  # ledger rows this call created
    new: bool  # False: the issue had been opened before


def rule_of(campaign: Campaign):
    start = campaign.send_at or campaign.created_at
    return recurrence(campaign.recurrence or "", campaign.time_zone, start)


def due_issue(campaign: Campaign, now: datetime) -> Issue | None:
    """The issue the schedule says is due at `now`, None when none is."""
    if campaign.send_at is not None and campaign.send_at > now:
        return None
    if campaign.schedule_kind == ScheduleKind.recurring:
        latest = rule_of(campaign).latest(now)
        return Issue(issue_key(latest), issue_key(latest)) if latest else None
    if campaign.schedule_kind == ScheduleKind.date_triggered:
        today = now.astimezone(zone(campaign.time_zone)).date()
        return Issue(today.isoformat(), "", today)
    return Issue("", "")


def next_issue(campaign: Campaign, now: datetime) -> datetime | None:
    """When a recurring campaign's next issue falls (None when its rule has ended)."""
    if campaign.schedule_kind != ScheduleKind.recurring:
        return None
    return rule_of(campaign).next_after(max(now, campaign.send_at or now))


def has_more_issues(campaign: Campaign, now: datetime) -> bool:
    if campaign.schedule_kind == ScheduleKind.date_triggered:
        return True
    return next_issue(campaign, now) is not None


def open_issue(conn: sa.Connection, campaign: Campaign, now: datetime) -> Opened | None:
    """Fill the due issue's ledger, once; None when no issue is due."""
    issue = due_issue(campaign, now)
    if issue is None:
        return None
    if campaign.schedule_kind in (None, ScheduleKind.one_off):
        return Opened(issue, fill_ledger(conn, campaign.campaign_id), new=True)
    # The issue's row is the claim: a second dispatcher waits on it, then finds it taken.
    claimed = conn.execute(
        insert(CampaignIssue)
        .values(campaign_id=campaign.campaign_id, issue=issue.key)
        .on_conflict_do_nothing()
        .returning(CampaignIssue.issue)
    ).first()
    if claimed is None:
        return Opened(issue, 0, new=False)
    added = fill_ledger(conn, campaign.campaign_id, issue.occurrence, day=issue.day)
    conn.execute(
        sa.update(CampaignIssue)
        .where(CampaignIssue.campaign_id == campaign.campaign_id, CampaignIssue.issue == issue.key)
        .values(recipients=added)
    )
    return Opened(issue, added, new=True)


def explicit_issue(conn: sa.Connection, campaign: Campaign, occurrence: str) -> Opened:
    """An issue named by hand (`send-campaign` with an occurrence): a newsletter's issue time,
    or a day a greeting campaign greets (to catch up a day the dispatcher missed)."""
    if campaign.schedule_kind == ScheduleKind.date_triggered:
        try:
            day = date.fromisoformat(occurrence)
        except ValueError:
            raise CrmError(
                f"campaign {campaign.campaign_id} greets on dates: give the day as YYYY-MM-DD"
            ) from None
        added = fill_ledger(conn, campaign.campaign_id, day=day)
        return Opened(Issue(day.isoformat(), "", day), added, new=added > 0)
    added = fill_ledger(conn, campaign.campaign_id, occurrence)
    return Opened(Issue(occurrence, occurrence), added, new=added > 0)
