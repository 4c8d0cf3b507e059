"""The three-month rule's records: warnings sent, and reassignment plans with their items."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class Policy(enum.StrEnum):
    round_robin = "round_robin"
    least_loaded = "least_loaded"
    capacity = "capacity"


class PlanStatus(enum.StrEnum):
    proposed = "proposed"
    applied = "applied"
    rejected = "rejected"
    # A manual approval that timed out: nothing was applied.
    expired = "expired"
    dry_run = "dry_run"


class StaleWarning(Base):
    """One warning per lead per ownership: the key is the ownership's start, not the day."""

    __tablename__ = "stale_warnings"

    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"), primary_key=True)
    owned_since: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)
    owner_id: Mapped[int] = mapped_column(fk("employees.employee_id"))
    stale_on: Mapped[date]
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index(
            "ix_stale_warnings_unsent", "owner_id", postgresql_where=sa.text("sent_at IS NULL")
        ),
    )


class ReassignmentPlan(Base):
    __tablename__ = "reassignment_plans"

    plan_id: Mapped[intpk]
    line_id: Mapped[int | None] = mapped_column(fk("business_lines.line_id"))
    as_of: Mapped[date]
    stale_after: Mapped[str] = mapped_column(sa.String(40))
    policy: Mapped[Policy | None] = mapped_column(pg_enum(Policy, "reassignment_policy"))
    status: Mapped[PlanStatus] = mapped_column(
        pg_enum(PlanStatus, "plan_status"), server_default="proposed"
    )
    decided_by: Mapped[str | None] = mapped_column(sa.String(320))
    created_at: Mapped[created_at]
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    notified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index(
            "ix_reassignment_plans_unnotified",
            "plan_id",
            postgresql_where=sa.text("status = 'applied' AND notified_at IS NULL"),
        ),
    )


class ReassignmentItem(Base):
    """One lead of a plan: who had it when planned, who gets it (NULL: the line's pool), why."""

    __tablename__ = "reassignment_items"

    plan_id: Mapped[int] = mapped_column(
        fk("reassignment_plans.plan_id", "CASCADE"), primary_key=True
    )
    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"), primary_key=True)
    # Order in which the planner handed leads out; round-robin resumes after the last one.
    position: Mapped[int]
    line_id: Mapped[int] = mapped_column(fk("business_lines.line_id"))
    from_owner_id: Mapped[int] = mapped_column(fk("employees.employee_id"))
    owned_since: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    to_owner_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    explanation: Mapped[str] = mapped_column(sa.Text)
    is_applied: Mapped[bool] = mapped_column(server_default=sa.false())

    __table_args__ = (
        # Round-robin asks each run who in a line was served last.
        sa.Index(
            "ix_reassignment_items_last_served",
            "line_id",
            "plan_id",
            "position",
            postgresql_where=sa.text("is_applied AND to_owner_id IS NOT NULL"),
        ),
    )
