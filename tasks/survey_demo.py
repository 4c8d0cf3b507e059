"""For `crm demo`: one invited client answers the survey, as the page would record it."""

from __future__ import annotations

import sqlalchemy as sa

from models.surveys import ResponseSource, SurveyInvitation, SurveyResponse
from tasks.survey_follow_up import make_follow_ups, send_alerts
from tasks.survey_questions import parse_answers
from tasks.survey_responses import write_responses

# Unhappy with deliveries: a follow-up call for the owner, an alert to the head of sales.
DEMO_ANSWERS = {
    **dict.fromkeys(("products_range", "products_quality", "service_friendliness"), "4"),
    "logistics": "2",
    "company_overall": "3",
    "nps": "5",
    "comment": "Поставки опаздывают на неделю",
}


def demo_answer(engine: sa.Engine, wave_id: int) -> str | None:
    """The wave's first invited client answers, unless someone has already: what happened."""
    with engine.begin() as conn:
        answered = conn.scalar(
            sa.select(sa.func.count())
            .select_from(SurveyResponse)
            .join(SurveyInvitation)
            .where(SurveyInvitation.survey_wave_id == wave_id)
        )
        first = conn.scalar(
            sa.select(SurveyInvitation.survey_invitation_id)
            .where(SurveyInvitation.survey_wave_id == wave_id)
            .order_by(SurveyInvitation.survey_invitation_id)
            .limit(1)
        )
        if answered or first is None:
            return None
        write_responses(conn, [(first, parse_answers(DEMO_ANSWERS))], ResponseSource.web)
        planned = make_follow_ups(conn, wave_id=wave_id)
    told = send_alerts(engine, wave_id=wave_id)
    return (
        f"a client answered (logistics 2, would recommend 5 of 10): {planned} follow-up call "
        f"planned for the owner, {told.alerts} alert to the head of sales"
    )
