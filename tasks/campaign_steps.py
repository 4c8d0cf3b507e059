"""The Prefect tasks of `send-campaign` and `dispatch-due-campaigns`; ids and counts in and out."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from prefect import task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel

from models.campaigns import CampaignStatus, Channel, ScheduleKind
from models.errors import CrmError
from models.settings import get_settings
from models.sql import query
from models.store import get_engine, session_scope
from tasks import campaigns
from tasks.campaign_audience import audience_counts
from tasks.campaign_delivery import SmtpUnavailable
from tasks.campaign_issues import due_issue, explicit_issue, open_issue
from tasks.campaign_paper import print_issue
from tasks.campaign_sending import send_issue
from tasks.campaign_templates import TemplateError
from tasks.mail_capture import capture_server
from tasks.quality_gates import campaign_gate


class Started(BaseModel):
    campaign_id: int
    added: int  # ledger rows this run created (0 when resuming)
    pending: int


class IssueSummary(BaseModel):
    campaign_id: int
    sent: int
    failed: int
    retried: int
    unknown: int
    stopped: str | None
    counts: dict[str, int]
    status: str
    busy: str | None = None  # another run was sending the campaign: this one sent nothing
    document: str | None = None  # a paper campaign's PDF of letters


@task(name="start-campaign")
def start_campaign(campaign_id: int, occurrence: str) -> Started:
    """Mark the campaign running and fill the ledger of its due issue (once): the one-off
    issue, a newsletter's latest issue, today's greetings; or the issue named by hand."""
    with session_scope() as session, session.begin():
        if not campaigns.start(session, campaign_id):
            return Started(campaign_id=campaign_id, added=0, pending=0)  # finished already
        campaign = campaigns.get_campaign(session, campaign_id)
        conn = session.connection()
        if campaign.channel == Channel.paper:
            return Started(campaign_id=campaign_id, added=0, pending=0)  # printing fills it
        if occurrence:
            opened = explicit_issue(conn, campaign, occurrence)
        else:
            opened = open_issue(conn, campaign, datetime.now(UTC))
        counts = audience_counts(conn, campaign_id, opened.issue.occurrence if opened else "")
        params = {"campaign_id": campaign_id}
        pending = session.execute(query("campaign_sending", "open_rows"), params).one().open_rows
        one_off = campaign.schedule_kind in (None, ScheduleKind.one_off)
        # A mass mailing's audience is checked before any letter goes; a day's greetings are
        # a handful of people, whose share of missing addresses says nothing.
        gate = (
            campaign_gate(conn, campaign_id, occurrence=opened.issue.occurrence if opened else None)
            if campaign.schedule_kind != ScheduleKind.date_triggered
            else None
        )
    if one_off and not any(c.status != "skipped" for c in counts):
        why = "; ".join(f"{c.reason} ({c.count})" for c in counts) or "the list is empty"
        pause(campaign_id, f"nobody to send to: {why}")
        raise CrmError(f"campaign {campaign_id} has nobody to send to: {why}")
    if gate is not None and not gate.passed:
        pause(campaign_id, f"the audience failed its check: {gate.reason}")
        raise CrmError(f"campaign {campaign_id} stopped before sending: {gate.reason}")
    return Started(campaign_id=campaign_id, added=opened.added if opened else 0, pending=pending)


@contextmanager
def _smtp_address():
    settings = get_settings()
    if settings.smtp_host:
        yield settings.smtp_host, settings.smtp_port
        return
    with capture_server(settings.mail_capture_dir) as (host, port):
        yield host, port


@task(name="send-campaign-issue")
def send_campaign_issue(campaign_id: int) -> IssueSummary:
    """Send every due letter of the campaign; pause it, with why, if sending cannot go on."""
    with session_scope() as session:
        campaign = campaigns.get_campaign(session, campaign_id)
        line_id = campaign.line_id
        if campaign.channel == Channel.paper:
            return _print_campaign(campaign_id)
        try:
            # A template that no longer passes its check pauses the campaign too: left running,
            # the dispatcher would fail on it every few minutes.
            maker = campaigns.letter_maker(session, campaign)
            with _smtp_address() as (host, port):
                how = campaigns.sending_for(campaign, host, port)
                result = send_issue(get_engine(), campaign_id, line_id, maker, how)
        except (SmtpUnavailable, TemplateError) as error:
            pause(campaign_id, str(error))
            raise
    if result.stopped:
        pause(campaign_id, result.stopped)
    return IssueSummary(
        campaign_id=campaign_id, sent=result.sent, failed=result.failed, retried=result.retried,
        unknown=result.unknown, stopped=result.stopped, counts=result.counts,
        status=_finish(campaign_id), busy=result.busy,
    )  # fmt: skip


def _finish(campaign_id: int) -> str:
    """The campaign's status once this run is over: finished if nothing is left to do."""
    with session_scope() as session, session.begin():
        campaigns.finish_if_done(session, campaign_id)
        return campaigns.get_campaign(session, campaign_id).status.value


def _print_campaign(campaign_id: int) -> IssueSummary:
    """A paper campaign's pending letters into one PDF; they count as sent once it is written."""
    try:
        printed = print_issue(get_engine(), campaign_id)
    except TemplateError as error:
        pause(campaign_id, str(error))
        raise
    params = {"campaign_id": campaign_id}
    with session_scope() as session:
        counts = dict(session.execute(query("campaign_sending", "ledger_counts"), params).all())
    return IssueSummary(
        campaign_id=campaign_id, sent=printed.printed, failed=printed.failed, retried=0,
        unknown=0, stopped=None, counts=counts, status=_finish(campaign_id),
        document=str(printed.path) if printed.path else None,
    )  # fmt: skip


def pause(campaign_id: int, reason: str) -> None:
    with session_scope() as session, session.begin():
        campaign = campaigns.get_campaign(session, campaign_id)
        if campaign.status in (CampaignStatus.running, CampaignStatus.scheduled):
            campaigns.move(session, campaign_id, "pause", reason)


@task(name="publish-campaign")
def publish_campaign(summary: IssueSummary) -> None:
    """The ledger's states as a Prefect table artifact."""
    create_table_artifact(
        key=f"campaign-{summary.campaign_id}",
        table=[{"state": k, "letters": v} for k, v in sorted(summary.counts.items())],
        description=(
            f"**Campaign {summary.campaign_id}** is {summary.status}: this run sent "
            f"{summary.sent}, failed {summary.failed}, will retry {summary.retried}, "
            f"unknown {summary.unknown}."
            + (f" Paused: {summary.stopped}" if summary.stopped else "")
            + (f" Not sent: {summary.busy}." if summary.busy else "")
            + (f" Letters to print: {summary.document}" if summary.document else "")
        ),
    )


@task(name="find-due-campaigns")
def find_due_campaigns() -> list[int]:
    """Open the issues that fell due (a newsletter's next issue, today's greetings), then list
    the scheduled campaigns whose time has come and the running ones with letters due."""
    now = datetime.now(UTC)
    with session_scope() as session:
        periodic = session.scalars(query("campaigns", "periodic_campaigns")).all()
    for campaign_id in periodic:
        try:
            with session_scope() as session, session.begin():
                campaign = campaigns.get_campaign(session, campaign_id)
                if due_issue(campaign, now) is None:
                    continue
                campaigns.start(session, campaign_id)
                open_issue(session.connection(), campaign, now)
        except CrmError as error:  # e.g. a rule edited into nonsense: that campaign pauses
            pause(campaign_id, str(error))
    with session_scope() as session:
        return campaigns.due_campaigns(session)
