"""Issues opened once: a newsletter's issue per rule time, a greeting once per occasion a year."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email.policy import default
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.campaigns import (
    Campaign,
    CampaignStatus,
    GreetingTrigger,
    MessageTemplate,
    ScheduleKind,
)
from models.lists import ContactList, ListKind, ListMember
from models.persons import Employment
from models.sql import query
from models.suppressions import Suppression, SuppressionReason
from models.useful_dates import ProfessionalHoliday, UsefulDate, UsefulDateKind
from tasks.campaign_issues import explicit_issue, has_more_issues, open_issue
from tasks.campaign_sending import claim_params
from tasks.campaign_templates import load_builtin
from tasks.campaigns import letter_maker
from tests import factories as f

MSK = ZoneInfo("Europe/Moscow")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=MSK)


def listed(session, *members) -> int:
    contact_list = ContactList(name=f"list {len(members)} {id(members)}", kind=ListKind.static)
    session.add(contact_list)
    session.flush()
    for m in members:
        is_org = hasattr(m, "organisation_id") and not hasattr(m, "person_id")
        session.add(
            ListMember(
                list_id=contact_list.list_id,
                organisation_id=m.organisation_id if is_org else None,
                person_id=None if is_org else m.person_id,
            )
        )
    session.flush()
    return contact_list.list_id


def campaign(session, list_id: int, **schedule) -> Campaign:
    template = MessageTemplate(
        name=f"t{list_id}", subject="Hi", body_html="<p>x</p>", body_text="x"
    )
    session.add(template)
    session.flush()
    found = Campaign(
        name=f"c{list_id}", template_id=template.template_id, list_id=list_id,
        status=CampaignStatus.running, send_at=LONG_AGO, **schedule,
    )  # fmt: skip
    session.add(found)
    session.flush()
    return found


def greeting(session, list_id: int, trigger: GreetingTrigger, **kw) -> Campaign:
    return campaign(
        session, list_id, schedule_kind=ScheduleKind.date_triggered, greeting=trigger, **kw
    )


def rows(session, campaign_id: int) -> list[tuple]:
    return session.execute(
        sa.text(
            "SELECT person_id, occurrence, occasion, status::text FROM campaign_sends"
            " WHERE campaign_id = :c ORDER BY person_id, occurrence"
        ),
        {"c": campaign_id},
    ).all()


def contact(session, org, name="Пётр", email=None):
    person = f.person(session, first_name=name, emails=[email or f"{org.name}{id(name)}@x.ru"])
    session.add(
        Employment(
            person_id=person.person_id, organisation_id=org.organisation_id,
            is_primary_contact=True,
        )
    )  # fmt: skip
    session.flush()
    return person


# --- Birthdays -------------------------------------------------------------------------------


def test_birthdays_are_greeted_once_a_year_however_often_the_day_is_opened(session):
    ivan = f.person(session, emails=["ivan@x.ru"], birth_date=date(1980, 11, 23))
    olga = f.person(session, emails=["olga@x.ru"], birth_date=date(1985, 11, 24))
    c = greeting(session, listed(session, ivan, olga), GreetingTrigger.birthday)
    conn = session.connection()

    first = open_issue(conn, c, noon(date(2026, 11, 23)))
    assert (first.issue.key, first.added, first.new) == ("2026-11-23", 1, True)
    again = open_issue(conn, c, noon(date(2026, 11, 23)).replace(hour=18))
    assert (again.added, again.new) == (0, False)
    # Even a day opened by hand a second time greets nobody twice that year.
    assert explicit_issue(conn, c, "2026-11-23").added == 0
    assert open_issue(conn, c, noon(date(2026, 11, 24))).added == 1
    assert open_issue(conn, c, noon(date(2027, 11, 23))).added == 1  # next year: again
    assert rows(session, c.campaign_id) == [
        (ivan.person_id, "2026", "день рождения", "pending"),
        (ivan.person_id, "2027", "день рождения", "pending"),
        (olga.person_id, "2026", "день рождения", "pending"),
    ]


def test_a_leap_day_birthday_is_greeted_on_28_february_of_a_common_year_only(session):
    leap = f.person(session, emails=["leap@x.ru"], birth_date=date(2000, 2, 29))
    c = greeting(session, listed(session, leap), GreetingTrigger.birthday)
    conn = session.connection()
    added = {
        day: explicit_issue(conn, c, day.isoformat()).added
        for day in (date(2027, 2, 28), date(2027, 3, 1), date(2028, 2, 28), date(2028, 2, 29))
    }
    assert added == {
        date(2027, 2, 28): 1,
        date(2027, 3, 1): 0,
        date(2028, 2, 28): 0,
        date(2028, 2, 29): 1,
    }


def test_the_day_is_the_campaigns_zone_day(session):
    ivan = f.person(session, emails=["ivan@x.ru"], birth_date=date(1980, 11, 23))
    c = greeting(session, listed(session, ivan), GreetingTrigger.birthday)
    late_on_22nd_utc = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # 01:30 on the 23rd in Moscow
    assert open_issue(session.connection(), c, late_on_22nd_utc).issue.key == "2026-11-23"


def test_suppressed_and_addressless_people_are_recorded_as_skipped(session):
    gone = f.person(session, emails=["gone@x.ru"], birth_date=date(1980, 11, 23))
    mute = f.person(session, emails=[], birth_date=date(1981, 11, 23))
    session.add(Suppression(email="gone@x.ru", reason=SuppressionReason.unsubscribed))
    session.flush()
    c = greeting(session, listed(session, gone, mute), GreetingTrigger.birthday)
    open_issue(session.connection(), c, noon(date(2026, 11, 23)))
    assert [r.status for r in rows(session, c.campaign_id)] == ["skipped", "skipped"]


# --- Family dates, anniversaries, holidays ---------------------------------------------------


def test_each_family_date_is_its_own_occasion(session):
    anna = f.person(session, emails=["anna@x.ru"])
    for title in ("Годовщина свадьбы", "День рождения сына"):
        session.add(
            UsefulDate(
                kind=UsefulDateKind.family_date, person_id=anna.person_id, title=title,
                month=5, day=17,
            )
        )  # fmt: skip
    session.flush()
    c = greeting(session, listed(session, anna), GreetingTrigger.family_date)
    assert open_issue(session.connection(), c, noon(date(2027, 5, 17))).added == 2
    occasions = sorted(r.occasion for r in rows(session, c.campaign_id))
    assert occasions == ["Годовщина свадьбы", "День рождения сына"]


def test_a_company_anniversary_greets_its_contact_with_the_years(session):
    vector = f.organisation(session, name="vector", founded_date=date(2016, 11, 23))
    young = f.organisation(session, name="young", founded_date=date(2026, 11, 23))
    petr, pavel = contact(session, vector), contact(session, young, "Павел")
    c = greeting(session, listed(session, vector, young), GreetingTrigger.company_anniversary)
    assert open_issue(session.connection(), c, noon(date(2026, 11, 23))).added == 1
    assert rows(session, c.campaign_id) == [
        (petr.person_id, f"2026:o{vector.organisation_id}", "10 лет со дня основания", "pending")
    ]
    assert pavel.person_id not in {r.person_id for r in rows(session, c.campaign_id)}


def test_a_holiday_greets_its_industry_and_a_general_holiday_everyone(session):
    power = f.organisation(session, name="power", industry="Энергетика")
    shop = f.organisation(session, name="shop", industry="Розничная торговля")
    petr, ivan = contact(session, power), contact(session, shop, "Иван")
    energy = ProfessionalHoliday(name="День энергетика", industry="Энергетика", month=12, day=22)
    session.add_all(
        [energy, ProfessionalHoliday(name="День бухгалтера", industry=None, month=11, day=21)]
    )
    session.flush()
    c = greeting(session, listed(session, power, shop), GreetingTrigger.professional_holiday)
    conn = session.connection()
    assert open_issue(conn, c, noon(date(2026, 12, 22))).added == 1
    assert open_issue(conn, c, noon(date(2026, 11, 21))).added == 2
    got = {(r.person_id, r.occasion) for r in rows(session, c.campaign_id)}
    assert got == {
        (petr.person_id, "День энергетика"),
        (petr.person_id, "День бухгалтера"),
        (ivan.person_id, "День бухгалтера"),
    }
    only = greeting(
        session, listed(session, shop), GreetingTrigger.professional_holiday,
        holiday_id=energy.holiday_id,
    )  # fmt: skip
    assert open_issue(conn, only, noon(date(2026, 11, 21))).added == 0


# --- Recurring -------------------------------------------------------------------------------


def test_each_issue_of_a_newsletter_reaches_the_list_as_it_is_then(session):
    ivan = f.person(session, emails=["ivan@x.ru"])
    list_id = listed(session, ivan)
    c = campaign(
        session, list_id, schedule_kind=ScheduleKind.recurring, recurrence="0 9 * * 1",
        time_zone="Europe/Moscow",
    )  # fmt: skip
    conn = session.connection()
    monday = open_issue(conn, c, datetime(2026, 11, 23, 10, tzinfo=MSK))
    assert (monday.issue.key, monday.added) == ("2026-11-23T09:00", 1)
    olga = f.person(session, emails=["olga@x.ru"])
    session.add(ListMember(list_id=list_id, person_id=olga.person_id))
    session.flush()
    # Later that week the issue is not refilled: Olga joined after it went.
    assert open_issue(conn, c, datetime(2026, 11, 26, 10, tzinfo=MSK)).new is False
    assert open_issue(conn, c, datetime(2026, 11, 30, 9, 1, tzinfo=MSK)).added == 2
    assert [(r.person_id, r.occurrence) for r in rows(session, c.campaign_id)] == [
        (ivan.person_id, "2026-11-23T09:00"),
        (ivan.person_id, "2026-11-30T09:00"),
        (olga.person_id, "2026-11-30T09:00"),
    ]
    assert has_more_issues(c, datetime(2026, 12, 1, tzinfo=MSK))


def test_nothing_is_opened_before_the_first_issue(session):
    ivan = f.person(session, emails=["ivan@x.ru"])
    c = campaign(
        session, listed(session, ivan), schedule_kind=ScheduleKind.recurring,
        recurrence="0 9 * * 1",
    )  # fmt: skip
    c.send_at = datetime(2026, 11, 24, tzinfo=MSK)
    assert open_issue(session.connection(), c, datetime(2026, 11, 23, 12, tzinfo=MSK)) is None
    assert rows(session, c.campaign_id) == []


def test_the_holidays_name_reaches_the_letter(session):
    power = f.organisation(session, name="power", industry="Энергетика")
    contact(session, power)
    session.add(ProfessionalHoliday(name="День энергетика", industry=None, month=12, day=22))
    session.add(MessageTemplate(name="holiday", **dict(zip(
        ("subject", "body_html", "body_text"), load_builtin("holiday"), strict=True
    ))))  # fmt: skip
    session.flush()
    c = greeting(session, listed(session, power), GreetingTrigger.professional_holiday)
    c.template_id = session.scalar(
        sa.select(MessageTemplate.template_id).where(MessageTemplate.name == "holiday")
    )
    open_issue(session.connection(), c, noon(date(2026, 12, 22)))
    params = claim_params(c.campaign_id, 5, "t", None)
    [row] = session.execute(query("campaign_sending", "claim"), params).all()
    letter = email.message_from_bytes(letter_maker(session, c)(row).raw, policy=default)
    assert letter["Subject"] == "Поздравляем с праздником: День энергетика"
    assert "с праздником — День энергетика!" in letter.get_body(("plain",)).get_content()
