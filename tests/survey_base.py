"""A small client base for the survey tests: who is an active client, who gets invited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.employees import Role
from models.leads import LeadStatus
from models.persons import Employment, Gender
from models.suppressions import Suppression, SuppressionReason
from models.surveys import SurveyInvitation
from tests import factories as f


@dataclass(frozen=True)
class Base:
    line: str  # the line with a head of sales
    other_line: str  # a line without one
    rep_id: int
    head_email: str
    persons: dict[str, int]  # first name -> person_id
    leads: dict[str, int]  # client -> lead_id


def _contact(s: Session, org_id: int, first: str, email: str, **kw) -> int:
    person = f.person(s, first_name=first, last_name="Петров", gender=kw.pop("gender", None))
    s.add(Employment(person_id=person.person_id, organisation_id=org_id, work_email=email, **kw))
    s.flush()
    return person.person_id


def survey_base(s: Session) -> Base:
    """Active clients: Ромашка (Иван, its primary contact, invited; Пётр not), Вектор (no
    primary: Ольга, its latest contact), Анна (an individual, her lead in the pool), Север (in
    the other line: Глеб). Not invited: Закат (its only lead is lost), Отказ (Борис
    unsubscribed)."""
    line = f.line(s, "Оборудование")
    other = f.line(s, "Сервис")
    rep = f.employee(s, line.line_id, full_name="Борис Орлов")
    head = f.employee(s, line.line_id, Role.head_of_sales, full_name="Ирина Главная")
    other_rep = f.employee(s, other.line_id, full_name="Олег Сервисный")
    persons, leads = {}, {}
    romashka = f.organisation(s, name="ООО «Ромашка»")
    persons["Иван"] = _contact(
        s, romashka.organisation_id, "Иван", "ivan@romashka.ru", is_primary_contact=True,
        gender=Gender.male,
    )  # fmt: skip
    persons["Пётр"] = _contact(s, romashka.organisation_id, "Пётр", "petr@romashka.ru")
    leads["Ромашка"] = f.lead(
        s, line.line_id, rep.employee_id, organisation_id=romashka.organisation_id
    ).lead_id
    vector = f.organisation(s, name="АО «Вектор»")
    persons["Кирилл"] = _contact(s, vector.organisation_id, "Кирилл", "kirill@vector.ru")
    persons["Ольга"] = _contact(s, vector.organisation_id, "Ольга", "olga@vector.ru")
    leads["Вектор"] = f.lead(
        s, line.line_id, rep.employee_id, organisation_id=vector.organisation_id
    ).lead_id
    anna = f.person(s, first_name="Анна", last_name="Смирнова", emails=["anna@example.ru"])
    persons["Анна"] = anna.person_id
    leads["Анна"] = f.lead(s, line.line_id, None, person_id=anna.person_id).lead_id
    sever = f.organisation(s, name="ООО «Север»")
    persons["Глеб"] = _contact(
        s, sever.organisation_id, "Глеб", "gleb@sever.ru", is_primary_contact=True
    )
    leads["Север"] = f.lead(
        s, other.line_id, other_rep.employee_id, organisation_id=sever.organisation_id
    ).lead_id
    zakat = f.organisation(s, name="ООО «Закат»")
    persons["Зоя"] = _contact(
        s, zakat.organisation_id, "Зоя", "zoya@zakat.ru", is_primary_contact=True
    )
    leads["Закат"] = f.lead(
        s, line.line_id, rep.employee_id, organisation_id=zakat.organisation_id,
        status=LeadStatus.lost, closed_at=datetime.now(UTC),
    ).lead_id  # fmt: skip
    otkaz = f.organisation(s, name="ООО «Отказ»")
    persons["Борис"] = _contact(
        s, otkaz.organisation_id, "Борис", "boris@otkaz.ru", is_primary_contact=True
    )
    leads["Отказ"] = f.lead(
        s, line.line_id, rep.employee_id, organisation_id=otkaz.organisation_id
    ).lead_id
    s.add(Suppression(email="boris@otkaz.ru", reason=SuppressionReason.unsubscribed))
    s.flush()
    return Base(line.name, other.name, rep.employee_id, head.email, persons, leads)


def invited(s: Session | sa.Connection, wave_id: int) -> dict[int, str]:
    """person_id -> token of the wave's invitations."""
    rows = s.execute(
        sa.select(SurveyInvitation.person_id, SurveyInvitation.token).where(
            SurveyInvitation.survey_wave_id == wave_id
        )
    )
    return dict(rows.tuples().all())
