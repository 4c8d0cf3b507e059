"""`crm client summary`: one page with details, contacts, stage, contacts held, deals,
satisfaction and the useful dates ahead; and every named report query runs."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.errors import CrmError
from models.leads import Lead
from models.persons import Person
from models.sql import queries
from models.useful_dates import ProfessionalHoliday, UsefulDate
from tasks.report_client import client_summary, next_occurrence
from tests import factories as f
from tests.report_base import at, satisfaction_base

TODAY = date(2026, 6, 20)


@pytest.fixture
def beta(session):
    base = satisfaction_base(session)
    org = base.organisations["Beta"]
    olga = base.persons["Olga"]
    f.employment(session, olga, base.organisations["Gamma"], position="Adviser")
    session.execute(sa.update(Person).where(Person.person_id == olga)
                    .values(birth_date=date(1980, 7, 1)))  # fmt: skip
    session.add_all([
        UsefulDate(kind="family_date", person_id=olga, title="Daughter's birthday", month=6,
                   day=25),
        UsefulDate(kind="other", organisation_id=org, title="Contract renewal", month=12, day=1),
        ProfessionalHoliday(name="Retail Day", industry="Retail", month=7, weekday=6,
                            week_of_month=4),
    ])  # fmt: skip
    lead = session.get(Lead, base.leads["A2"])
    f.deal(session, lead, Decimal("250000.00"), title="Shelves", won_at=at(5, 20),
           created_at=at(5, 1))  # fmt: skip
    f.activity(session, lead, lead.owner_id, "meeting", held_at=at(5, 15, 10),
               outcome="Agreed the order", next_contact_date=date(2026, 6, 1))  # fmt: skip
    session.flush()
    return org


def test_the_page_has_everything_a_rep_needs(session, beta):
    page = client_summary(session, organisation_id=beta, today=TODAY)
    assert page.startswith(f"Beta LLC (organisation {beta})\n")
    assert "Retail · Kazan · 120 employees" in page
    # The contact, flagged, and the other organisation she works in.
    assert "* Petrov Olga [primary contact]\n" in page
    assert "    also works at: Gamma LLC (Adviser)" in page
    assert "* Equipment: first call (awareness), open; owner Anna Rep <" in page
    assert "2026-05-01 Shelves (Equipment): 250\u202f000.00 RUB, first call, won 2026-05-20" in page
    assert "Summer 2026, 2026-06-05, Petrov Olga (Equipment): products 3.00" in page
    assert "logistics 1.00" in page and "NPS 6" in page
    dates = page.split("Useful dates in the next 60 days")[1].split("Planned contacts")[0]
    assert dates.index("2026-06-25 (in 5 days): Daughter's birthday — Petrov Olga") < dates.index(
        "2026-07-01 (in 11 days): birthday — Petrov Olga, 46 years") < dates.index(
        "2026-07-25 (in 35 days): Retail Day — Retail")  # fmt: skip
    assert "Contract renewal" not in dates  # December: beyond 60 days
    assert "* 2026-06-08 12:00 Equipment: call (planned) by Anna Rep" in page
    past = page.split("Past contacts (1, latest first)")[1]
    assert "2026-05-15 10:00 Equipment: meeting (done) by Anna Rep — Agreed the order; " \
           "next contact 2026-06-01" in past  # fmt: skip


def test_an_individual_client_and_one_line(session, beta):
    base_person = session.scalar(sa.select(Person.person_id).where(Person.first_name == "Irina"))
    page = client_summary(session, person_id=base_person, today=TODAY)
    assert page.startswith(f"Client Irina (person {base_person})")
    assert "* Service: first call (awareness), open; owner Sergey Rep" in page
    assert "Spring 2026" in page and "Summer 2026" in page
    only = client_summary(session, organisation_id=beta, line="Service", today=TODAY)
    assert "not worked in any line" in only and "no deals" in only


def test_an_unknown_client_is_one_line(session):
    with pytest.raises(CrmError, match="no organisation with id 999999"):
        client_summary(session, organisation_id=999999)
    with pytest.raises(CrmError, match="one organisation or one person"):
        client_summary(session)


def test_29_february_falls_on_the_28th_in_common_years():
    row = {"month": 2, "day": 29, "weekday": None, "week_of_month": None}
    assert next_occurrence(row, date(2027, 1, 10)) == date(2027, 2, 28)
    assert next_occurrence(row, date(2027, 3, 1)) == date(2028, 2, 29)


def test_every_named_report_query_runs_on_an_empty_store(session):
    params = dict(
        from_at=at(5, 4, 0), to_at=at(5, 11, 0), due_before=date(2026, 5, 11), line_id=None,
        stuck_days=30, follow_days=30, listed=5, wave=None, now=at(5, 11, 0), wave_id=1,
        earlier=3, organisation_id=1, person_id=None, kind="management", key="management-x",
        emails=["head@example.com"],
    )  # fmt: skip
    for statement in queries("reports").values():
        session.execute(statement, params)
