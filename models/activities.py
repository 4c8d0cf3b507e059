"""Activities: calls, e-mails and meetings logged by an employee against a lead."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class ActivityKind(enum.StrEnum):
    call = "call"
    email = "email"
    meeting = "meeting"
    note = "note"


class ActivityStatus(enum.StrEnum):
    planned = "planned"
    done = "done"
    cancelled = "cancelled"
    no_show = "no_show"


class Activity(Base):
    __tablename__ = "activities"

    activity_id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"))
    employee_id: Mapped[int] = mapped_column(fk("employees.employee_id"))
    kind: Mapped[ActivityKind] = mapped_column(pg_enum(ActivityKind, "activity_kind"))
    status: Mapped[ActivityStatus] = mapped_column(
        pg_enum(ActivityStatus, "activity_status"), server_default="done"
    )
    planned_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    held_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    next_contact_date: Mapped[date | None]
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("status <> 'done' OR held_at IS NOT NULL", name="done_has_held_at"),
        sa.CheckConstraint("planned_at IS NOT NULL OR held_at IS NOT NULL", name="has_a_time"),
        sa.Index("ix_activities_lead_held_at", "lead_id", "held_at"),
        sa.Index("ix_activities_employee_planned_at", "employee_id", "planned_at"),
        # The management report reads a period's contacts, its planned meetings, what is still
        # planned, and each lead's last contact (with its next-contact date) without the heap.
        sa.Index("ix_activities_held_at", "held_at"),
        sa.Index(
            "ix_activities_meetings_planned_at",
            "planned_at",
            postgresql_where=sa.text("kind = 'meeting'"),
        ),
        sa.Index(
            "ix_activities_lead_contacts",
            "lead_id",
            "held_at",
            postgresql_include=["next_contact_date"],
            postgresql_where=sa.text("status = 'done' AND kind <> 'note'"),
        ),
        sa.Index(
            "ix_activities_planned", "planned_at", postgresql_where=sa.text("status = 'planned'")
        ),
    )
