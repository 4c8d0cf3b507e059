"""`crm template ...` and `crm campaign ...`: a marketer's campaigns from a terminal."""

from __future__ import annotations

import copy
import email
import email.policy
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
import typer
from jinja2 import TemplateError as JinjaError
from sqlalchemy.orm import Session

from models.campaigns import (
    Campaign,
    CampaignIssue,
    CampaignSend,
    CampaignStatus,
    Channel,
    GreetingTrigger,
    MessageTemplate,
    ScheduleKind,
    SendStatus,
)
from models.errors import CrmError
from models.lines import BusinessLine
from models.lists import ContactList
from models.sql import query
from models.store import session_scope
from tasks import campaigns
from tasks.campaign_audience import AudienceCount, audience_counts, fill_ledger
from tasks.campaign_delivery import Outgoing
from tasks.campaign_issues import due_issue, next_issue
from tasks.campaign_schedule import issue_key
from tasks.campaign_schedule import zone as _zone
from tasks.campaign_sending import claim_params
from tasks.campaign_templates import TemplateProblem, check_template, load_builtin

SEPARATOR = "---- text ----"
TEMPLATE_FORMAT = (
    "A template file (UTF-8) holds the three parts of a letter:\n\n"
    "    Subject: {{ campaign.name }} for {{ organisation.name }}\n"
    "    <p>{{ greeting }},</p>\n"
    "    <p>The HTML part, any number of lines.</p>\n"
    f"    {SEPARATOR}\n"
    "    {{ greeting }},\n"
    "    The plain-text part, any number of lines.\n\n"
    "The first line is the subject; the HTML part runs up to the line "
    f'"{SEPARATOR}", the text part follows it. Variables: greeting, person, organisation, '
    "rep, campaign, sender, unsubscribe_url, occasion. The footer with the unsubscribe link "
    "and the sender is always added."
)
ADD_HELP = "Check a template and store it (one of the same name is replaced)."
ZONE = "Europe/Moscow"
WHEN_HELP = 'Date and time, e.g. "2026-12-01 10:00", in --tz.'

template_app = typer.Typer(
    help=f"Letter templates for campaigns: checked before they are stored.\n\n{TEMPLATE_FORMAT}",
    no_args_is_help=True,
)
campaign_app = typer.Typer(
    help="E-mail campaigns: create, look at the audience and the letters, send, pause.",
    no_args_is_help=True,
)


# --- Templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSource:
    """The three parts of a template and where each starts in its file, for line numbers."""

    where: str
    subject: str
    html: str
    text: str
    first_lines: dict[str, int]

    def problem_line(self, problem: TemplateProblem) -> str:
        if problem.line is None or problem.part not in self.first_lines:
            return f"{self.where}: {problem.part}: {problem.message}"
        line = self.first_lines[problem.part] + problem.line - 1
        return f"{self.where}:{line}: {problem.part}: {problem.message}"


def read_template_file(path: Path) -> TemplateSource:
    if not path.is_file():
        raise CrmError(f"{path}: no such file")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise CrmError(f"{path}: not UTF-8 text") from None
    key, colon, subject = (lines[0] if lines else "").partition(":")
    if not colon or key.strip().lower() != "subject":
        raise CrmError(f"{path}:1: the first line must be 'Subject: ...'")
    marks = [n for n, line in enumerate(lines) if line.strip() == SEPARATOR]
    if len(marks) != 1:
        raise CrmError(
            f"{path}: expected one line '{SEPARATOR}' between the HTML and the text part, "
            f"found {len(marks)}"
        )
    at = marks[0]
    html, text = "\n".join(lines[1:at]), "\n".join(lines[at + 1 :])
    first_lines = {"subject": 1, "html": 2, "text": at + 2}
    return TemplateSource(str(path), subject.strip(), html, text, first_lines)


def _template_source(file: Path | None, builtin: str | None) -> TemplateSource:
    if (file is None) == (builtin is None):
        raise CrmError("give either a template FILE or --builtin NAME")
    if file is not None:
        return read_template_file(file)
    subject, html, text = load_builtin(builtin or "")
    return TemplateSource(f"built-in {builtin}", subject.strip(), html, text, {})


