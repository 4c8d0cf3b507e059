"""Campaigns: created with a checked template, moved through their states, turned into letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.campaigns import Campaign, CampaignStatus, MessageTemplate, ScheduleKind
from models.errors import CrmError
from models.lists import ContactList
from models.settings import get_settings
from models.sql import query
from tasks.campaign_delivery import Outgoing
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


def create_campaign(
    session: Session,
    *,
    name: str,
    template: str,
    list_name: str,
    line_id: int | None = None,
    send_at: datetime | None = None,
    per_second: float | None = None,
    per_hour: int | None = None,
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
    campaign = Campaign(
        name=name, template_id=found.template_id, list_id=list_id, line_id=line_id,
        send_at=send_at, schedule_kind=ScheduleKind.one_off if send_at else None,
        status=CampaignStatus.scheduled if send_at else CampaignStatus.draft,
        rate_per_second=per_second, rate_per_hour=per_hour,
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    return campaign.campaign_id


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

    def __call__(self, row) -> Outgoing:
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
        context = LetterContext(
            greeting=greeting(
                row.first_name, row.middle_name, row.last_name, row.gender, row.locale
            ),
            person=PersonContext(row.first_name, row.middle_name, row.last_name),
            rep=RepContext(row.rep_name or self.sender.name, row.rep_email, row.rep_phone),
            campaign=CampaignContext(self.campaign_name),
            unsubscribe_url=url,
            sender=self.sender,
            organisation=organisation,
            locale=row.locale or "ru",
        )
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
