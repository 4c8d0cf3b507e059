"""A survey wave at a glance, for the flow's artifact and `crm survey show`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel

from models.campaigns import Campaign
from models.lines import BusinessLine
from models.sql import query
from models.surveys import SCORE_COLUMNS, SurveyWave


class WaveSummary(BaseModel):
    survey_wave_id: int
    name: str
    line: str | None
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    campaign_id: int | None
    campaign_status: str | None
    letters: dict[str, int]  # the campaign's ledger rows per state
    invitations: int
    invitations_sent: int
    reminders_sent: int
    responses: int
    follow_ups: int  # low scores followed up
    alerts_pending: int  # followed up, head of sales not told yet
    nps: float | None  # % promoters (9-10) minus % detractors (0-6)
    averages: dict[str, float]  # per question, of those who answered it

    @property
    def response_rate(self) -> float:
        return self.responses / self.invitations if self.invitations else 0.0


def wave_summary(conn: sa.Connection, wave_id: int) -> WaveSummary:
    w = conn.execute(
        sa.select(
            SurveyWave.name, SurveyWave.opens_at, SurveyWave.closes_at, SurveyWave.campaign_id,
            BusinessLine.name.label("line"), Campaign.status.label("campaign_status"),
        )
        .outerjoin(BusinessLine, BusinessLine.line_id == SurveyWave.line_id)
        .outerjoin(Campaign, Campaign.campaign_id == SurveyWave.campaign_id)
        .where(SurveyWave.survey_wave_id == wave_id)
    ).one()  # fmt: skip
    counts = conn.execute(query("surveys", "wave_summary"), {"wave_id": wave_id}).one()
    averages = conn.execute(
        query("surveys", "group_averages"),
        {"wave_id": wave_id, "questions": list(SCORE_COLUMNS)},
    ).all()
    letters = {}
    if w.campaign_id is not None:
        params = {"campaign_id": w.campaign_id}
        letters = dict(conn.execute(query("campaign_sending", "ledger_counts"), params).all())
    nps = (
        round(100 * (counts.promoters - counts.detractors) / counts.nps_answers, 1)
        if counts.nps_answers
        else None
    )
    return WaveSummary(
        survey_wave_id=wave_id, name=w.name, line=w.line, opens_at=w.opens_at,
        closes_at=w.closes_at, is_open=w.opens_at <= datetime.now(w.opens_at.tzinfo) < w.closes_at,
        campaign_id=w.campaign_id,
        campaign_status=w.campaign_status.value if w.campaign_status else None,
        letters=letters, invitations=counts.invitations, invitations_sent=counts.letters_sent,
        reminders_sent=counts.reminders_sent, responses=counts.responses,
        follow_ups=counts.follow_ups, alerts_pending=counts.alerts_pending, nps=nps,
        averages={q: float(avg) for q, avg, _ in sorted(averages, key=_question_order)},
    )  # fmt: skip


def _question_order(row) -> int:
    return SCORE_COLUMNS.index(row.question)


def wave_ids(conn: sa.Connection) -> list[int]:
    """Every wave, the latest first."""
    return list(
        conn.scalars(
            sa.select(SurveyWave.survey_wave_id).order_by(
                SurveyWave.opens_at.desc(), SurveyWave.survey_wave_id.desc()
            )
        )
    )