def _refuse_problems(source: TemplateSource) -> None:
    """Every problem on a line of its own, then exit 1."""
    problems = check_template(source.subject, source.html, source.text)
    if not problems:
        return
    for problem in problems:
        typer.echo(f"crm: error: {source.problem_line(problem)}", err=True)
    raise typer.Exit(1)


@template_app.command("check")
def check(
    file: Path = typer.Argument(..., help="The template file (see `crm template --help`)."),
) -> None:
    """Check a template file without storing it: prints "ok" or every problem (exit 1)."""
    _refuse_problems(read_template_file(file))
    typer.echo("ok")


@template_app.command("add", help=f"{ADD_HELP}\n\n{TEMPLATE_FORMAT}")
def add(
    file: Path | None = typer.Argument(None, help="The template file; or --builtin instead."),
    name: str | None = typer.Option(
        None, help="The template's name (default: the file's or built-in's)."
    ),
    builtin: str | None = typer.Option(
        None, help="A built-in template: newsletter, birthday or holiday."
    ),
) -> None:
    source = _template_source(file, builtin)
    _refuse_problems(source)
    name = name or builtin or (file.stem if file else "")
    with session_scope() as session, session.begin():
        known = session.scalar(sa.select(MessageTemplate.name).where(MessageTemplate.name == name))
        template_id = campaigns.add_template(
            session, name, source.subject, source.html, source.text
        )
        session.get(MessageTemplate, template_id).is_builtin = builtin is not None
    typer.echo(f"template {template_id} '{name}' {'replaced' if known else 'added'}")


# --- Times -----------------------------------------------------------------------------------


