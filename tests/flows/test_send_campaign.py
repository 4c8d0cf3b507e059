"""`send-campaign` as real Prefect flow runs, to the local capture server."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from flows.dispatch_due_campaigns import dispatch_due_campaigns
from flows.send_campaign import send_campaign
from models.campaigns import Campaign, CampaignIssue, CampaignStatus, GreetingTrigger
from models.lists import ContactList, ListKind, ListMember
from models.persons import Employment, Gender, Person
from models.settings import get_settings
from tasks.campaign_templates import load_builtin
from tasks.campaigns import Schedule, add_template, create_campaign
from tasks.unsubscribe import unsubscribe
from tests import factories as f

pytestmark = pytest.mark.usefixtures("prefect_harness")
MSK = ZoneInfo("Europe/Moscow")


def captured() -> dict[str, email.message.EmailMessage]:
    out = {}
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        address = message["To"].addresses[0].addr_spec
        assert address not in out, f"a second letter to {address}"
        out[address] = message
    return out


@pytest.fixture
def audience(committed) -> dict:
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        eml.unlink()
    with Session(committed) as s, s.begin():
        line = f.line(s, "Опт")
        rep = f.employee(s, line.line_id, full_name="Борис Орлов")
        anna = f.person(
            s, first_name="Анна", middle_name="Сергеевна", last_name="Смирнова",
            gender=Gender.female, emails=["anna@example.ru"],
        )  # fmt: skip
        ivan = f.person(
            s, first_name="Иван", middle_name="Петрович", last_name="Петров", gender=Gender.male
        )
        org = f.organisation(s, name="ООО «Ромашка»", city="Москва")
        s.add(
            Employment(
                person_id=ivan.person_id, organisation_id=org.organisation_id,
                work_email="ivan@romashka.ru", is_primary_contact=True,
            )
        )  # fmt: skip
        f.lead(s, line.line_id, rep.employee_id, organisation_id=org.organisation_id)
        contact_list = ContactList(name="Клиенты", kind=ListKind.static)
        s.add(contact_list)
        s.flush()
        s.add_all(
            [
                ListMember(list_id=contact_list.list_id, person_id=anna.person_id),
                ListMember(list_id=contact_list.list_id, organisation_id=org.organisation_id),
            ]
        )
        add_template(s, "newsletter", *load_builtin("newsletter"))
        campaign_id = create_campaign(s, name="Май", template="newsletter", list_name="Клиенты")
    return {"campaign_id": campaign_id}


def test_every_recipient_gets_one_personal_letter_and_a_rerun_sends_nothing(committed, audience):
    summary = send_campaign(audience["campaign_id"])
    assert (summary.sent, summary.status) == (2, "finished")
    letters = captured()
    assert sorted(letters) == ["anna@example.ru", "ivan@romashka.ru"]
    assert (
        "Уважаемая Анна Сергеевна" in letters["anna@example.ru"].get_body(("plain",)).get_content()
    )
    ivan = letters["ivan@romashka.ru"]
    assert "Уважаемый Иван Петрович" in ivan.get_body(("plain",)).get_content()
    assert "Борис Орлов" in ivan.get_body(("plain",)).get_content()  # the owner rep signs
    assert ivan["List-Unsubscribe"].startswith("<http") and "/u/" in ivan["List-Unsubscribe"]
    assert ivan["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ivan["Message-ID"].startswith(f"<campaign-{audience['campaign_id']}.")

    again = send_campaign(audience["campaign_id"])
    assert again.sent == 0 and len(captured()) == 2


def test_an_unsubscribed_person_gets_nothing_from_the_next_campaign(committed, audience):
    send_campaign(audience["campaign_id"])
    with Session(committed) as s, s.begin():
        token = s.scalar(
            sa.text("SELECT unsubscribe_token FROM campaign_sends WHERE email = 'ivan@romashka.ru'")
        )
        assert unsubscribe(s, token) is not None
        june = create_campaign(s, name="Июнь", template="newsletter", list_name="Клиенты")
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        eml.unlink()
    summary = send_campaign(june)
    assert summary.sent == 1 and sorted(captured()) == ["anna@example.ru"]
    assert summary.counts == {"sent": 1, "skipped": 1}


def test_dispatch_starts_a_campaign_whose_time_has_come(committed, audience):
    with Session(committed) as s, s.begin():
        campaign = s.get(Campaign, audience["campaign_id"])
        campaign.status, campaign.send_at = CampaignStatus.scheduled, sa.func.now()
    assert dispatch_due_campaigns() == [audience["campaign_id"]]
    assert len(captured()) == 2
    assert dispatch_due_campaigns() == []


def _clear_capture() -> None:
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        eml.unlink()


def test_a_recurring_newsletter_sends_each_issue_once_however_often_dispatch_runs(
    committed, audience
):
    hour_ago = datetime.now(MSK).replace(second=0, microsecond=0) - timedelta(hours=1)
    daily = f"{hour_ago.minute} {hour_ago.hour} * * *"  # its latest issue: an hour ago
    with Session(committed) as s, s.begin():
        add_template(s, "daily", *load_builtin("newsletter"))
        plan = Schedule(recurrence=daily, send_at=hour_ago - timedelta(minutes=1))
        newsletter = create_campaign(
            s, name="Ежедневно", template="daily", list_name="Клиенты", schedule=plan
        )
    _clear_capture()
    assert newsletter in dispatch_due_campaigns()
    assert sorted(captured()) == ["anna@example.ru", "ivan@romashka.ru"]
    assert newsletter not in dispatch_due_campaigns()  # that issue went; the next is tomorrow
    assert len(captured()) == 2
    with Session(committed) as s:
        assert s.get(Campaign, newsletter).status == CampaignStatus.running  # awaits the next
        issues = sa.select(CampaignIssue.issue).where(CampaignIssue.campaign_id == newsletter)
        assert s.scalars(issues).all() == [f"{hour_ago:%Y-%m-%dT%H:%M}"]


def test_a_birthday_greeting_goes_once_however_often_dispatch_runs(committed, audience):
    today = datetime.now(MSK).date()
    with Session(committed) as s, s.begin():
        born = sa.update(Person).where(Person.first_name == "Иван")
        s.execute(born.values(birth_date=date(1980, today.month, today.day)))
        add_template(s, "birthday", *load_builtin("birthday"))
        greetings = create_campaign(
            s, name="Дни рождения", template="birthday", list_name="Клиенты",
            schedule=Schedule(greeting=GreetingTrigger.birthday),
        )  # fmt: skip
    _clear_capture()
    for _ in range(3):
        dispatch_due_campaigns()
    assert sorted(captured()) == ["ivan@romashka.ru"]
    text = captured()["ivan@romashka.ru"].get_body(("plain",)).get_content()
    assert "Уважаемый Иван Петрович" in text and "с днём рождения" in text
    with Session(committed) as s:
        assert s.get(Campaign, greetings).status == CampaignStatus.running  # greets every day


def test_an_audience_mostly_without_addresses_stops_before_any_letter(committed, audience):
    with Session(committed) as s, s.begin():
        list_id = s.scalar(sa.select(ContactList.list_id).where(ContactList.name == "Клиенты"))
        for n in range(4):
            person = f.person(s, first_name=f"Безадресный{n}", emails=[])
            s.add(ListMember(list_id=list_id, person_id=person.person_id))
    _clear_capture()
    with pytest.raises(Exception, match="stopped before sending: 4 of 6 recipients"):
        send_campaign(audience["campaign_id"])
    assert captured() == {}
    with Session(committed) as s:
        campaign = s.get(Campaign, audience["campaign_id"])
        assert campaign.status == CampaignStatus.paused
        assert campaign.status_reason.startswith("the audience failed its check: 4 of 6")
