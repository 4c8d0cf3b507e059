"""A campaign ledger row's claim and its mark as 'sending' update it in place: the indexes on
campaign_sends read two generated columns (is_open, letter_at) instead of status, sent_at and
claimed_at, and its pages keep room for the new versions.

PostgreSQL can update a row without touching its indexes (a HOT update) only when no indexed
value changes and the row's page has room. Before, status was in two partial-index predicates
and claimed_at in an index expression, so each of a letter's three updates (claimed, sending,
then sent) wrote an entry into all seven indexes. Now the claim and the mark leave every indexed
value as it was (is_open stays true, letter_at stays NULL): only the outcome writes index
entries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IS_OPEN = "status IN ('pending', 'sending')"
LETTER_AT = (
    "CASE WHEN status IN ('sent', 'failed', 'unknown') THEN coalesce(sent_at, claimed_at) END"
)
# Room for the claim's and the mark's row versions on the row's own page; a page is pruned of
# versions nobody can see any more as it fills. Half a page: a claim updates
# every row of a page in one statement, and all of their new versions must fit beside them.
FILLFACTOR = 50


def upgrade() -> None:
    op.drop_index("ix_campaign_sends_letter_at", table_name="campaign_sends")
    op.drop_index("ix_campaign_sends_open", table_name="campaign_sends")
    op.execute(f"ALTER TABLE campaign_sends SET (fillfactor = {FILLFACTOR})")
    # Adding stored columns rewrites the table, with the new fillfactor.
    op.add_column(
        "campaign_sends",
        sa.Column("is_open", sa.Boolean(), sa.Computed(IS_OPEN, persisted=True), nullable=False),
    )
    op.add_column(
        "campaign_sends",
        sa.Column("letter_at", sa.DateTime(timezone=True), sa.Computed(LETTER_AT, persisted=True)),
    )
    # In ledger order within a campaign: a run claims its batches onwards from the last one.
    op.create_index(
        "ix_campaign_sends_open",
        "campaign_sends",
        ["campaign_id", "campaign_send_id"],
        postgresql_where=sa.text("is_open"),
    )
    op.create_index(
        "ix_campaign_sends_letter_at",
        "campaign_sends",
        ["letter_at"],
        postgresql_where=sa.text("letter_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_sends_letter_at", table_name="campaign_sends")
    op.drop_index("ix_campaign_sends_open", table_name="campaign_sends")
    op.drop_column("campaign_sends", "letter_at")
    op.drop_column("campaign_sends", "is_open")
    op.execute("ALTER TABLE campaign_sends RESET (fillfactor)")
    op.create_index(
        "ix_campaign_sends_open",
        "campaign_sends",
        ["campaign_id"],
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        "ix_campaign_sends_letter_at",
        "campaign_sends",
        [sa.text("coalesce(sent_at, claimed_at)")],
        postgresql_where=sa.text("status IN ('sent', 'failed', 'unknown')"),
    )