def parse_when(text: str, zone: str) -> datetime:
    """A local date and time in `zone` (unless the text names its own offset), as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CrmError(f"'{text}': expected a date and time such as '2026-12-01 10:00'") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(zone))
    return value.astimezone(UTC)


def _local(value: datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    return f"{value.astimezone(_zone(zone)):%Y-%m-%d %H:%M} {zone}"


# --- Creating and looking --------------------------------------------------------------------


def _positive(option: str, value: float | None) -> None:
    if value is not None and value <= 0:
        raise CrmError(f"{option} must be positive, got {value}")


@campaign_app.command("create")
def create(
    name: str = typer.Option(..., help="The campaign's name (unique)."),
    template: str = typer.Option(..., help="A stored template (`crm template add`)."),
    list_: str = typer.Option(..., "--list", help="The contact list it goes to."),
    line: str | None = typer.Option(None, help="Only clients of this business line get it."),
    send_at: str | None = typer.Option(None, help=f"{WHEN_HELP} Scheduled then; else a draft."),
    tz: str = typer.Option(ZONE, help="The campaign's time zone."),
    per_second: float | None = typer.Option(None, help="At most this many letters a second."),
    per_hour: int | None = typer.Option(None, help="At most this many letters an hour."),
    window: str | None = typer.Option(
        None,
        help="Sending window in each recipient's time zone: weekdays and hours, e.g. '1-5 9-18'"
        " (Monday to Friday, 9:00 to 18:00).",
    ),
    recur: str | None = typer.Option(
        None,
        help="A recurring newsletter: a cron line ('0 9 * * 1': Mondays 9:00) or an RRULE "
        "('FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10') in --tz; issues from --send-at (default now).",
    ),
    greet: GreetingTrigger | None = typer.Option(
        None,
        help="A greeting sent on each recipient's occasion, once a year: birthday, family_date, "
        "company_anniversary or professional_holiday; from --send-at (default now).",
    ),
    holiday: str | None = typer.Option(
        None, help="With --greet professional_holiday: this holiday only (else every one)."
    ),
    channel: Channel = typer.Option(
        Channel.email,
        help="email, or paper: `crm campaign send` prints the letters into one PDF for the "
        "recipients with a postal address.",
    ),
) -> None:
    """Create a campaign: a draft, scheduled with --send-at, recurring, or a greeting."""
    from tasks.lines import line_id_by_name

    _positive("--per-second", per_second)
    _positive("--per-hour", per_hour)
    _zone(tz)
    when = parse_when(send_at, tz) if send_at else None
    plan = campaigns.Schedule(
        send_at=when, recurrence=recur, greeting=greet, holiday=holiday, time_zone=tz
    )
    with session_scope() as session, session.begin():
        line_id = line_id_by_name(session, line) if line else None
        campaign_id = campaigns.create_campaign(
            session, name=name, template=template, list_name=list_, line_id=line_id,
            schedule=plan, per_second=per_second, per_hour=per_hour, channel=channel,
        )  # fmt: skip
        campaign = campaigns.get_campaign(session, campaign_id)
        if window:
            days, (start, end) = campaigns.parse_window(window)
            campaign.window_days, campaign.window_start_hour, campaign.window_end_hour = (
                days,
                start,
                end,
            )
        status, at = campaign.status.value, _schedule_text(campaign)
    typer.echo(f"campaign {campaign_id} '{name}': {status}" + (f", {at}" if at else ""))


def _schedule_text(campaign: Campaign) -> str:
    """When it goes, in words: "once at ...", "0 9 * * 1 from ..., next issue ...", ..."""
    zone = campaign.time_zone
    if campaign.schedule_kind == ScheduleKind.recurring:
        upcoming = next_issue(campaign, datetime.now(UTC))
        after = f", next issue {_local(upcoming, zone)}" if upcoming else ", no further issue"
        return f"recurring '{campaign.recurrence}' from {_local(campaign.send_at, zone)}{after}"
    if campaign.schedule_kind == ScheduleKind.date_triggered:
        which = campaign.greeting.value if campaign.greeting else "-"
        return f"greets on each {which} from {_local(campaign.send_at, zone)}"
    return f"once at {_local(campaign.send_at, zone)}" if campaign.send_at else ""


def _counts_text(counts: dict[str, int]) -> str:
    order = [s.value for s in SendStatus]
    ranked = sorted(counts.items(), key=lambda kv: order.index(kv[0]))
    return ", ".join(f"{status} {n}" for status, n in ranked) or "none yet"


@campaign_app.command("list")
def list_campaigns() -> None:
    """Every campaign: id, name, status, list, send time and its letters per state."""
    with session_scope() as session:
        rows = session.execute(
            sa.select(Campaign, ContactList.name)
            .outerjoin(ContactList, ContactList.list_id == Campaign.list_id)
            .order_by(Campaign.campaign_id)
        ).all()
        tallies = session.execute(
            sa.select(CampaignSend.campaign_id, CampaignSend.status, sa.func.count()).group_by(
                CampaignSend.campaign_id, CampaignSend.status
            )
        ).all()
    ledgers: dict[int, dict[str, int]] = {}
    for campaign_id, status, n in tallies:
        ledgers.setdefault(campaign_id, {})[status.value] = n
    if not rows:
        typer.echo("no campaigns yet: create one with `crm campaign create`")
    for campaign, list_name in rows:
        typer.echo(
            f"{campaign.campaign_id:>5}  {campaign.name[:30]:<30} {campaign.status.value:<9}  "
            f"list {list_name or '-'}  send at {_local(campaign.send_at, campaign.time_zone)}  "
            f"letters: {_counts_text(ledgers.get(campaign.campaign_id, {}))}"
        )


def _ledger_counts(session: Session, campaign_id: int) -> dict[str, int]:
    rows = session.execute(query("campaign_sending", "ledger_counts"), {"campaign_id": campaign_id})
    return dict(rows.tuples().all())


def _status_line(campaign: Campaign) -> str:
    reason = f" ({campaign.status_reason})" if campaign.status_reason else ""
    return f"status: {campaign.status.value}{reason}"


def _limits(campaign: Campaign) -> str:
    parts = [
        f"{campaign.rate_per_second}/s" if campaign.rate_per_second else None,
        f"{campaign.rate_per_hour}/h" if campaign.rate_per_hour else None,
    ]
    return ", ".join(p for p in parts if p) or "the settings' defaults"


@campaign_app.command("show")
def show(campaign_id: int = typer.Argument(..., help="The campaign's id.")) -> None:
    """A campaign's details, why it is in its state, and its letters per state."""
    with session_scope() as session:
        campaign = campaigns.get_campaign(session, campaign_id)
        template = session.get(MessageTemplate, campaign.template_id)
        contact_list = session.get(ContactList, campaign.list_id) if campaign.list_id else None
        line = session.get(BusinessLine, campaign.line_id) if campaign.line_id else None
        counts = _ledger_counts(session, campaign_id)
        issues = session.execute(
            sa.select(CampaignIssue.issue, CampaignIssue.recipients)
            .where(CampaignIssue.campaign_id == campaign_id)
            .order_by(CampaignIssue.issue.desc())
            .limit(5)
        ).all()
    zone = campaign.time_zone
    typer.echo(f"campaign {campaign.campaign_id} '{campaign.name}'")
    typer.echo(_status_line(campaign))
    typer.echo(f"template: {template.name}")
    typer.echo(f"list: {contact_list.name if contact_list else '-'}")
    typer.echo(f"line: {line.name if line else 'any'}")
    typer.echo(f"schedule: {_schedule_text(campaign) or 'none (a draft: `crm campaign schedule`)'}")
    typer.echo(f"limits: {_limits(campaign)}")
    typer.echo(f"created: {_local(campaign.created_at, zone)}")
    typer.echo(f"started: {_local(campaign.started_at, zone)}")
    typer.echo(f"finished: {_local(campaign.finished_at, zone)}")
    for issue, recipients in issues:
        typer.echo(f"issue {issue}: {recipients} recipients")
    if counts:
        typer.echo(f"letters: {_counts_text(counts)}")
    else:
        typer.echo("letters: none yet (the audience is fixed when the campaign is first sent)")


