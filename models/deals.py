"""Deals of a lead: amount, stage, and when the money was received (won)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk


class Deal(Base):
    __tablename__ = "deals"

    deal_id: Mapped[intpk]
    lead_id: Mapped[int] = mapped_column(fk("leads.lead_id", "CASCADE"))
    title: Mapped[str | None] = mapped_column(sa.String(300))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), server_default="RUB")
    stage_id: Mapped[int] = mapped_column(fk("sales_stages.stage_id"))
    created_at: Mapped[created_at]
    # A sale is won when the money is received (DOMAIN.md), not when the contract is signed.
    won_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lost_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        sa.CheckConstraint("won_at IS NULL OR lost_at IS NULL", name="won_or_lost"),
        sa.Index("ix_deals_lead_won_at", "lead_id", "won_at"),
        sa.Index("ix_deals_won_at", "won_at", postgresql_where=sa.text("won_at IS NOT NULL")),
    )
