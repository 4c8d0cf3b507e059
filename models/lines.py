"""Business lines (directions) and their configurable, ordered sales stages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum
from models.reassignment import Policy

DEFAULT_STAGES = (
    "first call",
    "meeting",
    "proposal",
    "contract",
    "invoice",
    "payment",
    "fulfilment",
    "closed",
    "lost",
)
# Money received closes a sale as won (DOMAIN.md); "contract" and "invoice" wait on the client.
DEFAULT_WON_STAGE = "payment"
DEFAULT_PROTECTED_STAGES = ("contract", "invoice")
DEFAULT_LOST_STAGE = "lost"


def stage_rows(
    line_id: int, names, *, won: str | None, lost: str | None = None, protected=()
) -> list[dict]:
    """A line's stages in order, as rows for an INSERT."""
    return [
        dict(
            line_id=line_id,
            name=name,
            position=position,
            is_won=name == won,
            is_lost=name == lost,
            is_protected=name in protected,
        )
        for position, name in enumerate(names)
    ]


def default_stage_rows(line_id: int) -> list[dict]:
    """The stages a new line starts with."""
    return stage_rows(
        line_id,
        DEFAULT_STAGES,
        won=DEFAULT_WON_STAGE,
        lost=DEFAULT_LOST_STAGE,
        protected=DEFAULT_PROTECTED_STAGES,
    )


class BusinessLine(Base):
    __tablename__ = "business_lines"

    line_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # How the three-month rule hands out this line's stale leads (see models/reassignment.py).
    reassignment_policy: Mapped[Policy] = mapped_column(
        pg_enum(Policy, "reassignment_policy"), server_default="least_loaded"
    )
    created_at: Mapped[created_at]

    __table_args__ = (sa.CheckConstraint("btrim(name) <> ''", name="name_not_blank"),)


class SalesStage(Base):
    __tablename__ = "sales_stages"

    stage_id: Mapped[intpk]
    line_id: Mapped[int] = mapped_column(fk("business_lines.line_id", "CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    is_won: Mapped[bool] = mapped_column(server_default=sa.false())
    is_lost: Mapped[bool] = mapped_column(server_default=sa.false())
    # Stages where a lead waits on the client (contract signed, invoice out): the
    # three-month rule leaves such leads with their owner.
    is_protected: Mapped[bool] = mapped_column(server_default=sa.false())

    __table_args__ = (
        sa.UniqueConstraint("line_id", "name"),
        sa.UniqueConstraint("line_id", "position"),
        # Target of the leads' composite key: a lead's stage always belongs to the lead's line.
        sa.UniqueConstraint("stage_id", "line_id"),
        sa.CheckConstraint("position >= 0", name="position_not_negative"),
        sa.CheckConstraint("NOT (is_won AND is_lost)", name="won_or_lost"),
        sa.CheckConstraint("btrim(name) <> ''", name="name_not_blank"),
    )
