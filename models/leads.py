"""Leads (a client worked in one business line) and their append-only ownership history."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class RelationshipStage(enum.StrEnum):
    awareness = "awareness"
    exploration = "exploration"
    expansion = "expansion"
    commitment = "commitment"
    dissolution = "dissolution"


class LeadStatus(enum.StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


class OwnershipReason(enum.StrEnum):
    import_ = "import"
    assigned = "assigned"
    manual = "manual"
    stale_rule = "stale_rule"
    released = "released"


class Lead(Base):
    __tablename__ = "leads"

    lead_id: Mapped[intpk]
    organisation_id: Mapped[int | None] = mapped_column(
        fk("organisations.organisation_id"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(fk("persons.person_id"), index=True)
    line_id: Mapped[int] = mapped_column(fk("business_lines.line_id"))
    # NULL owner: the lead sits in the line's unassigned pool.
    owner_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    owned_since: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    stage_id: Mapped[int]
    relationship_stage: Mapped[RelationshipStage] = mapped_column(
        pg_enum(RelationshipStage, "relationship_stage"), server_default="awareness"
    )
    status: Mapped[LeadStatus] = mapped_column(
        pg_enum(LeadStatus, "lead_status"), server_default="open"
    )
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Frozen by the head of sales: the three-month rule leaves the lead with its owner.
    is_frozen: Mapped[bool] = mapped_column(server_default=sa.false())
    source: Mapped[str | None] = mapped_column(sa.String(300))
    source_list_id: Mapped[int | None] = mapped_column(fk("contact_lists.list_id", "SET NULL"))
    source_row: Mapped[int | None]
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("num_nonnulls(organisation_id, person_id) = 1", name="one_client"),
        sa.CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        sa.ForeignKeyConstraint(
            ["stage_id", "line_id"],
            ["sales_stages.stage_id", "sales_stages.line_id"],
            name="fk_leads_stage_of_line",
        ),
        # One open lead per client per line.
        sa.Index(
            "uq_leads_open_organisation_line",
            "organisation_id",
            "line_id",
            unique=True,
            postgresql_where=sa.text("status = 'open' AND organisation_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_leads_open_person_line",
            "person_id",
            "line_id",
            unique=True,
            postgresql_where=sa.text("status = 'open' AND person_id IS NOT NULL"),
        ),
        # The three-month rule scans open leads of a line by ownership age.
        sa.Index(
            "ix_leads_open_line_owned_since",
            "line_id",
            "owned_since",
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index("ix_leads_open_owner", "owner_id", postgresql_where=sa.text("status = 'open'")),
        sa.Index("ix_leads_stage", "stage_id"),
        # The management report: leads created and closed in a period.
        sa.Index("ix_leads_created_at", "created_at"),
        sa.Index(
            "ix_leads_closed_at", "closed_at", postgresql_where=sa.text("closed_at IS NOT NULL")
        ),
    )


class OwnershipChange(Base):
    """One row per change of a lead's owner; a trigger makes the table append-only."""

    __tablename__ = "ownership_changes"

    ownership_change_id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"))
    from_owner_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    to_owner_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    reason: Mapped[OwnershipReason] = mapped_column(pg_enum(OwnershipReason, "ownership_reason"))
    decided_by_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    changed_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("from_owner_id IS DISTINCT FROM to_owner_id", name="owner_changes"),
        sa.Index("ix_ownership_changes_lead_changed_at", "lead_id", "changed_at"),
        sa.Index("ix_ownership_changes_changed_at", "changed_at"),
    )
