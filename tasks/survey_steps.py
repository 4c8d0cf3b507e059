"""The Prefect tasks of `run-satisfaction-survey`; ids, counts and small models in and out."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from prefect import task
from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel

from models.errors import CrmError
from models.settings import get_settings
from models.store import get_engine, session_scope
from tasks import survey_waves
from tasks.campaign_steps import pause
from tasks.quality_gates import campaign_gate
from tasks.survey_follow_up import FollowUps, make_follow_ups, send_alerts
from tasks.survey_questions import QUESTIONS
from tasks.survey_summary import WaveSummary, wave_summary
from tasks.survey_waves import WaveRef


class SurveyRun(BaseModel):
    """What one run of the flow did, and the wave as it stands after it."""

    wave: WaveRef
    invited: int  # invitations made by this run
    reminders: int  # reminders queued by this run
    sent: int  # letters (invitations and reminders) this run sent
    not_sent: str | None  # why this run sent nothing, if it did not
    follow_ups: FollowUps
    summary: WaveSummary


@task(name="open-survey-wave")
def open_survey_wave(wave: str, line: str, open_days: int, create: bool) -> WaveRef:
    """The named wave (default: this quarter's), created with its campaign if asked to."""
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(get_settings().time_zone))
    name = wave.strip() or survey_waves.default_wave_name(local, line or None)
    with session_scope() as session, session.begin():
        return survey_waves.open_wave(
            session, name=name, line=line or None, open_days=open_days, now=now, create=create
        )


@task(name="invite-active-clients")
def invite_active_clients(wave: WaveRef) -> int:
    """One invitation per active client not yet invited, its letter in the campaign's ledger."""
    with session_scope() as session, session.begin():
        return survey_waves.invite(session, wave)


@task(name="record-survey-letters")
def record_survey_letters(wave: WaveRef) -> int:
    """Copy when each invitation and reminder went from the campaign's ledger."""
    with session_scope() as session, session.begin():
        return survey_waves.record_letters(session, wave)


@task(name="queue-survey-reminders")
def queue_survey_reminders(wave: WaveRef, remind_after_days: int) -> int:
    """One reminder each to those who have not answered `remind_after_days` after invitation."""
    with session_scope() as session, session.begin():
        return survey_waves.queue_reminders(session, wave, remind_after_days)


@task(name="prepare-survey-letters")
def prepare_survey_letters(wave: WaveRef) -> str | None:
    """Set the wave's campaign running if it has letters to send (else say why not), once its
    audience passed the sender's pre-send gate; a failed gate stops it loudly."""
    campaign_id = wave.campaign_id
    with session_scope() as session, session.begin():
        why_not = survey_waves.ready_to_send(session, wave)
    if why_not is None:
        gate = campaign_gate(get_engine(), campaign_id)
        if not gate.passed:
            pause(campaign_id, f"the audience failed its check: {gate.reason}")
            raise CrmError(f"campaign {campaign_id} stopped before sending: {gate.reason}")
    return why_not


@task(name="follow-up-low-scores")
def follow_up_low_scores(survey_wave_id: int) -> FollowUps:
    """A follow-up call per low-scored response, and the line's head of sales told, once each."""
    engine = get_engine()
    with engine.begin() as conn:
        made = make_follow_ups(conn, wave_id=survey_wave_id)
    told = send_alerts(engine, wave_id=survey_wave_id)
    return told.model_copy(update={"activities": made})


@task(name="publish-survey-wave")
def publish_survey_wave(survey_wave_id: int) -> WaveSummary:
    """The wave's figures as a Prefect markdown artifact."""
    with get_engine().connect() as conn:
        summary = wave_summary(conn, survey_wave_id)
    create_markdown_artifact(
        key=f"survey-wave-{survey_wave_id}", markdown=summary_markdown(summary),
        description=f"Survey wave {summary.name}",
    )  # fmt: skip
    return summary


def summary_markdown(s: WaveSummary) -> str:
    letters = ", ".join(f"{k} {v}" for k, v in sorted(s.letters.items())) or "none"
    lines = [
        f"**{s.name}** ({s.line or 'all lines'}), open {s.opens_at:%Y-%m-%d} to "
        f"{s.closes_at:%Y-%m-%d}{'' if s.is_open else ', closed'}",
        "",
        f"- invitations: {s.invitations} ({s.invitations_sent} sent), reminders sent: "
        f"{s.reminders_sent}; campaign {s.campaign_id} letters: {letters}",
        f"- responses: {s.responses} ({s.response_rate:.0%}); NPS: "
        + ("n/a" if s.nps is None else f"{s.nps:+.0f}"),
        f"- low scores followed up: {s.follow_ups}; head of sales not told yet: {s.alerts_pending}",
        "",
        "| question | average |",
        "| --- | --- |",
        *(f"| {QUESTIONS[q][1]} | {avg:.2f} |" for q, avg in s.averages.items()),
    ]
    return "\n".join(lines)
