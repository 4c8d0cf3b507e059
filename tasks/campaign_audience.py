"""A campaign's audience: its ledger filled once per issue, with who is excluded and why."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models.campaigns import Campaign
from models.errors import CrmError
from models.lists import ContactList, ListKind
from models.sql import query
from tasks.warm_sources import WarmCriteria, criteria_query


@dataclass(frozen=True)
class AudienceCount:
    status: str
    reason: str
    count: int


def _segment_orgs(conn: sa.Connection, contact_list, line_id: int | None) -> list[int]:
    """A segment is refilled by its criteria at send time: the base as it is now."""
    if contact_list.kind != ListKind.segment:
        return []
    try:
        criteria = WarmCriteria.model_validate(contact_list.criteria or {})
    except ValueError as error:
        raise CrmError(
            f"segment '{contact_list.name}' has criteria that are not allowed: {error}"
        ) from None
    chosen = criteria_query(criteria, line_id or 0).with_only_columns(
        sa.literal_column("organisation_id")
    )
    return list(conn.scalars(chosen))


def fill_ledger(conn: sa.Connection, campaign_id: int, occurrence: str = "") -> int:
    """Create the issue's ledger rows (once); returns how many rows this call added."""
    campaign = conn.execute(
        sa.select(Campaign.list_id, Campaign.line_id).where(Campaign.campaign_id == campaign_id)
    ).first()
    if campaign is None:
        raise CrmError(f"no campaign {campaign_id}")
    if campaign.list_id is None:
        raise CrmError(f"campaign {campaign_id} has no audience list")
    contact_list = conn.execute(
        sa.select(ContactList.name, ContactList.kind, ContactList.criteria).where(
            ContactList.list_id == campaign.list_id
        )
    ).one()
    params = {
        "campaign_id": campaign_id,
        "occurrence": occurrence,
        "list_id": campaign.list_id,
        "line_id": campaign.line_id,
        "segment_orgs": _segment_orgs(conn, contact_list, campaign.line_id),
    }
    return conn.execute(query("campaign_audience", "fill_ledger"), params).rowcount


def audience_counts(
    conn: sa.Connection, campaign_id: int, occurrence: str = ""
) -> list[AudienceCount]:
    rows = conn.execute(
        query("campaign_audience", "audience_counts"),
        {"campaign_id": campaign_id, "occurrence": occurrence},
    )
    return [AudienceCount(status, reason, n) for status, reason, n in rows]
