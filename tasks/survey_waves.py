"""Survey waves and their campaign: invitations and reminders go through the campaign sender.

A wave owns a campaign (built-in template `survey`) over a static list of its clients. The
sender's ledger decides who may be written to (suppressions, addresses) and sends each letter
once; the invitations are made from its rows in the same transaction that fills them, so a
letter never goes without its recipient's personal link. The invitation letters are the
campaign's one-off issue (''), the reminders its 'reminder' issue: one of each per person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.campaigns import Campaign, CampaignStatus, MessageTemplate
from models.errors import CrmError
from models.lists import ContactList, ListKind
from models.sql import query
from models.surveys import SurveyInvitation, SurveyWave
from tasks import campaigns
from tasks.campaign_audience import fill_ledger
from tasks.campaign_templates import load_builtin
from tasks.lines import line_id_by_name

TEMPLATE = "survey"


class WaveRef(BaseModel):
    """What the flow's steps pass each other about a wave."""

    survey_wave_id: int
    name: str
    campaign_id: int
    list_id: int
    line_id: int | None
    is_open: bool
    closes_at: datetime


def default_wave_name(now: datetime, line: str | None) -> str:
    """The quarter's wave: "Опрос клиентов 2026 Q4", per line "… · Equipment"."""
    name = f"Опрос клиентов {now.year} Q{(now.month - 1) // 3 + 1}"
    return f"{name} · {line}" if line else name


def open_wave(
    session: Session, *, name: str, line: str | None, open_days: int, now: datetime, create: bool
) -> WaveRef:
    """The wave named `name` (created, open for `open_days` from now, when `create`), with its
    campaign, list and template made the first time it is needed."""
    if open_days <= 0:
        raise CrmError(f"open_days must be positive, got {open_days}")
    line_id = line_id_by_name(session, line) if line else None
    # Two starts at once would both create the wave: the second waits here, then finds it.
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(_key("survey-wave-name", name))))
    wave = session.scalar(sa.select(SurveyWave).where(SurveyWave.name == name))
    if wave is None:
        if not create:
            raise CrmError(f"no survey wave '{name}' (start one with `crm survey start`)")
        wave = SurveyWave(
            name=name, line_id=line_id, opens_at=now, closes_at=now + timedelta(days=open_days)
        )
        session.add(wave)
        session.flush()
    elif line and wave.line_id != line_id:
        raise CrmError(f"survey wave '{name}' is not for the line '{line}'")
    if wave.campaign_id is None:
        wave.campaign_id = _wave_campaign(session, wave)
    campaign = session.get(Campaign, wave.campaign_id)
    return WaveRef(
        survey_wave_id=wave.survey_wave_id, name=wave.name, campaign_id=wave.campaign_id,
        list_id=campaign.list_id, line_id=wave.line_id,
        is_open=wave.opens_at <= now < wave.closes_at, closes_at=wave.closes_at,
    )  # fmt: skip


def _key(kind: str, value: str | int) -> sa.ColumnElement:
    return sa.func.hashtext(f"{kind}:{value}")


def _wave_campaign(session: Session, wave: SurveyWave) -> int:
    """The wave's campaign and list; a wave that already has invitations was run another way
    (an external tool, the demo loader) and keeps them: its answers are imported instead."""
    made_elsewhere = session.scalar(
        sa.select(sa.exists().where(SurveyInvitation.survey_wave_id == wave.survey_wave_id))
    )
    if made_elsewhere:
        raise CrmError(
            f"survey wave '{wave.name}' has invitations made without its campaign: import its "
            "answers with `crm survey import`, or start a new wave"
        )
    _ensure_template(session)
    title = f"Опрос «{wave.name}»"[:200]
    session.add(ContactList(name=title, kind=ListKind.static, line_id=wave.line_id))
    session.flush()
    return campaigns.create_campaign(
        session, name=title, template=TEMPLATE, list_name=title, line_id=wave.line_id
    )


def _ensure_template(session: Session) -> None:
    """The built-in survey letter, unless a template of that name exists (a marketer's own
    wording is kept, as long as it carries the link)."""
    found = session.scalar(sa.select(MessageTemplate).where(MessageTemplate.name == TEMPLATE))
    if found is None:
        template_id = campaigns.add_template(session, TEMPLATE, *load_builtin(TEMPLATE))
        session.get(MessageTemplate, template_id).is_builtin = True
    elif "survey_url" not in found.body_html + found.body_text:
        raise CrmError(f"template '{TEMPLATE}' does not use survey_url: the letters need the link")


def invite(session: Session, wave: WaveRef) -> int:
    """Add the active clients not yet in the wave, fill the campaign's ledger for them and
    invite each one once; returns the invitations made. Reruns invite nobody twice."""
    conn = session.connection()
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_key("survey-wave", wave.survey_wave_id))))
    params = {
        "wave_id": wave.survey_wave_id,
        "campaign_id": wave.campaign_id,
        "list_id": wave.list_id,
        "line_id": wave.line_id,
    }
    conn.execute(query("surveys", "add_active_clients"), params)
    fill_ledger(conn, wave.campaign_id)
    invited = conn.execute(query("surveys", "invite_from_ledger"), params).rowcount
    conn.execute(query("surveys", "skip_uninvited"), params)
    return invited


def queue_reminders(session: Session, wave: WaveRef, after_days: int) -> int:
    """One reminder each to those who have not answered `after_days` after their invitation."""
    if after_days < 0:
        raise CrmError(f"remind_after_days cannot be negative, got {after_days}")
    params = {"wave_id": wave.survey_wave_id, "campaign_id": wave.campaign_id}
    result = session.execute(
        query("surveys", "queue_reminders"), params | {"after_days": after_days}
    )
    return result.rowcount


def record_letters(session: Session, wave: WaveRef) -> int:
    params = {"wave_id": wave.survey_wave_id, "campaign_id": wave.campaign_id}
    return session.execute(query("surveys", "record_letters"), params).rowcount


def ready_to_send(session: Session, wave: WaveRef) -> str | None:
    """Make the wave's campaign send what its ledger holds: None when it may (a finished one
    runs again for new letters), else why not (nothing due, paused, cancelled, wave closed)."""
    campaign_id = wave.campaign_id
    if not wave.is_open:
        session.execute(query("surveys", "skip_after_close"), {"campaign_id": campaign_id})
        campaigns.finish_if_done(session, campaign_id)
        return "the wave is closed"
    open_rows = session.execute(
        query("campaign_sending", "open_rows"), {"campaign_id": campaign_id}
    ).one()
    if not open_rows.open_rows:
        return "no letters to send"
    campaign = campaigns.get_campaign(session, campaign_id)
    if campaign.status in (CampaignStatus.paused, CampaignStatus.cancelled):
        reason = f" ({campaign.status_reason})" if campaign.status_reason else ""
        return f"campaign {campaign_id} is {campaign.status.value}{reason}"
    if campaign.status == CampaignStatus.finished:
        # New invitations or reminders in a campaign that had sent everything before.
        campaign.status, campaign.finished_at = CampaignStatus.running, None
    campaigns.start(session, campaign_id)
    return None
