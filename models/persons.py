"""Persons (individual clients and contact persons) and their employments in organisations."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum
from models.organisations import TAX_ID_VALID


class Gender(enum.StrEnum):
    # Needed for the Russian forms of address ("Уважаемый" / "Уважаемая").
    male = "male"
    female = "female"


class Person(Base):
    __tablename__ = "persons"

    person_id: Mapped[intpk]
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    gender: Mapped[Gender | None] = mapped_column(pg_enum(Gender, "gender"))
    birth_date: Mapped[date | None]
    phones: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    emails: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    tax_id: Mapped[str | None] = mapped_column(sa.String(12))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.Text)
    postcode: Mapped[str | None] = mapped_column(sa.String(12))
    locale: Mapped[str] = mapped_column(sa.String(5), server_default="ru")
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint(
            "coalesce(btrim(first_name), '') <> '' OR coalesce(btrim(last_name), '') <> ''",
            name="has_name",
        ),
        sa.CheckConstraint(TAX_ID_VALID, name="tax_id_valid"),
        sa.CheckConstraint("tax_id IS NULL OR length(tax_id) = 12", name="tax_id_personal"),
        sa.CheckConstraint("emails::text = lower(emails::text)", name="emails_lower_case"),
        sa.Index("ix_persons_emails", "emails", postgresql_using="gin"),
        sa.Index("ix_persons_phones", "phones", postgresql_using="gin"),
        sa.Index(
            "ix_persons_birth_month_day",
            sa.text("extract(month from birth_date)"),
            sa.text("extract(day from birth_date)"),
        ),
    )


class Employment(Base):
    """A person in an organisation; one person may hold several, each with its own contacts."""

    __tablename__ = "employments"

    employment_id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(fk("persons.person_id", "CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        fk("organisations.organisation_id", "CASCADE"), index=True
    )
    position: Mapped[str | None] = mapped_column(sa.String(200))
    work_phone: Mapped[str | None] = mapped_column(sa.String(32))
    work_email: Mapped[str | None] = mapped_column(sa.String(320))
    is_primary_contact: Mapped[bool] = mapped_column(server_default=sa.false())
    is_decision_maker: Mapped[bool] = mapped_column(server_default=sa.false())
    started_date: Mapped[date | None]
    ended_date: Mapped[date | None]
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.UniqueConstraint("person_id", "organisation_id"),
        sa.CheckConstraint("work_email = lower(work_email)", name="work_email_lower_case"),
        sa.CheckConstraint(
            "ended_date IS NULL OR started_date IS NULL OR ended_date >= started_date",
            name="ends_after_start",
        ),
        sa.Index("ix_employments_work_email", "work_email"),
    )
