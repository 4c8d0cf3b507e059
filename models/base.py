"""Declarative base: naming convention, UTC timestamps and helpers shared by every table."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)]
created_at = Annotated[
    datetime, mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
]
utc_datetime = Annotated[datetime, mapped_column(sa.DateTime(timezone=True))]


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Relationships use this so a task that forgot to load one fails loudly instead of silently
# issuing one query per row.
NO_LAZY = "raise_on_sql"


def pg_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A PostgreSQL enum that stores the members' values (lower-case words), not their names."""
    return sa.Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def fk(target: str, ondelete: str = "RESTRICT") -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete)
