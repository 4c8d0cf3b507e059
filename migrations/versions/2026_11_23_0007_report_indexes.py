"""Indexes the management report reads a period by: contacts, planned meetings, new and closed
leads, letters sent.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_activities_held_at", "activities", ["held_at"])
    op.create_index(
        "ix_activities_meetings_planned_at",
        "activities",
        ["planned_at"],
        postgresql_where=sa.text("kind = 'meeting'"),
    )
    op.create_index(
        "ix_activities_lead_contacts",
        "activities",
        ["lead_id", "held_at"],
        postgresql_include=["next_contact_date"],
        postgresql_where=sa.text("status = 'done' AND kind <> 'note'"),
    )
    op.create_index(
        "ix_activities_planned",
        "activities",
        ["planned_at"],
        postgresql_where=sa.text("status = 'planned'"),
    )
    op.create_index("ix_leads_created_at", "leads", ["created_at"])
    op.create_index(
        "ix_leads_closed_at",
        "leads",
        ["closed_at"],
        postgresql_where=sa.text("closed_at IS NOT NULL"),
    )
    op.create_index(
        "ix_campaign_sends_letter_at",
        "campaign_sends",
        [sa.text("coalesce(sent_at, claimed_at)")],
        postgresql_where=sa.text("status IN ('sent', 'failed', 'unknown')"),
    )


def downgrade() -> None:
    for table, name in (
        ("campaign_sends", "ix_campaign_sends_letter_at"),
        ("leads", "ix_leads_closed_at"),
        ("leads", "ix_leads_created_at"),
        ("activities", "ix_activities_planned"),
        ("activities", "ix_activities_lead_contacts"),
        ("activities", "ix_activities_meetings_planned_at"),
        ("activities", "ix_activities_held_at"),
    ):
        op.drop_index(name, table_name=table)
