"""Campaign sending: rate limits, sending window, self-pause, claims by live runs, retry times.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:59:20.988227
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CHECKS = {
    "rate_per_second_positive": "rate_per_second IS NULL OR rate_per_second > 0",
    "rate_per_hour_positive": "rate_per_hour IS NULL OR rate_per_hour > 0",
    "connections_positive": "connections IS NULL OR connections > 0",
    "window_hours": (
        "(window_start_hour IS NULL) = (window_end_hour IS NULL)"
        " AND (window_start_hour IS NULL OR window_start_hour < window_end_hour)"
    ),
}


def upgrade() -> None:
    op.add_column("campaign_sends", sa.Column("claimed_by", sa.String(length=40), nullable=True))
    op.add_column(
        "campaign_sends", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("campaigns", sa.Column("rate_per_second", sa.Double(), nullable=True))
    op.add_column("campaigns", sa.Column("rate_per_hour", sa.Integer(), nullable=True))
    op.add_column("campaigns", sa.Column("connections", sa.SmallInteger(), nullable=True))
    op.add_column(
        "campaigns",
        sa.Column(
            "max_consecutive_failures", sa.SmallInteger(), server_default="20", nullable=False
        ),
    )
    op.add_column(
        "campaigns", sa.Column("window_days", postgresql.ARRAY(sa.SmallInteger()), nullable=True)
    )
    op.add_column("campaigns", sa.Column("window_start_hour", sa.SmallInteger(), nullable=True))
    op.add_column("campaigns", sa.Column("window_end_hour", sa.SmallInteger(), nullable=True))
    for name, condition in CHECKS.items():
        op.create_check_constraint(op.f(f"ck_campaigns_{name}"), "campaigns", condition)


def downgrade() -> None:
    for name in CHECKS:
        op.drop_constraint(op.f(f"ck_campaigns_{name}"), "campaigns", type_="check")
    op.drop_column("campaigns", "window_end_hour")
    op.drop_column("campaigns", "window_start_hour")
    op.drop_column("campaigns", "window_days")
    op.drop_column("campaigns", "max_consecutive_failures")
    op.drop_column("campaigns", "connections")
    op.drop_column("campaigns", "rate_per_hour")
    op.drop_column("campaigns", "rate_per_second")
    op.drop_column("campaign_sends", "next_attempt_at")
    op.drop_column("campaign_sends", "claimed_by")
