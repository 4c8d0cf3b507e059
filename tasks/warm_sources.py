"""Warm sources: a lead list chosen from the company's own base by criteria.

Criteria are an allowlist of fields, each compiled to a SQLAlchemy expression with bound
parameters; nothing a user types becomes SQL text.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from models.deals import Deal
from models.employees import Employee
from models.leads import Lead, LeadStatus, RelationshipStage
from models.organisations import Organisation
from tasks.lead_records import Prospect, organisation_record

OwnerFilter = Literal["any", "none", "dormant", "none_or_dormant"]


class WarmCriteria(BaseModel):
    """Which clients of the base to put on a list; every field narrows, empty means any."""

    model_config = ConfigDict(extra="forbid")

    industry: list[str] = Field(default_factory=list, description="Any of these industries.")
    region: list[str] = Field(default_factory=list, description="Any of these regions.")
    city: list[str] = Field(default_factory=list, description="Any of these cities.")
    min_employees: int | None = Field(default=None, ge=0)
    max_employees: int | None = Field(default=None, ge=0)
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Custom attributes that must hold these values."
    )
    relationship_stage: list[RelationshipStage] = Field(
        default_factory=list, description="The relationship stage of the client's lead in the line."
    )
    dormant_since: date | None = Field(
        default=None, description="No purchase (deal won) since this date."
    )
    owner: OwnerFilter = Field(
        default="any",
        description="none: no open lead with an owner in the line; dormant: the owner left; "
        "none_or_dormant: either.",
    )

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.model_dump(exclude_defaults=True).items()]
        return "warm: " + (", ".join(parts) or "the whole base")


def _line_lead(line_id: int):
    return sa.select(Lead).where(
        Lead.organisation_id == Organisation.organisation_id,
        Lead.line_id == line_id,
        Lead.status == LeadStatus.open,
    )


def criteria_query(criteria: WarmCriteria, line_id: int) -> sa.Select:
    o = Organisation
    conditions = []
    if criteria.industry:
        conditions.append(o.industry.in_(criteria.industry))
    if criteria.region:
        conditions.append(o.region.in_(criteria.region))
    if criteria.city:
        conditions.append(o.city.in_(criteria.city))
    if criteria.min_employees is not None:
        conditions.append(o.employee_count >= criteria.min_employees)
    if criteria.max_employees is not None:
        conditions.append(o.employee_count <= criteria.max_employees)
    if criteria.attributes:
        conditions.append(o.custom_attributes.contains(criteria.attributes))
    if criteria.relationship_stage:
        conditions.append(
            _line_lead(line_id)
            .where(Lead.relationship_stage.in_(criteria.relationship_stage))
            .exists()
        )
    if criteria.dormant_since:
        bought = (
            sa.select(Deal.deal_id)
            .join(Lead, Lead.lead_id == Deal.lead_id)
            .where(Lead.organisation_id == o.organisation_id, Deal.won_at >= criteria.dormant_since)
        )
        conditions.append(~bought.exists())
    owned = _line_lead(line_id).where(Lead.owner_id.is_not(None))
    active = owned.join(Employee, Employee.employee_id == Lead.owner_id).where(Employee.is_active)
    inactive = owned.join(Employee, Employee.employee_id == Lead.owner_id).where(
        ~Employee.is_active
    )
    if criteria.owner == "none":
        conditions.append(~owned.exists())
    elif criteria.owner == "dormant":
        conditions.append(inactive.exists())
    elif criteria.owner == "none_or_dormant":
        conditions.append(~active.exists())
    return (
        sa.select(
            o.organisation_id,
            o.name,
            o.legal_form,
            o.tax_id,
            o.phones,
            o.emails,
            o.website,
            o.city,
            o.address,
            o.industry,
            o.region,
            o.external_id,
        )  # fmt: skip
        .where(*conditions)
        .order_by(o.organisation_id)
    )


def warm_prospects(conn: sa.Connection, criteria: WarmCriteria, line_id: int) -> list[Prospect]:
    """Each chosen client as a prospect already matched to itself; rows numbered from 1."""
    prospects = []
    rows = conn.execute(criteria_query(criteria, line_id))
    for number, row in enumerate(rows, start=1):
        record = organisation_record(
            row.name,
            legal_form=row.legal_form,
            tax_id=row.tax_id,
            phones=tuple(row.phones or ()),
            emails=tuple(row.emails or ()),
            website=row.website,
            city=row.city,
            address=row.address,
        )
        record.row_number = number
        record.organisation_id, record.external_id = row.organisation_id, row.external_id
        values = {
            "name": row.name, "legal_form": row.legal_form, "tax_id": row.tax_id,
            "phones": list(row.phones or ()), "emails": list(row.emails or ()),
            "website": row.website, "city": row.city, "address": row.address,
            "industry": row.industry, "region": row.region,
        }  # fmt: skip
        prospects.append(Prospect(number, record, values, {}, row.external_id, [], []))
    return prospects
