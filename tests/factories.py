"""Row factories for tests: small, explicit, and flushed so ids are available at once."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.activities import Activity
from models.campaigns import Campaign, CampaignSend, MessageTemplate
from models.deals import Deal
from models.employees import Employee, EmployeeLine, Role
from models.leads import Lead, OwnershipChange
from models.lines import BusinessLine, SalesStage
from models.organisations import Organisation
from models.persons import Employment, Person
from models.report_history import stage_changed_at
from models.surveys import SCORE_COLUMNS, SurveyInvitation, SurveyResponse, SurveyWave

_seq = itertools.count(1)


def import_file(session: Session, path, line, rep, **kw):
    """Read a lead file and import it as the flow would, in the test's transaction."""
    from models.imports import ImportKind
    from tasks.lead_import import import_prospects, read_source

    source = read_source(path, kw.pop("mapping", ()))
    return import_prospects(
        session.connection(),
        source.prospects,
        kind=kw.pop("kind", ImportKind.lead_file),
        source_name=source.name,
        sha256=source.sha256,
        line=line.name,
        rep=rep.email if rep else None,
        **kw,
    )


def line(
    session: Session,
    name: str | None = None,
    stages=("first call", "meeting", "paid"),
    lost: str | None = None,
):
    bl = BusinessLine(name=name or f"line {next(_seq)}")
    session.add(bl)
    session.flush()
    for position, stage in enumerate(stages):
        session.add(
            SalesStage(
                line_id=bl.line_id,
                name=stage,
                position=position,
                is_won=stage == "paid",
                is_lost=stage == lost,
            )
        )
    session.flush()
    return bl


def first_stage(session: Session, line_id: int) -> SalesStage:
    return (
        session.query(SalesStage).filter_by(line_id=line_id).order_by(SalesStage.position).first()
    )


def employee(session: Session, line_id: int | None = None, role: Role = Role.rep, **kw):
    n = next(_seq)
    emp = Employee(full_name=kw.pop("full_name", f"Rep {n}"), email=f"rep{n}@example.com", **kw)
    session.add(emp)
    session.flush()
    if line_id is not None:
        session.add(EmployeeLine(employee_id=emp.employee_id, line_id=line_id, role=role))
        session.flush()
    return emp


def organisation(session: Session, **kw) -> Organisation:
    org = Organisation(name=kw.pop("name", f"Org {next(_seq)}"), **kw)
    session.add(org)
    session.flush()
    return org


def person(session: Session, **kw) -> Person:
    p = Person(
        first_name=kw.pop("first_name", "Ivan"), last_name=kw.pop("last_name", "Petrov"), **kw
    )
    session.add(p)
    session.flush()
    return p


def lead(session: Session, line_id: int, owner_id: int | None = None, **kw) -> Lead:
    if "organisation_id" not in kw and "person_id" not in kw:
        kw["organisation_id"] = organisation(session).organisation_id
    ld = Lead(
        line_id=line_id,
        owner_id=owner_id,
        stage_id=kw.pop("stage_id", None) or first_stage(session, line_id).stage_id,
        owned_since=kw.pop("owned_since", datetime.now(UTC)),
        **kw,
    )
    session.add(ld)
    session.flush()
    return ld


def campaign_send(
    session: Session, email: str | None = "ivan@example.com", token: str | None = None, **kw
) -> CampaignSend:
    """One ledger row of a fresh campaign, for a fresh person unless `person_id` is given."""
    n = next(_seq)
    template = MessageTemplate(
        name=f"template {n}", subject="Hi", body_html="<p>Hi</p>", body_text="Hi"
    )
    session.add(template)
    session.flush()
    campaign = Campaign(name=f"campaign {n}", template_id=template.template_id)
    session.add(campaign)
    session.flush()
    send = CampaignSend(
        campaign_id=campaign.campaign_id,
        person_id=kw.pop("person_id", None) or person(session).person_id,
        email=email,
        unsubscribe_token=token or secrets.token_urlsafe(32),
        **kw,
    )
    session.add(send)
    session.flush()
    return send


def stage(session: Session, line_id: int, name: str) -> int:
    """The id of a line's stage by name."""
    return session.query(SalesStage.stage_id).filter_by(line_id=line_id, name=name).scalar()


def activity(session: Session, lead: Lead, employee_id: int, kind: str = "call", **kw) -> Activity:
    """A contact on a lead; `done` unless told, held at `held_at` (required for done)."""
    row = Activity(lead_id=lead.lead_id, employee_id=employee_id, kind=kind, **kw)
    session.add(row)
    session.flush()
    return row


def deal(session: Session, lead: Lead, amount, **kw) -> Deal:
    row = Deal(
        lead_id=lead.lead_id, amount=amount, stage_id=kw.pop("stage_id", lead.stage_id), **kw
    )
    session.add(row)
    session.flush()
    return row


def move_stage(session: Session, lead: Lead, stage_id: int, changed_at, **values) -> Lead:
    """Move a lead to another stage at `changed_at` (other columns too, e.g. a closing); the
    trigger writes the history row, dated by crm.stage_changed_at."""
    stage_changed_at(session, changed_at)
    session.execute(
        sa.update(Lead).where(Lead.lead_id == lead.lead_id).values(stage_id=stage_id, **values)
    )
    stage_changed_at(session, None)
    session.refresh(lead)
    return lead


def ownership_change(session: Session, lead: Lead, from_id, to_id, changed_at, **kw):
    row = OwnershipChange(
        lead_id=lead.lead_id,
        from_owner_id=from_id,
        to_owner_id=to_id,
        reason=kw.pop("reason", "manual"),
        changed_at=changed_at,
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def employment(session: Session, person_id: int, organisation_id: int, **kw) -> Employment:
    row = Employment(person_id=person_id, organisation_id=organisation_id, **kw)
    session.add(row)
    session.flush()
    return row


def survey_wave(session: Session, name: str, opens_at, closes_at, **kw) -> SurveyWave:
    row = SurveyWave(name=name, opens_at=opens_at, closes_at=closes_at, **kw)
    session.add(row)
    session.flush()
    return row


def survey_invitation(
    session: Session, wave: SurveyWave, lead: Lead, person_id: int, **kw
) -> SurveyInvitation:
    row = SurveyInvitation(
        survey_wave_id=wave.survey_wave_id,
        lead_id=lead.lead_id,
        person_id=person_id,
        token=secrets.token_urlsafe(32),
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def survey_response(session: Session, invitation: SurveyInvitation, **kw) -> SurveyResponse:
    """An answer; `every=n` gives each of the 14 scores n unless named otherwise."""
    every = kw.pop("every", None)
    scores = {column: every for column in SCORE_COLUMNS} if every is not None else {}
    row = SurveyResponse(survey_invitation_id=invitation.survey_invitation_id, **(scores | kw))
    session.add(row)
    session.flush()
    return row
