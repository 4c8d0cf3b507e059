"""Employees, their roles in business lines, and their leave periods."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class Role(enum.StrEnum):
    rep = "rep"
    head_of_sales = "head_of_sales"
    marketer = "marketer"
    manager = "manager"
    director = "director"


class Employee(Base):
    __tablename__ = "employees"

    employee_id: Mapped[intpk]
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    is_active: Mapped[bool] = mapped_column(server_default=sa.true())
    # Most open leads a rep should hold; NULL means no cap.
    capacity: Mapped[int | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint(
            r"email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'", name="email_shape"
        ),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("btrim(full_name) <> ''", name="full_name_not_blank"),
    )


class EmployeeLine(Base):
    """An employee's role in one business line (a rep in one line may head another)."""

    __tablename__ = "employee_lines"

    employee_id: Mapped[int] = mapped_column(
        fk("employees.employee_id", "CASCADE"), primary_key=True
    )
    line_id: Mapped[int] = mapped_column(
        fk("business_lines.line_id", "CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(pg_enum(Role, "employee_role"), primary_key=True)


class LeavePeriod(Base):
    __tablename__ = "leave_periods"

    leave_period_id: Mapped[intpk]
    employee_id: Mapped[int] = mapped_column(fk("employees.employee_id", "CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.UniqueConstraint("employee_id", "starts_on"),
    )