@contextmanager
def _rolled_back() -> Iterator[Session]:
    """A session whose every change is undone: for looking at what a send would do."""
    with session_scope() as session:
        session.begin()
        try:
            yield session
        finally:
            session.rollback()


@dataclass(frozen=True)
class _Looked:
    """The issue `audience` and `preview` look at: the one due (else the next one) of a
    newsletter, a day's greetings, or the one-off issue."""

    occurrence: str  # what fill_ledger is given
    day: date | None  # a greeting campaign's day
    pattern: str  # the ledger rows shown (LIKE)


def _looked_at(campaign: Campaign, day: str | None) -> _Looked:
    now = datetime.now(UTC)
    if campaign.schedule_kind == ScheduleKind.date_triggered:
        zone = _zone(campaign.time_zone)
        try:
            chosen = date.fromisoformat(day) if day else now.astimezone(zone).date()
        except ValueError:
            raise CrmError(f"--day '{day}': expected a date such as 2027-03-08") from None
        return _Looked("", chosen, f"{chosen.year}%")
    issue = due_issue(campaign, now)
    if campaign.schedule_kind == ScheduleKind.recurring:
        upcoming = issue.occurrence if issue else issue_key(next_issue(campaign, now) or now)
        return _Looked(upcoming, None, upcoming)
    return _Looked("", None, "")


def _ledger_is_filled(conn: sa.Connection, campaign_id: int, occurrence: str) -> bool:
    found = sa.select(CampaignSend.campaign_send_id).where(
        CampaignSend.campaign_id == campaign_id, CampaignSend.occurrence == occurrence
    )
    return conn.scalar(sa.select(found.exists())) or False


def _print_audience(counts: Sequence[AudienceCount], rows: Sequence[sa.Row], note: str) -> None:
    excluded = sum(c.count for c in counts if c.status == SendStatus.skipped)
    getting = sum(c.count for c in counts) - excluded
    typer.echo(f"{getting} get it, {excluded} excluded ({note})")
    for c in counts:
        typer.echo(f"  {c.count:>7}  {c.status}" + (f": {c.reason}" if c.reason else ""))
    if rows:
        typer.echo(f"first {len(rows)}:")
    for row in rows:
        why = f": {row.last_error}" if row.last_error else ""
        who = f"person {row.person_id:>7}  {row.name[:40]:<40} {row.email or '-'}"
        typer.echo(f"  {who}  {row.status}{why}")


