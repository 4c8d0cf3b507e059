"""The run-satisfaction-survey flow: a wave's invitations, reminders and low-score follow-ups."""

from __future__ import annotations

from prefect import flow

from tasks.campaign_steps import publish_campaign, send_campaign_issue
from tasks.survey_steps import (
    SurveyRun,
    follow_up_low_scores,
    invite_active_clients,
    open_survey_wave,
    prepare_survey_letters,
    publish_survey_wave,
    queue_survey_reminders,
    record_survey_letters,
)


@flow(name="run-satisfaction-survey")
def run_satisfaction_survey(
    wave: str = "",
    line: str = "",
    open_days: int = 28,
    remind_after_days: int = 7,
    invite: bool = True,
) -> SurveyRun:
    """Invite one contact per active client to the wave through the campaign sender (each
    once), remind once those who have not answered, follow up low scores; rerun at will."""
    opened = open_survey_wave(wave, line, open_days, create=invite)
    invited = invite_active_clients(opened) if invite and opened.is_open else 0
    record_survey_letters(opened)
    reminders = queue_survey_reminders(opened, remind_after_days) if opened.is_open else 0
    not_sent = prepare_survey_letters(opened)
    sent = 0
    if not_sent is None:
        issue = send_campaign_issue(opened.campaign_id)
        publish_campaign(issue)
        sent = issue.sent
        record_survey_letters(opened)
    follow_ups = follow_up_low_scores(opened.survey_wave_id)
    return SurveyRun(
        wave=opened, invited=invited, reminders=reminders, sent=sent, not_sent=not_sent,
        follow_ups=follow_ups, summary=publish_survey_wave(opened.survey_wave_id),
    )  # fmt: skip
