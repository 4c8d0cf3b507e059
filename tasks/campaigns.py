"""Campaigns: created with a checked template, moved through their states, turned into letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.campaigns import (
    Campaign,
    CampaignStatus,
    Channel,
    GreetingTrigger,
    MessageTemplate,
    ScheduleKind,
)
from models.errors import CrmError
from models.lists import ContactList
from models.settings import get_settings
from models.sql import query
from models.surveys import SurveyWave
from models.useful_dates import ProfessionalHoliday
from tasks.campaign_delivery import Outgoing
from tasks.campaign_issues import has_more_issues, rule_of
from tasks.campaign_messages import campaign_message_id, raw_letter
from tasks.campaign_sending import Sending
from tasks.campaign_templates import (
    CampaignContext,
    CompiledTemplate,
    LetterContext,
    OrganisationContext,
    PersonContext,
    RepContext,
    SenderContext,
    compile_template,
    greeting,
    render_campaign_letter,
    require_valid,
)
from tasks.mail import smtp_client
from tasks.survey_links import survey_url
from tasks.unsubscribe import unsubscribe_url

# Which moves a marketer may make, from which states.
MOVES = {
    "schedule": ({CampaignStatus.draft, CampaignStatus.paused}, CampaignStatus.scheduled),
    "pause": ({CampaignStatus.scheduled, CampaignStatus.running}, CampaignStatus.paused),
    "resume": ({CampaignStatus.paused}, CampaignStatus.running),
    "cancel": (
        {
            CampaignStatus.draft,
            CampaignStatus.scheduled,
            CampaignStatus.running,
            CampaignStatus.paused,
        },
        CampaignStatus.cancelled,
    ),
}


def add_template(session: Session, name: str, subject: str, html: str, text: str) -> int:
    """A marketer's template, checked before it is stored (syntax, variables, a dry render)."""
    require_valid(subject, html, text)
    template = session.scalar(sa.select(MessageTemplate).where(MessageTemplate.name == name))
    if template is None:
        template = MessageTemplate(name=name, subject=subject, body_html=html, body_text=text)
        session.add(template)
    else:
        template.subject, template.body_html, template.body_text = subject, html, text
    session.flush()
    return template.template_id


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CrmError(f"no campaign {campaign_id}")
    return campaign


@dataclass(frozen=True)
class Schedule:
    """When a campaign goes: once at `send_at`, by a recurring rule from `send_at` on, or on
    its recipients' dates (a greeting) from `send_at` on; all None makes a draft."""

    send_at: datetime | None = None
    recurrence: str | None = None
    greeting: GreetingTrigger | None = None
    holiday: str | None = None  # a holiday greeting for this holiday only
    time_zone: str = "Europe/Moscow"

    @property
    def kind(self) -> ScheduleKind | None:
        if self.recurrence and self.greeting:
            raise CrmError("a campaign recurs or greets on dates, not both")
        if self.holiday and self.greeting != GreetingTrigger.professional_holiday:
            raise CrmError("a holiday is for a professional_holiday greeting")
        if self.recurrence:
            return ScheduleKind.recurring
        if self.greeting:
            return ScheduleKind.date_triggered
        return ScheduleKind.one_off if self.send_at else None


