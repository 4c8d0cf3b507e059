"""Useful dates for greetings: family dates, company anniversaries, professional holidays."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum

# 29 February is a valid useful date; greeting it in other years is the campaign's business.
VALID_DAY = (
    "day BETWEEN 1 AND CASE WHEN month = 2 THEN 29 WHEN month IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
)


class UsefulDateKind(enum.StrEnum):
    family_date = "family_date"
    company_anniversary = "company_anniversary"
    professional_holiday = "professional_holiday"
    other = "other"


class ProfessionalHoliday(Base):
    """The calendar: a fixed day, or the n-th weekday of a month (-1 = the last one)."""

    __tablename__ = "professional_holidays"

    holiday_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    month: Mapped[int] = mapped_column(sa.SmallInteger)
    day: Mapped[int | None] = mapped_column(sa.SmallInteger)
    weekday: Mapped[int | None] = mapped_column(sa.SmallInteger)
    week_of_month: Mapped[int | None] = mapped_column(sa.SmallInteger)

    __table_args__ = (
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        sa.CheckConstraint(f"day IS NULL OR ({VALID_DAY})", name="day_range"),
        sa.CheckConstraint(
            "(day IS NOT NULL AND weekday IS NULL AND week_of_month IS NULL) OR "
            "(day IS NULL AND weekday BETWEEN 1 AND 7 AND week_of_month IN (-1, 1, 2, 3, 4, 5))",
            name="fixed_or_weekday_rule",
        ),
    )


class UsefulDate(Base):
    __tablename__ = "useful_dates"

    useful_date_id: Mapped[intpk]
    kind: Mapped[UsefulDateKind] = mapped_column(pg_enum(UsefulDateKind, "useful_date_kind"))
    person_id: Mapped[int | None] = mapped_column(fk("persons.person_id", "CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        fk("organisations.organisation_id", "CASCADE"), index=True
    )
    holiday_id: Mapped[int | None] = mapped_column(fk("professional_holidays.holiday_id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    month: Mapped[int] = mapped_column(sa.SmallInteger)
    day: Mapped[int] = mapped_column(sa.SmallInteger)
    year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    created_at: Mapped[created_at]

    __table_args__ = (
        sa.CheckConstraint("num_nonnulls(person_id, organisation_id) = 1", name="one_owner"),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        sa.CheckConstraint(VALID_DAY, name="day_range"),
        sa.Index("ix_useful_dates_month_day", "month", "day"),
    )
