"""A campaign's ledger: filled once, one row per person and per address, exclusions with why."""

from __future__ import annotations

import sqlalchemy as sa

from models.campaigns import Campaign, MessageTemplate
from models.lists import ContactList, ListKind, ListMember
from models.persons import Employment
from models.suppressions import Suppression, SuppressionReason
from tasks.campaign_audience import audience_counts, fill_ledger
from tests import factories as f


def make_campaign(session, list_id: int, line_id: int | None = None) -> int:
    template = MessageTemplate(
        name=f"t{list_id}", subject="Hi", body_html="<p>x</p>", body_text="x"
    )
    session.add(template)
    session.flush()
    campaign = Campaign(
        name=f"c{list_id}", template_id=template.template_id, list_id=list_id, line_id=line_id
    )
    session.add(campaign)
    session.flush()
    return campaign.campaign_id


def make_list(session, kind=ListKind.static, criteria=None) -> ContactList:
    contact_list = ContactList(name=f"list {kind} {id(criteria)}", kind=kind, criteria=criteria)
    session.add(contact_list)
    session.flush()
    return contact_list


def employ(session, person, org, email=None, primary=False):
    session.add(
        Employment(
            person_id=person.person_id, organisation_id=org.organisation_id, work_email=email,
            is_primary_contact=primary,
        )
    )  # fmt: skip
    session.flush()


def ledger(session, campaign_id):
    return session.execute(
        sa.text(
            "SELECT person_id, email, status::text, last_error FROM campaign_sends"
            " WHERE campaign_id = :c ORDER BY person_id"
        ),
        {"c": campaign_id},
    ).all()


def test_one_person_in_three_organisations_gets_one_row_once(session):
    ivan = f.person(session, emails=["ivan@home.ru"])
    orgs = [f.organisation(session, name=f"Org {i}") for i in range(3)]
    for org in orgs:
        employ(session, ivan, org, email="ivan@work.ru", primary=True)
    contact_list = make_list(session)
    session.add_all(
        [ListMember(list_id=contact_list.list_id, organisation_id=o.organisation_id) for o in orgs]
        + [ListMember(list_id=contact_list.list_id, person_id=ivan.person_id)]
    )
    session.flush()
    campaign_id = make_campaign(session, contact_list.list_id)
    conn = session.connection()
    assert fill_ledger(conn, campaign_id) == 1
    assert fill_ledger(conn, campaign_id) == 0  # a rerun adds nobody
    [(person_id, email, status, _)] = ledger(session, campaign_id)
    assert (person_id, email, status) == (ivan.person_id, "ivan@work.ru", "pending")


def test_exclusions_are_recorded_with_why(session):
    line = f.line(session)
    contact_list = make_list(session)
    people = {
        "ok": f.person(session, last_name="Ok", emails=["ok@x.ru"]),
        "stopped": f.person(session, last_name="Stopped", emails=["stop@x.ru"]),
        "no_mail": f.person(session, last_name="NoMail"),
        "twin": f.person(session, last_name="Twin", emails=["ok@x.ru"]),
        "outside": f.person(session, last_name="Outside", emails=["out@x.ru"]),
    }
    for key, person in people.items():
        session.add(ListMember(list_id=contact_list.list_id, person_id=person.person_id))
        if key != "outside":
            f.lead(session, line.line_id, person_id=person.person_id)
    session.add(Suppression(email="stop@x.ru", reason=SuppressionReason.unsubscribed))
    session.flush()
    campaign_id = make_campaign(session, contact_list.list_id, line.line_id)
    fill_ledger(session.connection(), campaign_id)
    rows = {pid: (email, status, why) for pid, email, status, why in ledger(session, campaign_id)}
    assert rows[people["ok"].person_id] == ("ok@x.ru", "pending", None)
    assert rows[people["stopped"].person_id][1:] == (
        "skipped",
        "suppressed: unsubscribed, bounced or do-not-contact",
    )
    assert rows[people["no_mail"].person_id][1:] == ("skipped", "no e-mail address")
    assert rows[people["twin"].person_id][1] == "skipped"
    assert "the same address as another recipient" in rows[people["twin"].person_id][2]
    assert rows[people["outside"].person_id][1:] == (
        "skipped",
        "not a client of the campaign's line",
    )
    counts = {
        (c.status, c.reason): c.count for c in audience_counts(session.connection(), campaign_id)
    }
    assert counts[("pending", "")] == 1
    tokens = session.scalars(sa.text("SELECT unsubscribe_token FROM campaign_sends")).all()
    assert len(set(tokens)) == 5 and all(len(t) == 64 for t in tokens)


def test_a_segment_is_refilled_by_its_criteria_at_send_time(session):
    kazan = f.organisation(session, name="Kazan Co", city="Казань")
    anna = f.person(session, first_name="Anna", last_name="K")
    employ(session, anna, kazan, email="anna@kazan.ru", primary=True)
    segment = make_list(session, ListKind.segment, {"city": ["Казань"]})
    campaign_id = make_campaign(session, segment.list_id)
    assert fill_ledger(session.connection(), campaign_id) == 1
    later = f.organisation(session, name="Kazan Later", city="Казань")
    boris = f.person(session, first_name="Boris", last_name="L")
    employ(session, boris, later, email="boris@kazan.ru")
    assert fill_ledger(session.connection(), campaign_id, occurrence="2026-12") == 2