def create_campaign(
    session: Session,
    *,
    name: str,
    template: str,
    list_name: str,
    line_id: int | None = None,
    schedule: Schedule = Schedule(),
    per_second: float | None = None,
    per_hour: int | None = None,
    channel: Channel = Channel.email,
) -> int:
    found = session.scalar(sa.select(MessageTemplate).where(MessageTemplate.name == template))
    if found is None:
        raise CrmError(f"no template '{template}' (add it with `crm template add`)")
    require_valid(found.subject, found.body_html, found.body_text)
    list_id = session.scalar(sa.select(ContactList.list_id).where(ContactList.name == list_name))
    if list_id is None:
        raise CrmError(f"no list '{list_name}'")
    if session.scalar(sa.select(Campaign.campaign_id).where(Campaign.name == name)):
        raise CrmError(f"a campaign named '{name}' already exists")
    kind = schedule.kind
    campaign = Campaign(
        name=name, template_id=found.template_id, list_id=list_id, line_id=line_id,
        time_zone=schedule.time_zone, schedule_kind=kind, send_at=schedule.send_at,
        recurrence=schedule.recurrence, greeting=schedule.greeting,
        holiday_id=_holiday_id(session, schedule.holiday),
        status=CampaignStatus.scheduled if kind else CampaignStatus.draft,
        rate_per_second=per_second, rate_per_hour=per_hour, channel=channel,
    )  # fmt: skip
    if channel == Channel.paper and kind in (ScheduleKind.recurring, ScheduleKind.date_triggered):
        raise CrmError("paper letters are printed once per campaign: a paper campaign is one-off")
    if kind in (ScheduleKind.recurring, ScheduleKind.date_triggered):
        campaign.send_at = schedule.send_at or datetime.now(UTC)
    if kind == ScheduleKind.recurring:
        rule_of(campaign)  # refuses a rule it cannot read, naming it
    session.add(campaign)
    session.flush()
    return campaign.campaign_id


def _holiday_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    found = session.scalar(
        sa.select(ProfessionalHoliday.holiday_id).where(ProfessionalHoliday.name == name)
    )
    if found is None:
        known = session.scalars(sa.select(ProfessionalHoliday.name).order_by("name")).all()
        raise CrmError(f"no holiday '{name}' in the calendar (known: {', '.join(known) or 'none'})")
    return found


def parse_window(text: str) -> tuple[list[int], tuple[int, int]]:
    """'1-5 9-18' -> ([1, 2, 3, 4, 5], (9, 18)): ISO weekdays and [start, end) hours."""
    parts = text.split()
    try:
        (d1, d2), (h1, h2) = (tuple(int(x) for x in part.split("-", 1)) for part in parts)
    except ValueError:
        raise CrmError(f"window '{text}': give weekdays and hours as '1-5 9-18'") from None
    if len(parts) != 2 or not (1 <= d1 <= d2 <= 7) or not (0 <= h1 < h2 <= 24):
        raise CrmError(f"window '{text}': weekdays 1-7 (Monday = 1) and hours 0-24, start first")
    return list(range(d1, d2 + 1)), (h1, h2)


def move(session: Session, campaign_id: int, action: str, reason: str | None = None) -> None:
    campaign = get_campaign(session, campaign_id)
    allowed, target = MOVES[action]
    if campaign.status not in allowed:
        raise CrmError(f"campaign {campaign_id} is {campaign.status.value}: cannot {action} it")
    if action == "schedule":
        template = session.get(MessageTemplate, campaign.template_id)
        require_valid(template.subject, template.body_html, template.body_text)
        campaign.send_at = campaign.send_at or sa.func.now()
        campaign.schedule_kind = campaign.schedule_kind or ScheduleKind.one_off
    campaign.status, campaign.status_reason = target, reason
    session.flush()


def start(session: Session, campaign_id: int) -> bool:
    """A campaign about to send: draft/scheduled/running become running (True); a finished
    one stays finished (False: nothing to do, so a rerun is harmless); others refuse."""
    campaign = get_campaign(session, campaign_id)
    if campaign.status == CampaignStatus.finished:
        return False
    if campaign.status in (CampaignStatus.cancelled, CampaignStatus.paused):
        raise CrmError(
            f"campaign {campaign_id} is {campaign.status.value}"
            + (f" ({campaign.status_reason})" if campaign.status_reason else "")
            + ("; resume it first" if campaign.status == CampaignStatus.paused else "")
        )
    campaign.status = CampaignStatus.running
    campaign.started_at = campaign.started_at or sa.func.now()
    session.flush()
    return True