@campaign_app.command("audience")
def audience(
    campaign_id: int = typer.Argument(..., help="The campaign's id."),
    limit: int = typer.Option(20, "-n", "--limit", help="How many recipients to print."),
    day: str | None = typer.Option(
        None, help="A greeting campaign: the day whose greetings to add (default today)."
    ),
) -> None:
    """Who gets the campaign and who is excluded, and why; changes nothing. A newsletter:
    its due (else next) issue; a greeting campaign: the year's greetings with --day's."""
    with _rolled_back() as session:
        campaign = campaigns.get_campaign(session, campaign_id)
        looked = _looked_at(campaign, day)
        conn = session.connection()
        filled = looked.day is None and _ledger_is_filled(conn, campaign_id, looked.occurrence)
        if not filled:
            fill_ledger(conn, campaign_id, looked.occurrence, day=looked.day)
        counts = audience_counts(conn, campaign_id, looked.pattern)
        params = {"campaign_id": campaign_id, "occurrence": looked.pattern, "limit": max(limit, 0)}
        rows = conn.execute(query("campaign_audience", "audience_rows"), params).all()
    note = "from the ledger" if filled else "as of now; nothing written"
    _print_audience(counts, rows, note)


def _only_for(conn: sa.Connection, campaign_id: int, to: str, pattern: str) -> None:
    """Keep every other pending row of the (rolled-back) ledger out of the claim."""
    mine = CampaignSend.person_id == int(to) if to.isdigit() else CampaignSend.email == to.lower()
    of_issue = (CampaignSend.campaign_id == campaign_id, CampaignSend.occurrence.like(pattern))
    row = conn.execute(
        sa.select(CampaignSend.campaign_send_id, CampaignSend.status, CampaignSend.last_error)
        .where(*of_issue, mine)
        .limit(1)
    ).first()
    if row is None:
        raise CrmError(f"{to} is not in the audience of campaign {campaign_id}")
    if row.status != SendStatus.pending:
        why = f": {row.last_error}" if row.last_error else ""
        raise CrmError(f"{to} gets no letter from campaign {campaign_id}: {row.status}{why}")
    conn.execute(
        sa.update(CampaignSend)
        .where(*of_issue, CampaignSend.campaign_send_id != row.campaign_send_id)
        .where(CampaignSend.status == SendStatus.pending, CampaignSend.claimed_by.is_(None))
        .values(claimed_by="preview")
    )


def _letters(session: Session, campaign: Campaign, to: str | None, limit: int) -> list[str]:
    """The letters as the sender would make them now, or why one cannot be made."""
    conn = session.connection()
    looked = _looked_at(campaign, None)
    fill_ledger(conn, campaign.campaign_id, looked.occurrence, day=looked.day)
    if to:
        _only_for(conn, campaign.campaign_id, to, looked.pattern)
    maker = campaigns.letter_maker(session, campaign)
    # The sender only claims from a running campaign; this transaction is rolled back anyway.
    campaign.status = CampaignStatus.running
    session.flush()
    params = claim_params(campaign.campaign_id, max(limit, 0), "preview", campaign.line_id)
    shown = []
    for row in conn.execute(query("campaign_sending", "claim"), params).all():
        try:
            shown.append(_letter_text(maker(row)))
        except (CrmError, JinjaError, ValueError) as error:  # as the sender: that letter fails
            shown.append(f"To: {row.email}\n(letter not made: {error})")
    return shown


def _letter_text(letter: Outgoing) -> str:
    message = email.message_from_bytes(letter.raw, policy=email.policy.default)
    body = message.get_body(("plain",))
    text = body.get_content().rstrip() if body else "(no text part)"
    return f"To: {message['To']}\nSubject: {message['Subject']}\n\n{text}"


@campaign_app.command("preview")
def preview(
    campaign_id: int = typer.Argument(..., help="The campaign's id."),
    to: str | None = typer.Option(None, help="Only the letter to this person (id or e-mail)."),
    limit: int = typer.Option(5, "-n", "--limit", help="How many letters to print."),
) -> None:
    """Real letters for real recipients, as they would go now; nothing is sent or written."""
    with _rolled_back() as session:
        campaign = campaigns.get_campaign(session, campaign_id)
        letters = _letters(session, campaign, to, limit)
    if not letters:
        typer.echo(f"campaign {campaign_id}: nobody is due a letter (see `crm campaign audience`)")
    for n, letter in enumerate(letters, 1):
        typer.echo(f"==== letter {n} of {len(letters)} ====\n{letter}\n")
    if letters:
        typer.echo("(a preview: nothing sent, nothing written)")


# --- Moving and sending ----------------------------------------------------------------------


