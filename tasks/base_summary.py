"""A one-screen picture of the client base per business line, for `crm demo` and ops."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.deals import Deal
from models.employees import Employee, EmployeeLine, Role
from models.leads import Lead
from models.lines import BusinessLine
from models.organisations import Organisation
from models.persons import Person


class LineSummary(BaseModel):
    line: str
    active_reps: int
    open_leads: int
    stale_leads: int
    won_deals: int
    won_amount: Decimal


class BaseSummary(BaseModel):
    organisations: int
    persons: int
    lines: list[LineSummary]


def summarise_base(session: Session, stale_after: str = "3 months") -> BaseSummary:
    """Counts per line; "stale" is open, owned by a rep for longer than `stale_after`, nothing
    won since (protected and frozen leads included: the rule itself tells those apart)."""
    won_since_owned = sa.exists().where(
        Deal.lead_id == Lead.lead_id, Deal.won_at >= Lead.owned_since
    )
    is_stale = sa.and_(
        Lead.status == "open",
        Lead.owner_id.is_not(None),
        Lead.owned_since < sa.func.now() - sa.cast(stale_after, sa.Interval),
        ~won_since_owned,
    )
    leads = (
        sa.select(
            Lead.line_id,
            sa.func.count().filter(Lead.status == "open").label("open_leads"),
            sa.func.count().filter(is_stale).label("stale_leads"),
        )
        .group_by(Lead.line_id)
        .subquery()
    )
    deals = (
        sa.select(
            Lead.line_id,
            sa.func.count().label("won_deals"),
            sa.func.sum(Deal.amount).label("won_amount"),
        )
        .join(Deal, Deal.lead_id == Lead.lead_id)
        .where(Deal.won_at.is_not(None))
        .group_by(Lead.line_id)
        .subquery()
    )
    reps = (
        sa.select(EmployeeLine.line_id, sa.func.count().label("active_reps"))
        .join(Employee, Employee.employee_id == EmployeeLine.employee_id)
        .where(EmployeeLine.role == Role.rep, Employee.is_active)
        .group_by(EmployeeLine.line_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            BusinessLine.name,
            sa.func.coalesce(reps.c.active_reps, 0),
            sa.func.coalesce(leads.c.open_leads, 0),
            sa.func.coalesce(leads.c.stale_leads, 0),
            sa.func.coalesce(deals.c.won_deals, 0),
            sa.func.coalesce(deals.c.won_amount, 0),
        )
        .outerjoin(reps, reps.c.line_id == BusinessLine.line_id)
        .outerjoin(leads, leads.c.line_id == BusinessLine.line_id)
        .outerjoin(deals, deals.c.line_id == BusinessLine.line_id)
        .order_by(BusinessLine.name)
    ).all()
    fields = list(LineSummary.model_fields)
    return BaseSummary(
        organisations=session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
        persons=session.scalar(sa.select(sa.func.count()).select_from(Person)),
        lines=[LineSummary(**dict(zip(fields, row, strict=True))) for row in rows],
    )
