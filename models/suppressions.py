"""Suppressions: addresses and people that must get no letter (unsubscribed, bounced, DNC)."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class SuppressionReason(enum.StrEnum):
    unsubscribed = "unsubscribed"
    bounced = "bounced"
    do_not_contact = "do_not_contact"
    complained = "complained"


class Suppression(Base):
    __tablename__ = "suppressions"

    suppression_id: Mapped[intpk]
    email: Mapped[str | None] = mapped_column(sa.String(320), unique=True)
    person_id: Mapped[int | None] = mapped_column(fk("persons.person_id", "CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        fk("organisations.organisation_id", "CASCADE"), index=True
    )
    reason: Mapped[SuppressionReason] = mapped_column(
        pg_enum(SuppressionReason, "suppression_reason")
    )
    source: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint(
            "num_nonnulls(email, person_id, organisation_id) >= 1", name="has_target"
        ),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
    )