def _move(campaign_id: int, action: str, reason: str | None = None) -> None:
    with session_scope() as session, session.begin():
        campaigns.move(session, campaign_id, action, reason)
        campaign = campaigns.get_campaign(session, campaign_id)
        status = campaign.status.value
    typer.echo(f"campaign {campaign_id}: {status}")


@campaign_app.command("schedule")
def schedule(
    campaign_id: int = typer.Argument(..., help="The campaign's id."),
    at: str | None = typer.Option(None, help=f"{WHEN_HELP} Default: its send time, else now."),
    tz: str | None = typer.Option(None, help="The time zone of --at (default: the campaign's)."),
) -> None:
    """Schedule a draft or paused campaign; the dispatcher sends it when its time comes."""
    with session_scope() as session, session.begin():
        campaign = campaigns.get_campaign(session, campaign_id)
        if tz:
            _zone(tz)
            campaign.time_zone = tz
        if at:
            campaign.send_at = parse_when(at, campaign.time_zone)
        campaigns.move(session, campaign_id, "schedule")
        when = _local(campaign.send_at, campaign.time_zone)
    typer.echo(f"campaign {campaign_id}: scheduled for {when}")


@campaign_app.command("pause")
def pause(
    campaign_id: int = typer.Argument(..., help="The campaign's id."),
    reason: str | None = typer.Option(None, help="Why, for `crm campaign show`."),
) -> None:
    """Stop a scheduled or running campaign; resume it later."""
    _move(campaign_id, "pause", reason)


@campaign_app.command("resume")
def resume(campaign_id: int = typer.Argument(..., help="The campaign's id.")) -> None:
    """A paused campaign runs again: `crm campaign send` (or the dispatcher) goes on."""
    _move(campaign_id, "resume")


@campaign_app.command("cancel")
def cancel(campaign_id: int = typer.Argument(..., help="The campaign's id.")) -> None:
    """Cancel a campaign for good: letters not yet sent never go."""
    _move(campaign_id, "cancel")


class _WithoutCrmTraceback(logging.Formatter):
    """A console line for a CrmError without its traceback: the user's problem is the one
    `crm: error:` line; the run's logs on the Prefect server keep the traceback."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and isinstance(record.exc_info[1], CrmError):
            record = copy.copy(record)
            record.exc_info, record.exc_text = None, None
        return self.inner.format(record)


@contextmanager
def _brief_console() -> Iterator[None]:
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), logging.getLogger("prefect")]
    handlers = [h for lg in loggers for h in lg.handlers if isinstance(h, PrefectConsoleHandler)]
    saved = [(handler, handler.formatter) for handler in handlers]
    for handler, formatter in saved:
        handler.setFormatter(_WithoutCrmTraceback(formatter))
    try:
        yield
    finally:
        for handler, formatter in saved:
            handler.setFormatter(formatter)


def _check_before_the_run(campaign_id: int) -> bool:
    """A campaign that cannot start is one line and not a failed flow run; False: finished."""
    with _rolled_back() as session:
        return campaigns.start(session, campaign_id)


@campaign_app.command("send")
def send(campaign_id: int = typer.Argument(..., help="The campaign's id.")) -> None:
    """Send the campaign now (a Prefect flow run); a rerun sends only what is left."""
    from flows.send_campaign import send_campaign

    if not _check_before_the_run(campaign_id):
        with session_scope() as session:
            counts = _counts_text(_ledger_counts(session, campaign_id))
        typer.echo(f"campaign {campaign_id} is finished: nothing left to send (letters: {counts})")
        return
    with _brief_console():
        summary = send_campaign(campaign_id=campaign_id)
    typer.echo(
        f"campaign {campaign_id}: sent {summary.sent}, failed {summary.failed}, "
        f"to retry {summary.retried}, unknown {summary.unknown}"
    )
    typer.echo(f"letters: {_counts_text(summary.counts)}")
    if summary.document:
        typer.echo(f"letters to print: {summary.document}")
    typer.echo(f"status: {summary.status}")
    if summary.status == CampaignStatus.paused:
        why = summary.stopped or "see `crm campaign show`"
        raise CrmError(f"campaign {campaign_id} paused: {why}")
    if summary.status == CampaignStatus.running:
        still = summary.counts.get("pending", 0) + summary.counts.get("sending", 0)
        typer.echo(f"{still} letters still open: the dispatcher sends them when due, or rerun this")
