"""Paper mail on a real PostgreSQL: one PDF of personal letters per run, each person once."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.campaigns import Campaign, Channel, MessageTemplate
from models.errors import CrmError
from models.lists import ContactList, ListKind, ListMember
from models.persons import Employment, Gender
from models.settings import get_settings
from models.suppressions import Suppression, SuppressionReason
from tasks import campaign_paper
from tasks.campaign_paper import file_name, print_issue
from tasks.campaign_templates import TemplateError, load_builtin
from tasks.unsubscribe import recipient_for, unsubscribe, unsubscribe_url
from tests import factories as f
from tests.pdf_text import pdf_pages

IVAN = "Уважаемый Иван Петрович"
MARIA = "Уважаемая Мария Ивановна"
PAVEL = "Уважаемый Павел Андреевич"  # his e-mail bounced: a letter by post still goes


@dataclass
class Audience:
    line_id: int
    list_id: int
    people: dict[str, int]


def _member(s, contact_list, person=None, org=None) -> None:
    s.add(
        ListMember(
            list_id=contact_list.list_id,
            person_id=person.person_id if person else None,
            organisation_id=org.organisation_id if org else None,
        )
    )


def _contact(s, org, **names):
    person = f.person(s, **names)
    s.add(
        Employment(
            person_id=person.person_id, organisation_id=org.organisation_id,
            is_primary_contact=True,
        )
    )  # fmt: skip
    return person


def _individual(s, contact_list, line_id: int, **kw):
    address = {"address": "ул. Ленина, д. 1, кв. 5", "city": "Самара", "postcode": "443001"}
    person = f.person(s, **(address | kw))
    _member(s, contact_list, person=person)
    f.lead(s, line_id, person_id=person.person_id)
    return person


def audience(engine) -> Audience:
    """A list with one of each: printed, and skipped for every reason there is."""
    with Session(engine) as s, s.begin():
        line = f.line(s)
        rep = f.employee(s, line.line_id, full_name="Ольга Смирнова")
        contact_list = ContactList(name=f"paper {time.monotonic_ns()}", kind=ListKind.static)
        s.add(contact_list)
        s.flush()
        romashka = f.organisation(
            s, name="ООО «Ромашка»", legal_form="ООО", city="Казань",
            address="ул. Баумана, д. 5, офис 12", postcode="420111",
        )  # fmt: skip
        ivan = _contact(
            s, romashka, first_name="Иван", middle_name="Петрович", last_name="Петров",
            gender=Gender.male,
        )  # fmt: skip
        _member(s, contact_list, org=romashka)
        f.lead(s, line.line_id, rep.employee_id, organisation_id=romashka.organisation_id)
        nowhere = f.organisation(s, name="ООО «Без адреса»", city="Казань")
        # Her home address does not make a business letter deliverable at work.
        nina = _contact(
            s, nowhere, first_name="Нина", last_name="Орлова", address="ул. Мира, 3",
            postcode="420000",
        )  # fmt: skip
        _member(s, contact_list, org=nowhere)
        f.lead(s, line.line_id, organisation_id=nowhere.organisation_id)
        stopped_org = f.organisation(
            s, name="ООО «Стоп»", address="ул. Кирова, 9", postcode="420001"
        )
        olga = _contact(s, stopped_org, first_name="Ольга", last_name="Стопова")
        _member(s, contact_list, org=stopped_org)
        f.lead(s, line.line_id, organisation_id=stopped_org.organisation_id)
        s.flush()
        people = {
            "ivan": ivan,
            "nina": nina,
            "olga": olga,
            "maria": _individual(
                s,
                contact_list,
                line.line_id,
                first_name="Мария",
                middle_name="Ивановна",
                last_name="Соколова",
                gender=Gender.female,
            ),
            "pavel": _individual(
                s,
                contact_list,
                line.line_id,
                first_name="Павел",
                middle_name="Андреевич",
                last_name="Волков",
                emails=["pavel@example.ru"],
            ),
            "homeless": _individual(
                s, contact_list, line.line_id, first_name="Олег", last_name="Кузнецов", address=None
            ),
            "stopped": _individual(
                s, contact_list, line.line_id, first_name="Семён", last_name="Стоп"
            ),
        }
        outsider = f.person(s, first_name="Пётр", last_name="Чужой", address="ул. 1", postcode="1")
        _member(s, contact_list, person=outsider)
        people["outsider"] = outsider
        s.add_all(
            [
                Suppression(
                    organisation_id=stopped_org.organisation_id,
                    reason=SuppressionReason.do_not_contact,
                ),
                Suppression(
                    person_id=people["stopped"].person_id, reason=SuppressionReason.do_not_contact
                ),
                Suppression(
                    email="pavel@example.ru",
                    person_id=people["pavel"].person_id,
                    reason=SuppressionReason.bounced,
                ),  # fmt: skip
            ]
        )
        s.flush()
        return Audience(
            line.line_id, contact_list.list_id, {k: p.person_id for k, p in people.items()}
        )


def paper_campaign(engine, who: Audience, text: str | None = None) -> int:
    subject, html, builtin_text = load_builtin("newsletter")
    with Session(engine) as s, s.begin():
        n = time.monotonic_ns()
        template = MessageTemplate(
            name=f"paper {n}", subject=subject, body_html=html, body_text=text or builtin_text
        )
        s.add(template)
        s.flush()
        campaign = Campaign(
            name=f"Письмо {n}", template_id=template.template_id, list_id=who.list_id,
            line_id=who.line_id, channel=Channel.paper,
        )  # fmt: skip
        s.add(campaign)
        s.flush()
        return campaign.campaign_id


def ledger(engine, campaign_id: int) -> dict[int, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT person_id, email, status::text, last_error, sent_at, unsubscribe_token"
                " FROM campaign_sends WHERE campaign_id = :c"
            ),
            {"c": campaign_id},
        )
        return {row[0]: row[1:] for row in rows}


def name_of(engine, campaign_id: int) -> str:
    with Session(engine) as s:
        return s.get(Campaign, campaign_id).name


def page_of(pages: list[str], greeting: str) -> str:
    [page] = [p for p in pages if greeting in p]
    return page


def test_each_letter_is_a_personal_page_with_postal_block_and_footer(committed, monkeypatch):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who)
    monkeypatch.setattr(campaign_paper, "BATCH", 2)  # the rows come in more than one fetch

    result = print_issue(committed, campaign_id)

    assert result.path == get_settings().crm_data_dir / "paper" / f"campaign-{campaign_id}.pdf"
    assert (result.printed, result.failed) == (3, 0)
    pages = pdf_pages(result.path)
    assert len(pages) == 3
    rows = ledger(committed, campaign_id)
    ivan = page_of(pages, IVAN)
    for line in ("Петров Иван Петрович", "ООО «Ромашка»", "ул. Баумана, д. 5, офис 12", "420111"):
        assert line in ivan.splitlines()
    assert "Ольга Смирнова" in ivan  # the signature of the rep who owns the lead
    maria = page_of(pages, MARIA)
    for line in ("Соколова Мария Ивановна", "ул. Ленина, д. 1, кв. 5", "Самара", "443001"):
        assert line in maria.splitlines()
    assert "ООО" not in maria
    for name, page in (("ivan", ivan), ("maria", maria), ("pavel", page_of(pages, PAVEL))):
        email, status, _, sent_at, token = rows[who.people[name]]
        assert (email, status) == (None, "sent") and sent_at is not None
        assert "crm@example.com" in page and "Отписаться от рассылки:" in page
        assert unsubscribe_url(token) in page.splitlines()
        lines = page.splitlines()
        subject = lines.index(f"{name_of(committed, campaign_id)} — новости CRM")
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", lines[subject - 1])  # the date above it


def test_no_postal_address_suppressed_or_outside_the_line_are_skipped_with_why(committed, tmp_path):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who)

    result = print_issue(committed, campaign_id, out_dir=tmp_path)

    rows = ledger(committed, campaign_id)
    why = {name: rows[pid][1:3] for name, pid in who.people.items()}
    assert why == {
        "ivan": ("sent", None),
        "maria": ("sent", None),
        "pavel": ("sent", None),
        "nina": ("skipped", "no postal address"),
        "homeless": ("skipped", "no postal address"),
        "olga": ("skipped", "suppressed: do_not_contact"),
        "stopped": ("skipped", "suppressed: do_not_contact"),
        "outsider": ("skipped", "not a client of the campaign's line"),
    }
    assert result.skipped == {
        "no postal address": 2,
        "suppressed: do_not_contact": 2,
        "not a client of the campaign's line": 1,
    }
    text = "\n".join(pdf_pages(result.path))
    assert "Нина" not in text and "Олег" not in text and "Семён" not in text


def test_a_rerun_prints_nobody_twice_and_newcomers_go_to_a_file_of_their_own(committed, tmp_path):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who)
    first = print_issue(committed, campaign_id, out_dir=tmp_path)
    printed = first.path.read_bytes()

    again = print_issue(committed, campaign_id, out_dir=tmp_path)

    assert (again.printed, again.added, again.path) == (0, 0, first.path)
    assert first.path.read_bytes() == printed
    with Session(committed) as s, s.begin():
        contact_list = s.get(ContactList, who.list_id)
        _individual(s, contact_list, who.line_id, first_name="Анна", last_name="Новикова")
    later = print_issue(committed, campaign_id, out_dir=tmp_path)
    assert (later.printed, later.added) == (1, 1)
    assert later.path == tmp_path / f"campaign-{campaign_id}-part2.pdf"
    [page] = pdf_pages(later.path)
    assert "Здравствуйте, Анна" in page or "Уважаемая Анна" in page
    assert first.path.read_bytes() == printed


def _dying_after_the_file(monkeypatch) -> None:
    def die(conn, outcomes):
        raise RuntimeError("killed between the file and the marks")

    monkeypatch.setattr(campaign_paper, "record_printed", die)


def test_a_run_that_dies_before_marking_is_repeated_into_the_same_file(
    committed, tmp_path, monkeypatch
):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who)
    with monkeypatch.context() as patch:
        _dying_after_the_file(patch)
        with pytest.raises(RuntimeError):
            print_issue(committed, campaign_id, out_dir=tmp_path)
    path = tmp_path / f"campaign-{campaign_id}.pdf"
    assert len(pdf_pages(path)) == 3
    statuses = [status for _, status, *_ in ledger(committed, campaign_id).values()]
    assert statuses.count("pending") == 3 and "sent" not in statuses

    result = print_issue(committed, campaign_id, out_dir=tmp_path)

    assert (result.path, result.printed, result.added) == (path, 3, 0)
    pages = pdf_pages(path)
    assert len(pages) == 3 and all(page_of(pages, g) for g in (IVAN, MARIA, PAVEL))
    assert list(tmp_path.iterdir()) == [path]  # no second file, no temporary left over


def test_a_suppression_made_before_printing_still_stops_the_letter(
    committed, tmp_path, monkeypatch
):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who)
    with monkeypatch.context() as patch:
        _dying_after_the_file(patch)
        with pytest.raises(RuntimeError):
            print_issue(committed, campaign_id, out_dir=tmp_path)
    with Session(committed) as s, s.begin():
        s.add(Suppression(person_id=who.people["maria"], reason=SuppressionReason.unsubscribed))

    result = print_issue(committed, campaign_id, out_dir=tmp_path)

    assert result.printed == 2
    assert MARIA not in "\n".join(pdf_pages(result.path))
    maria = ledger(committed, campaign_id)[who.people["maria"]]
    assert maria[1:3] == ("skipped", "suppressed before printing: unsubscribed")


def test_the_printed_link_unsubscribes_its_reader_from_later_paper_letters(committed, tmp_path):
    who = audience(committed)
    first = paper_campaign(committed, who)
    print_issue(committed, first, out_dir=tmp_path)
    rows = ledger(committed, first)
    token = rows[who.people["maria"]][4]
    skipped_token = rows[who.people["homeless"]][4]  # never printed: its link is unknown

    with Session(committed) as s, s.begin():
        assert recipient_for(s, token) == "М*** С***"
        assert recipient_for(s, skipped_token) is None
        assert unsubscribe(s, token).is_already_unsubscribed is False
        assert unsubscribe(s, token).is_already_unsubscribed is True
        [row] = s.scalars(
            sa.select(Suppression).where(Suppression.person_id == who.people["maria"])
        ).all()
        assert (row.email, row.reason) == (None, SuppressionReason.unsubscribed)
        assert row.source == f"campaign {first}"

    later = paper_campaign(committed, who)
    result = print_issue(committed, later, out_dir=tmp_path)

    assert result.printed == 2
    assert MARIA not in "\n".join(pdf_pages(result.path))
    assert ledger(committed, later)[who.people["maria"]][1:3] == (
        "skipped",
        "suppressed: unsubscribed",
    )


def test_a_template_syntax_error_is_one_clear_error_before_anything_is_written(committed, tmp_path):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who, text="{{ greeting },\n\nТекст")

    with pytest.raises(TemplateError, match="text line 1"):
        print_issue(committed, campaign_id, out_dir=tmp_path)

    assert ledger(committed, campaign_id) == {}
    assert list(tmp_path.iterdir()) == []


def test_an_email_campaign_is_not_printed(committed, tmp_path):
    who = audience(committed)
    campaign_id = paper_campaign(committed, who)
    with Session(committed) as s, s.begin():
        s.get(Campaign, campaign_id).channel = Channel.email

    with pytest.raises(CrmError, match="goes by email, not on paper"):
        print_issue(committed, campaign_id, out_dir=tmp_path)

    assert ledger(committed, campaign_id) == {}


def test_file_names_keep_the_issue_inside_the_folder():
    assert file_name(7, "", 1) == "campaign-7.pdf"
    assert file_name(7, "2026-12", 1) == "campaign-7-2026-12.pdf"
    assert file_name(7, "../x y", 3) == "campaign-7-.._x_y-part3.pdf"
