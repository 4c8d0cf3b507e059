"""Import batches (a lead file, a warm-source list or a client-base export) and their rows.

Every input row keeps its decision, score, reason and holder, so a checked list can be shown
again, and a file already imported is recognised by its content hash.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class ImportKind(enum.StrEnum):
    lead_file = "lead_file"
    warm_source = "warm_source"
    client_base = "client_base"


class Decision(enum.StrEnum):
    new = "new"
    duplicate_in_file = "duplicate_in_file"
    existing_client = "existing_client"
    held_by_other_rep = "held_by_other_rep"
    already_yours = "already_yours"
    needs_review = "needs_review"
    suppressed = "suppressed"
    invalid = "invalid"


class ImportBatch(Base):
    __tablename__ = "import_batches"

    batch_id: Mapped[intpk]
    kind: Mapped[ImportKind] = mapped_column(pg_enum(ImportKind, "import_kind"))
    source_name: Mapped[str] = mapped_column(sa.String(300))
    # Files only: the same bytes imported again into the same line create nothing.
    source_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    criteria: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    line_id: Mapped[int] = mapped_column(fk("business_lines.line_id"))
    list_id: Mapped[int | None] = mapped_column(fk("contact_lists.list_id", "SET NULL"))
    rep_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    distribution: Mapped[str | None] = mapped_column(sa.String(20))
    is_dry_run: Mapped[bool] = mapped_column(server_default=sa.false())
    rows_total: Mapped[int] = mapped_column(server_default="0")
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")
    decisions_path: Mapped[str | None] = mapped_column(sa.Text)
    # Set when the checked list's letters are claimed for sending; a failed send clears it, so
    # a rerun (which finds the file already imported) sends them then, and only then.
    notified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.Index(
            "uq_import_batches_source",
            "kind",
            "line_id",
            "source_sha256",
            unique=True,
            postgresql_where=sa.text("NOT is_dry_run AND source_sha256 IS NOT NULL"),
        ),
    )


class ImportRow(Base):
    __tablename__ = "import_rows"

    batch_id: Mapped[int] = mapped_column(
        fk("import_batches.batch_id", "CASCADE"), primary_key=True
    )
    row_number: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    decision: Mapped[Decision] = mapped_column(pg_enum(Decision, "import_decision"))
    score: Mapped[float | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    duplicate_of_row: Mapped[int | None]
    organisation_id: Mapped[int | None] = mapped_column(
        fk("organisations.organisation_id", "SET NULL")
    )
    person_id: Mapped[int | None] = mapped_column(fk("persons.person_id", "SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(fk("leads.lead_id", "SET NULL"))
    holder_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    holder_since: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    holder_stage: Mapped[str | None] = mapped_column(sa.String(100))
    # The row as normalised, so the checked list can be written again without the file.
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    __table_args__ = (sa.Index("ix_import_rows_batch_decision", "batch_id", "decision"),)
