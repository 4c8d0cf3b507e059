"""The three-month rule: frozen leads, a policy per line, warnings sent, reassignment plans.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:44:42.602033
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reassignment_plans",
        sa.Column("plan_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("stale_after", sa.String(length=40), nullable=False),
        sa.Column(
            "policy",
            sa.Enum("round_robin", "least_loaded", "capacity", name="reassignment_policy"),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum("proposed", "applied", "rejected", "expired", "dry_run", name="plan_status"),
            server_default="proposed",
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_reassignment_plans_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_reassignment_plans")),
    )
    op.create_index(
        "ix_reassignment_plans_unnotified",
        "reassignment_plans",
        ["plan_id"],
        unique=False,
        postgresql_where=sa.text("status = 'applied' AND notified_at IS NULL"),
    )
    op.create_table(
        "reassignment_items",
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("from_owner_id", sa.BigInteger(), nullable=False),
        sa.Column("owned_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_owner_id", sa.BigInteger(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("is_applied", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_reassignment_items_from_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_reassignment_items_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_reassignment_items_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["reassignment_plans.plan_id"],
            name=op.f("fk_reassignment_items_plan_id_reassignment_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_reassignment_items_to_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("plan_id", "lead_id", name=op.f("pk_reassignment_items")),
    )
    op.create_index(
        "ix_reassignment_items_last_served",
        "reassignment_items",
        ["line_id", "plan_id", "position"],
        unique=False,
        postgresql_where=sa.text("is_applied AND to_owner_id IS NOT NULL"),
    )
    op.create_table(
        "stale_warnings",
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("owned_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("stale_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_stale_warnings_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_stale_warnings_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("lead_id", "owned_since", name=op.f("pk_stale_warnings")),
    )
    op.create_index(
        "ix_stale_warnings_unsent",
        "stale_warnings",
        ["owner_id"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.add_column(
        "business_lines",
        sa.Column(
            "reassignment_policy",
            sa.Enum("round_robin", "least_loaded", "capacity", name="reassignment_policy"),
            server_default="least_loaded",
            nullable=False,
        ),
    )
    op.add_column(
        "leads",
        sa.Column("is_frozen", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("leads", "is_frozen")
    op.drop_column("business_lines", "reassignment_policy")
    op.drop_index(
        "ix_stale_warnings_unsent",
        table_name="stale_warnings",
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.drop_table("stale_warnings")
    op.drop_table("reassignment_items")
    op.drop_index(
        "ix_reassignment_plans_unnotified",
        table_name="reassignment_plans",
        postgresql_where=sa.text("status = 'applied' AND notified_at IS NULL"),
    )
    op.drop_table("reassignment_plans")
    op.execute("DROP TYPE plan_status")
    op.execute("DROP TYPE reassignment_policy")
