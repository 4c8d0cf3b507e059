"""Organisations (legal entities) with their standard details and custom attributes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk

# inn_is_valid() is created by the first migration: the database checks INN check digits,
# not only the shape, so no importer can store a mistyped tax id.
TAX_ID_VALID = "tax_id IS NULL OR inn_is_valid(tax_id)"


class Organisation(Base):
    __tablename__ = "organisations"

    organisation_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(300))
    legal_form: Mapped[str | None] = mapped_column(sa.String(40))
    tax_id: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    industry: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    region: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    city: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.Text)
    postcode: Mapped[str | None] = mapped_column(sa.String(12))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    phones: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    emails: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    employee_count: Mapped[int | None]
    founded_date: Mapped[date | None]
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint("btrim(name) <> ''", name="name_not_blank"),
        sa.CheckConstraint(TAX_ID_VALID, name="tax_id_valid"),
        sa.CheckConstraint("emails::text = lower(emails::text)", name="emails_lower_case"),
        sa.CheckConstraint(
            "employee_count IS NULL OR employee_count >= 0", name="employee_count_not_negative"
        ),
        sa.CheckConstraint(
            "jsonb_typeof(custom_attributes) = 'object'", name="custom_attributes_object"
        ),
        sa.Index(
            "ix_organisations_custom_attributes",
            "custom_attributes",
            postgresql_using="gin",
            postgresql_ops={"custom_attributes": "jsonb_path_ops"},
        ),
        sa.Index("ix_organisations_phones", "phones", postgresql_using="gin"),
        sa.Index("ix_organisations_emails", "emails", postgresql_using="gin"),
    )
