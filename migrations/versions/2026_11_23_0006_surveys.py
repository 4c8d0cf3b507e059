"""Satisfaction surveys: a wave's campaign, and each low-score response's follow-up and alert.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("survey_waves", sa.Column("campaign_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_survey_waves_campaign_id_campaigns"),
        "survey_waves",
        "campaigns",
        ["campaign_id"],
        ["campaign_id"],
        ondelete="SET NULL",
    )
    op.create_unique_constraint(
        op.f("uq_survey_waves_campaign_id"), "survey_waves", ["campaign_id"]
    )
    op.add_column(
        "survey_responses", sa.Column("follow_up_activity_id", sa.BigInteger(), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_survey_responses_follow_up_activity_id_activities"),
        "survey_responses",
        "activities",
        ["follow_up_activity_id"],
        ["activity_id"],
        ondelete="SET NULL",
    )
    op.add_column(
        "survey_responses", sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("survey_responses", "alerted_at")
    op.drop_constraint(
        op.f("fk_survey_responses_follow_up_activity_id_activities"),
        "survey_responses",
        type_="foreignkey",
    )
    op.drop_column("survey_responses", "follow_up_activity_id")
    op.drop_constraint(op.f("uq_survey_waves_campaign_id"), "survey_waves", type_="unique")
    op.drop_constraint(
        op.f("fk_survey_waves_campaign_id_campaigns"), "survey_waves", type_="foreignkey"
    )
    op.drop_column("survey_waves", "campaign_id")
