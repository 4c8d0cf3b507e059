"""Satisfaction survey waves, personal invitations, and responses scored 1-5 per dimension."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum

# The satisfaction dimensions of DOMAIN.md, grouped as managers read them.
SCORE_GROUPS: dict[str, tuple[str, ...]] = {
    "products": ("products_range", "products_quality", "products_features", "products_packaging"),
    "service": ("service_speed", "service_friendliness", "service_informing", "service_complaints"),
    "prices": ("prices_value", "prices_discounts", "prices_payment_terms", "prices_returns"),
    "logistics": ("logistics",),
    "company": ("company_overall",),
}
SCORE_COLUMNS: tuple[str, ...] = tuple(c for cols in SCORE_GROUPS.values() for c in cols)

score = Annotated[int | None, mapped_column(sa.SmallInteger)]


class ResponseSource(enum.StrEnum):
    web = "web"
    import_ = "import"


class SurveyWave(Base):
    __tablename__ = "survey_waves"

    survey_wave_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    line_id: Mapped[int | None] = mapped_column(fk("business_lines.line_id"))
    opens_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # The campaign whose letters carry the invitations and the reminders (the campaign sender's
    # ledger gives them its suppressions and exactly-once sending); NULL for a wave run by an
    # external tool or loaded as demo data.
    campaign_id: Mapped[int | None] = mapped_column(
        fk("campaigns.campaign_id", "SET NULL"), unique=True
    )
    created_at: Mapped[created_at]

    __table_args__ = (sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)


class SurveyInvitation(Base):
    __tablename__ = "survey_invitations"

    survey_invitation_id: Mapped[intpk]
    survey_wave_id: Mapped[int] = mapped_column(fk("survey_waves.survey_wave_id", "CASCADE"))
    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(fk("persons.person_id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("survey_wave_id", "lead_id"),
        sa.CheckConstraint("length(token) >= 32", name="token_unguessable"),
    )


class SurveyResponse(Base):
    __tablename__ = "survey_responses"

    survey_response_id: Mapped[intpk]
    # Unique: one response per invitation, changed in place until the wave closes.
    survey_invitation_id: Mapped[int] = mapped_column(
        fk("survey_invitations.survey_invitation_id", "CASCADE"), unique=True
    )
    source: Mapped[ResponseSource] = mapped_column(
        pg_enum(ResponseSource, "response_source"), server_default="web"
    )
    submitted_at: Mapped[created_at]
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    products_range: Mapped[score]
    products_quality: Mapped[score]
    products_features: Mapped[score]
    products_packaging: Mapped[score]
    service_speed: Mapped[score]
    service_friendliness: Mapped[score]
    service_informing: Mapped[score]
    service_complaints: Mapped[score]
    prices_value: Mapped[score]
    prices_discounts: Mapped[score]
    prices_payment_terms: Mapped[score]
    prices_returns: Mapped[score]
    logistics: Mapped[score]
    company_overall: Mapped[score]
    nps: Mapped[int | None] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # A low score's follow-up, made once per response: a changed response makes no second one.
    follow_up_activity_id: Mapped[int | None] = mapped_column(
        fk("activities.activity_id", "SET NULL")
    )
    # When the line's head of sales was told about the low score (once per response).
    alerted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = tuple(
        sa.CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_range")
        for column in SCORE_COLUMNS
    ) + (sa.CheckConstraint("nps BETWEEN 0 AND 10", name="nps_range"),)