def finish_if_done(session: Session, campaign_id: int) -> bool:
    """A one-off campaign with every letter final is finished; a recurring one only once its
    rule has no further issue; a greeting campaign runs until it is cancelled."""
    if has_more_issues(get_campaign(session, campaign_id), datetime.now(UTC)):
        return False
    params = {"campaign_id": campaign_id}
    return session.execute(query("campaigns", "finish_if_done"), params).first() is not None


def due_campaigns(session: Session) -> list[int]:
    return list(session.scalars(query("campaigns", "due_campaigns")))


@dataclass(frozen=True)
class LetterMaker:
    """Everything a campaign's letters share, so each recipient costs one render."""

    campaign_id: int
    campaign_name: str
    template: CompiledTemplate
    sender: SenderContext
    mail_from: str
    domain: str
    # A survey wave's campaign: every letter carries its recipient's personal survey link.
    is_survey: bool = False

    def __call__(self, row) -> Outgoing:
        context = self.context(row)
        url = context.unsubscribe_url
        letter = render_campaign_letter(self.template, context, row.email)
        message_id = campaign_message_id(
            self.campaign_id, row.occurrence, row.person_id, self.domain
        )
        raw = raw_letter(
            sender=self.mail_from, to=row.email,
            to_name=" ".join(p for p in (row.first_name, row.last_name) if p),
            subject=letter.subject, text=letter.text, html=letter.html or "",
            message_id=message_id, headers=_unsubscribe_headers(url),
        )  # fmt: skip
        return Outgoing(row.campaign_send_id, row.email, raw)

    def context(self, row) -> LetterContext:
        """What the template sees for one ledger row; paper letters are made from it too."""
        url = unsubscribe_url(row.unsubscribe_token)
        organisation = (
            OrganisationContext(
                name=row.organisation_name,
                legal_form=row.legal_form,
                city=row.city,
                address=row.address,
                website=row.website,
                phone=row.organisation_phone,
            )  # fmt: skip
            if row.organisation_name
            else None
        )
        return LetterContext(
            greeting=greeting(
                row.first_name, row.middle_name, row.last_name, row.gender, row.locale
            ),
            person=PersonContext(row.first_name, row.middle_name, row.last_name),
            rep=RepContext(row.rep_name or self.sender.name, row.rep_email, row.rep_phone),
            campaign=CampaignContext(self.campaign_name),
            unsubscribe_url=url,
            sender=self.sender,
            organisation=organisation,
            occasion=row.occasion,
            survey_url=self._survey_url(row),
            locale=row.locale or "ru",
        )

    def _survey_url(self, row) -> str | None:
        # The claim joins each row's invitation (paper rows have no such column).
        token = getattr(row, "survey_token", None)
        if token is None and self.is_survey:
            raise CrmError("no survey invitation for this recipient in the wave: not sent")
        return survey_url(token) if token else None


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058: mail clients offer their own "unsubscribe" button, which POSTs to the link.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def letter_maker(session: Session, campaign: Campaign) -> LetterMaker:
    template = session.get(MessageTemplate, campaign.template_id)
    settings = get_settings()
    return LetterMaker(
        campaign_id=campaign.campaign_id,
        campaign_name=campaign.name,
        template=compile_template(template.subject, template.body_html, template.body_text),
        sender=SenderContext.from_settings(),
        mail_from=settings.mail_from,
        domain=settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "localhost",
        is_survey=session.scalar(
            sa.select(sa.exists().where(SurveyWave.campaign_id == campaign.campaign_id))
        ),
    )


def sending_for(campaign: Campaign, host: str, port: int) -> Sending:
    settings = get_settings()
    return Sending(
        connect=lambda: smtp_client(settings, host, port),
        sender=settings.mail_from,
        connections=campaign.connections or settings.smtp_connections,
        per_second=campaign.rate_per_second or settings.smtp_rate_per_second,
        per_hour=campaign.rate_per_hour or settings.smtp_rate_per_hour,
        stop_after_failures=campaign.max_consecutive_failures,
        retry_after_seconds=settings.smtp_retry_after_seconds,
        max_attempts=settings.smtp_max_attempts,
    )
