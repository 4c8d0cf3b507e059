"""Contact lists: static lists, segments refilled by criteria, and checked lead lists."""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class ListKind(enum.StrEnum):
    static = "static"
    segment = "segment"
    lead_list = "lead_list"


class ContactList(Base):
    __tablename__ = "contact_lists"

    list_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[ListKind] = mapped_column(pg_enum(ListKind, "list_kind"))
    line_id: Mapped[int | None] = mapped_column(fk("business_lines.line_id"))
    owner_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    # Segments only: allowlisted field/operator/value triples, compiled to bound parameters.
    criteria: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("(kind = 'segment') = (criteria IS NOT NULL)", name="segment_criteria"),
    )


class ListMember(Base):
    __tablename__ = "list_members"

    list_member_id: Mapped[intpk]
    list_id: Mapped[int] = mapped_column(fk("contact_lists.list_id", "CASCADE"))
    person_id: Mapped[int | None] = mapped_column(fk("persons.person_id", "CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        fk("organisations.organisation_id", "CASCADE"), index=True
    )
    added_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("num_nonnulls(person_id, organisation_id) >= 1", name="has_member"),
        sa.UniqueConstraint(
            "list_id", "person_id", "organisation_id", postgresql_nulls_not_distinct=True
        ),
    )
