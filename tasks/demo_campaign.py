"""The demo's campaigns: the built-in newsletter to the demo base's first static list, and a
birthday greeting to the same list, which the dispatcher would send every day."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.campaigns import Campaign, GreetingTrigger
from models.errors import CrmError
from models.lists import ContactList, ListKind
from tasks.campaign_templates import load_builtin
from tasks.campaigns import Schedule, add_template, create_campaign

DEMO_CAMPAIGN = "Demo newsletter"
DEMO_GREETING = "Demo birthdays"


def ensure_demo_campaign(session: Session) -> tuple[int, str]:
    """The demo campaign's id (created once) and its list's name."""
    found = session.execute(
        sa.select(Campaign.campaign_id, ContactList.name)
        .join(ContactList, ContactList.list_id == Campaign.list_id)
        .where(Campaign.name == DEMO_CAMPAIGN)
    ).first()
    if found:
        return found.campaign_id, found.name
    list_name = session.scalar(
        sa.select(ContactList.name)
        .where(ContactList.kind == ListKind.static)
        .order_by(ContactList.list_id)
        .limit(1)
    )
    if list_name is None:
        raise CrmError("the demo base has no static list to send to")
    add_template(session, "newsletter", *load_builtin("newsletter"))
    campaign_id = create_campaign(
        session, name=DEMO_CAMPAIGN, template="newsletter", list_name=list_name
    )
    return campaign_id, list_name


def ensure_demo_greeting(session: Session, list_name: str) -> int:
    """The demo's birthday greeting campaign on the newsletter's list (created once)."""
    found = session.scalar(sa.select(Campaign.campaign_id).where(Campaign.name == DEMO_GREETING))
    if found:
        return found
    add_template(session, "birthday", *load_builtin("birthday"))
    return create_campaign(
        session, name=DEMO_GREETING, template="birthday", list_name=list_name,
        schedule=Schedule(greeting=GreetingTrigger.birthday),
    )  # fmt: skip
