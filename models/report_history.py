"""What the reports need the store to remember: every change of a lead's sales stage, and
which report letters went to whom.

`lead_stage_changes` is written by triggers on `leads` (migration 0008), never by the code: a
new lead enters its first stage when it was created, and each change of `stage_id` adds a row
dated now(), or `crm.stage_changed_at` when a loader of past history sets it for its
transaction (`stage_changed_at()`). A bulk loader that copies the history of the leads it
creates sets `crm.stage_history` to 'copied' (`history_copied()`) and the insert trigger leaves
their entries to it. Rows are never edited (a trigger refuses it) and go with their lead.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, created_at, fk, intpk

STAGE_CHANGED_AT = "crm.stage_changed_at"
STAGE_HISTORY = "crm.stage_history"


class LeadStageChange(Base):
    """One row per stage a lead entered; from_stage_id NULL for its first one."""

    __tablename__ = "lead_stage_changes"

    lead_stage_change_id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"))
    line_id: Mapped[int] = mapped_column(fk("business_lines.line_id"))
    from_stage_id: Mapped[int | None] = mapped_column(fk("sales_stages.stage_id"))
    to_stage_id: Mapped[int] = mapped_column(fk("sales_stages.stage_id"))
    changed_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("from_stage_id IS DISTINCT FROM to_stage_id", name="stage_changes"),
        # Each lead's stays in order, index only: the stage a lead was in at a moment and
        # since when (lead_facts), the stay a change ends (stage_funnel); the id breaks ties of
        # changes made in one transaction.
        sa.Index(
            "ix_lead_stage_changes_lead_changed_at",
            "lead_id",
            "changed_at",
            "lead_stage_change_id",
            postgresql_include=["to_stage_id"],
        ),
        # The changes of a period (stage_funnel).
        sa.Index("ix_lead_stage_changes_changed_at", "changed_at"),
    )


def stage_changed_at(session: Session, moment: datetime | None) -> None:
    """Date the stage changes of this transaction at `moment` (None: now() again)."""
    session.execute(
        sa.select(sa.func.set_config(STAGE_CHANGED_AT, moment.isoformat() if moment else "", True))
    )


def history_copied(conn: sa.Connection | Session, copied: bool) -> None:
    """While set, in this transaction, new leads' first entries are the loader's to write."""
    conn.execute(sa.select(sa.func.set_config(STAGE_HISTORY, "copied" if copied else "", True)))


class ReportDelivery(Base):
    """A report letter to one address: claimed before it is sent, so a rerun of the same report
    mails nobody twice; `sent_at` once the server accepted it; deleted when it was refused."""

    __tablename__ = "report_deliveries"

    report_delivery_id: Mapped[intpk]
    report_kind: Mapped[str] = mapped_column(sa.String(20))
    # The report's key: its period or wave, and its line when only one line was asked for.
    report_key: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    claimed_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.UniqueConstraint("report_kind", "report_key", "email"),)
