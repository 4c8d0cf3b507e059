"""The database itself refuses rows that break the domain's rules."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from models.employees import Employee
from models.leads import LeadStatus, OwnershipChange, OwnershipReason
from models.persons import Employment
from models.surveys import SurveyInvitation, SurveyResponse, SurveyWave
from tests import factories as f


def _response(session, **scores):
    bl = f.line(session)
    rep = f.employee(session, bl.line_id)
    lead = f.lead(session, bl.line_id, rep.employee_id)
    person = f.person(session)
    wave = SurveyWave(
        name=f"wave {lead.lead_id}",
        opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        closes_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    session.add(wave)
    session.flush()
    invitation = SurveyInvitation(
        survey_wave_id=wave.survey_wave_id,
        lead_id=lead.lead_id,
        person_id=person.person_id,
        token="t" * 40,
    )
    session.add(invitation)
    session.flush()
    session.add(SurveyResponse(survey_invitation_id=invitation.survey_invitation_id, **scores))
    session.flush()


def _refused(session, action, constraint: str):
    with pytest.raises(IntegrityError) as info, session.begin_nested():
        action()
    assert constraint in str(info.value)


@pytest.mark.parametrize(
    ("column", "value"),
    [("products_quality", 0), ("logistics", 6), ("service_speed", -1), ("nps", 11)],
)
def test_scores_out_of_range_are_refused(session, column, value):
    _refused(session, lambda: _response(session, **{column: value}), f"{column}_range")


def test_scores_in_range_are_kept(session):
    _response(session, products_quality=1, logistics=5, nps=0)
    assert session.scalar(sa.select(SurveyResponse.logistics)) == 5


@pytest.mark.parametrize("tax_id", ["770708389", "7707083894", "77070838930", "77O7083893"])
def test_malformed_or_misdigited_tax_id_is_refused(session, tax_id):
    _refused(session, lambda: f.organisation(session, tax_id=tax_id), "tax_id_valid")


def test_valid_company_and_personal_tax_ids_are_kept(session):
    f.organisation(session, tax_id="7707083893")
    f.organisation(session, name="ИП Петров", tax_id="500100732259")
    f.person(session, tax_id="500100732259")


def test_person_tax_id_must_be_personal(session):
    _refused(session, lambda: f.person(session, tax_id="7707083893"), "tax_id_personal")


def test_employment_pointing_nowhere_is_refused(session):
    def orphan():
        session.add(Employment(person_id=987654, organisation_id=987654))
        session.flush()

    _refused(session, orphan, "fk_employments_")


def test_one_open_lead_per_client_per_line(session):
    bl = f.line(session)
    org = f.organisation(session)
    first = f.lead(session, bl.line_id, organisation_id=org.organisation_id)
    _refused(
        session,
        lambda: f.lead(session, bl.line_id, organisation_id=org.organisation_id),
        "uq_leads_open_organisation_line",
    )
    # Another line may work the same client, and a closed lead does not block a new one.
    other = f.line(session)
    f.lead(session, other.line_id, organisation_id=org.organisation_id)
    first.status, first.closed_at = LeadStatus.lost, datetime.now(UTC)
    session.flush()
    f.lead(session, bl.line_id, organisation_id=org.organisation_id)


def test_lead_is_either_an_organisation_or_a_person(session):
    bl = f.line(session)
    org, person = f.organisation(session), f.person(session)
    _refused(
        session,
        lambda: f.lead(
            session, bl.line_id, organisation_id=org.organisation_id, person_id=person.person_id
        ),
        "one_client",
    )


def test_lead_stage_must_belong_to_its_line(session):
    a, b = f.line(session), f.line(session)
    stage_of_b = f.first_stage(session, b.line_id).stage_id
    _refused(
        session, lambda: f.lead(session, a.line_id, stage_id=stage_of_b), "fk_leads_stage_of_line"
    )


def test_ownership_history_is_append_only(session):
    bl = f.line(session)
    rep = f.employee(session, bl.line_id)
    lead = f.lead(session, bl.line_id, rep.employee_id)
    change = OwnershipChange(
        lead_id=lead.lead_id, to_owner_id=rep.employee_id, reason=OwnershipReason.import_
    )
    session.add(change)
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(sa.update(OwnershipChange).values(note="rewritten"))
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(sa.delete(OwnershipChange))


def test_employee_email_must_be_lower_case_address(session):
    def bad():
        session.add(Employee(full_name="X", email="Not-An-Address"))
        session.flush()

    _refused(session, bad, "email_shape")
