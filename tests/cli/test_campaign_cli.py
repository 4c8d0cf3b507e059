"""`crm template ...` and `crm campaign ...` as a marketer runs them, on a real base and mailbox."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import prefect.main  # noqa: F401 (configures Prefect's logging now, not inside a test's capture)
import pytest
import sqlalchemy as sa
from prefect.logging.handlers import PrefectConsoleHandler
from sqlalchemy.orm import Session

from cli.main import main
from models.campaigns import MessageTemplate
from models.lists import ContactList, ListKind, ListMember
from models.persons import Employment, Gender, Person
from models.settings import get_settings
from models.suppressions import Suppression, SuppressionReason
from tests import factories as f

GOOD = """Subject: Новости для {{ person.first_name }}
<p>{{ greeting }},</p>
<p>Новости {{ sender.name }}.</p>
---- text ----
{{ greeting }},

Новости {{ sender.name }} для {{ organisation.name if organisation else person.full_name }}.
{{ rep.signature }}
"""
# Line 3 of the file is the html part's second line; the text part names an unknown variable.
BROKEN = """Subject: Новости
<p>{{ greeting }},</p>
<p>{{ sender.name }</p>
---- text ----
{{ greeting }}, скидка {{ discount }}
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@contextmanager
def prefect_console_here() -> Iterator[None]:
    """Prefect's console handler writes to the stderr it was configured with (this module's
    import, below); during a command it writes to the test's captured stderr, to be checked."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    saved = [(handler, handler.stream) for handler in handlers]
    for handler, _ in saved:
        handler.setStream(sys.stderr)
        handler.console.file = sys.stderr
    try:
        yield
    finally:
        for handler, stream in saved:
            handler.setStream(stream)
            handler.console.file = stream


@pytest.fixture
def crm(monkeypatch, capsys, database_url) -> Callable[..., Ran]:
    """`crm ARGS` through the real entry point, in this process (a flow run uses the harness)."""
    home = os.environ.get("PREFECT_HOME") or str(get_settings().crm_data_dir / "prefect")
    monkeypatch.setenv("PREFECT_HOME", home)  # main() sets both unless set: undone after the test
    analytics = os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", analytics)

    def run(*args: str) -> Ran:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["crm", *args])
        with prefect_console_here(), pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        return Ran(exited.value.code, captured.out, captured.err)

    return run


def ok(ran: Ran) -> str:
    assert ran.code == 0, (ran.out, ran.err)
    return ran.out


def error_lines(ran: Ran) -> list[str]:
    assert ran.code == 1, (ran.out, ran.err)
    assert "Traceback" not in ran.err
    lines = ran.err.strip().splitlines()
    assert lines and all(line.startswith("crm: error: ") for line in lines), ran.err
    return [line.removeprefix("crm: error: ") for line in lines]


def one_error(ran: Ran) -> str:
    [message] = error_lines(ran)
    return message


def flow_error(ran: Ran) -> str:
    """A flow run that failed: Prefect may log its own lines; ours is the one `crm: error:`."""
    assert ran.code == 1, (ran.out, ran.err)
    assert "Traceback" not in ran.err, ran.err
    lines = ran.err.strip().splitlines()
    assert [line for line in lines if line.startswith("crm: error: ")] == lines[-1:], ran.err
    return lines[-1].removeprefix("crm: error: ")


def sql(engine, statement: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(statement), params).all()


@pytest.fixture
def base(committed) -> dict:
    """The «Осень» list of the Опт line: two who get letters, three excluded for three reasons."""
    with Session(committed) as s, s.begin():
        line = f.line(s, "Опт")
        anna = f.employee(s, line.line_id, full_name="Анна Смирнова")
        romashka = f.organisation(s, name="ООО «Ромашка»", city="Москва")
        ivan = f.person(
            s, first_name="Иван", middle_name="Петрович", last_name="Петров", gender=Gender.male
        )
        s.add(
            Employment(
                person_id=ivan.person_id, organisation_id=romashka.organisation_id,
                work_email="ivan@romashka.ru", is_primary_contact=True,
            )
        )  # fmt: skip
        people = {
            "maria": f.person(
                s, first_name="Мария", middle_name="Ивановна", last_name="Сидорова",
                emails=["maria@example.com"],
            ),
            "no_mail": f.person(s, first_name="Пётр", last_name="Безадресов"),
            "stopped": f.person(s, first_name="Олег", last_name="Отписался", emails=["o@x.ru"]),
            "outsider": f.person(s, first_name="Нина", last_name="Чужая", emails=["nina@x.ru"]),
        }  # fmt: skip
        f.lead(s, line.line_id, anna.employee_id, organisation_id=romashka.organisation_id)
        for key in ("maria", "no_mail", "stopped"):
            f.lead(s, line.line_id, anna.employee_id, person_id=people[key].person_id)
        s.add(Suppression(email="o@x.ru", reason=SuppressionReason.unsubscribed))
        autumn = ContactList(name="Осень", kind=ListKind.static)
        nobody = ContactList(name="Без адресов", kind=ListKind.static)
        s.add_all([autumn, nobody])
        s.flush()
        s.add(ListMember(list_id=autumn.list_id, organisation_id=romashka.organisation_id))
        s.add_all(
            ListMember(list_id=autumn.list_id, person_id=p.person_id) for p in people.values()
        )
        s.add(ListMember(list_id=nobody.list_id, person_id=people["no_mail"].person_id))
        return {"ivan": ivan.person_id} | {k: p.person_id for k, p in people.items()}


@pytest.fixture
def template_file(tmp_path) -> Path:
    path = tmp_path / "autumn.html"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def campaign(base, crm, template_file) -> Callable[..., int]:
    """Creates a campaign of the «Осень» template through the CLI; returns its id."""
    ok(crm("template", "add", str(template_file), "--name", "autumn"))

    def create(*options: str, name: str = "Осенние новости", list_name: str = "Осень") -> int:
        out = ok(crm("campaign", "create", "--name", name, "--template", "autumn",
                     "--list", list_name, "--line", "Опт", *options))  # fmt: skip
        return int(re.match(r"campaign (\d+) ", out)[1])

    return create


def received(mailbox: Path) -> dict[str, email.message.EmailMessage]:
    letters = {}
    for eml in mailbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        letters[message["To"].addresses[0].addr_spec] = message
    return letters


def ledger(engine, campaign_id: int) -> list[tuple]:
    return sql(
        engine,
        "SELECT status::text, count(*) FROM campaign_sends WHERE campaign_id = :c"
        " GROUP BY 1 ORDER BY 1",
        c=campaign_id,
    )


# --- Templates -------------------------------------------------------------------------------


def test_template_check_and_add(committed, crm, template_file, tmp_path):
    assert ok(crm("template", "check", str(template_file))) == "ok\n"

    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN, encoding="utf-8")
    syntax, unknown = error_lines(crm("template", "check", str(broken)))
    assert syntax.startswith(f"{broken}:3: html: unexpected '}}'"), syntax
    assert unknown == f"{broken}: text: unknown variable 'discount'"
    assert len(error_lines(crm("template", "add", str(broken)))) == 2

    no_separator = tmp_path / "plain.html"
    no_separator.write_text("Subject: Hi\n<p>Hi</p>\n", encoding="utf-8")
    assert one_error(crm("template", "check", str(no_separator))) == (
        f"{no_separator}: expected one line '---- text ----' between the HTML and the text "
        "part, found 0"
    )
    assert one_error(crm("template", "add")) == "give either a template FILE or --builtin NAME"
    assert one_error(crm("template", "add", "--builtin", "easter")).startswith(
        "No built-in template 'easter'; known: newsletter, birthday, holiday"
    )
    assert sql(committed, "SELECT name FROM message_templates") == []

    assert ok(crm("template", "add", str(template_file))) == "template 1 'autumn' added\n"
    assert ok(crm("template", "add", str(template_file))) == "template 1 'autumn' replaced\n"
    assert ok(crm("template", "add", "--builtin", "newsletter")) == (
        "template 2 'newsletter' added\n"
    )
    with Session(committed) as s:
        stored = {t.name: t for t in s.scalars(sa.select(MessageTemplate))}
    assert stored["autumn"].subject == "Новости для {{ person.first_name }}"
    assert stored["autumn"].body_html == "<p>{{ greeting }},</p>\n<p>Новости {{ sender.name }}.</p>"
    assert stored["autumn"].body_text.endswith("{{ rep.signature }}")
    assert stored["newsletter"].is_builtin and not stored["autumn"].is_builtin


# --- Creating, the audience and previews: nothing written ------------------------------------


def test_create_then_the_audience_with_reasons_and_nothing_written(committed, crm, campaign):
    campaign_id = campaign("--send-at", "2026-12-01 10:00", "--tz", "Europe/Moscow")
    with committed.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT status::text, send_at, time_zone FROM campaigns")
        ).one()
    assert stored == ("scheduled", datetime(2026, 12, 1, 7, 0, tzinfo=UTC), "Europe/Moscow")

    out = ok(crm("campaign", "audience", str(campaign_id)))
    lines = out.splitlines()
    assert lines[0] == "2 get it, 3 excluded (as of now; nothing written)"
    counts = {tuple(line.split(maxsplit=1)) for line in lines[1:5]}
    assert counts == {
        ("2", "pending"),
        ("1", "skipped: no e-mail address"),
        ("1", "skipped: not a client of the campaign's line"),
        ("1", "skipped: suppressed: unsubscribed, bounced or do-not-contact"),
    }
    assert lines[5] == "first 5:"
    assert "Петров Иван Петрович" in lines[6] and "ivan@romashka.ru  pending" in lines[6]
    assert "maria@example.com  pending" in lines[7]
    assert "Безадресов Пётр" in out and "-  skipped: no e-mail address" in out
    assert len(ok(crm("campaign", "audience", str(campaign_id), "-n", "1")).splitlines()) == 7

    assert ledger(committed, campaign_id) == []
    shown = ok(crm("campaign", "show", str(campaign_id)))
    assert "status: scheduled" in shown and "line: Опт" in shown and "list: Осень" in shown
    assert "schedule: once at 2026-12-01 10:00 Europe/Moscow" in shown
    assert "letters: none yet" in shown
    listed = ok(crm("campaign", "list"))
    assert re.search(r"1  Осенние новости +scheduled  list Осень  send at 2026-12-01 10:00", listed)
    assert listed.rstrip().endswith("letters: none yet")


def test_preview_prints_real_letters_and_writes_nothing(committed, crm, campaign, base):
    campaign_id = campaign()
    out = ok(crm("campaign", "preview", str(campaign_id)))
    assert out.count("==== letter") == 2
    assert "To: Иван Петров <ivan@romashka.ru>" in out
    assert "Subject: Новости для Иван\n" in out and "Subject: Новости для Мария\n" in out
    assert "Уважаемый Иван Петрович,\n\nНовости CRM для ООО «Ромашка»." in out
    assert "Уважаемая Мария Ивановна," in out
    assert "Анна Смирнова" in out  # the signature of the rep who owns the lead
    assert "Отписаться от рассылки: http" in out  # the footer is always there
    assert out.rstrip().endswith("(a preview: nothing sent, nothing written)")

    only = ok(crm("campaign", "preview", str(campaign_id), "--to", "MARIA@example.com"))
    assert only.count("==== letter") == 1 and "To: Мария Сидорова <maria@example.com>" in only
    assert one_error(crm("campaign", "preview", str(campaign_id), "--to", str(base["no_mail"])))
    assert one_error(crm("campaign", "preview", str(campaign_id), "--to", "x@y.ru")) == (
        f"x@y.ru is not in the audience of campaign {campaign_id}"
    )

    assert ledger(committed, campaign_id) == []
    assert sql(committed, "SELECT status::text, started_at FROM campaigns") == [("draft", None)]


def test_a_long_russian_subject_makes_a_letter(crm, campaign, template_file):
    template_file.write_text(
        GOOD.replace("Новости для {{ person.first_name }}", "{{ campaign.name }} — новости CRM"),
        encoding="utf-8",
    )
    campaign_id = campaign()
    ok(crm("template", "add", str(template_file), "--name", "autumn"))
    out = ok(crm("campaign", "preview", str(campaign_id), "-n", "1"))
    assert "Subject: Осенние новости — новости CRM\n" in out, out


# --- Bad input and moves ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["campaign", "show", "99"], "no campaign 99"),
        (["campaign", "audience", "99"], "no campaign 99"),
        (["campaign", "preview", "99"], "no campaign 99"),
        (["campaign", "send", "99"], "no campaign 99"),
        (["campaign", "resume", "99"], "no campaign 99"),
        (["--template", "nope"], "no template 'nope' (add it with `crm template add`)"),
        (["--template", "broken"], "The template has 1 problem(s): html line 1: unexpected '}'"),
        (["--list", "nope"], "no list 'nope'"),
        (["--line", "Розница"], "unknown business line 'Розница' (known: Опт)"),
        (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus' (e.g. Europe/Moscow)"),
        (["--send-at", "soon"], "'soon': expected a date and time such as '2026-12-01 10:00'"),
        (["--per-hour", "0"], "--per-hour must be positive, got 0"),
        (["--recur", "every monday"], "recurrence 'every monday': Wrong number of fields"),
        (["--recur", "0 9 * * 1", "--greet", "birthday"], "a campaign recurs or greets"),
        (["--greet", "birthday", "--holiday", "День энергетика"], "a holiday is for a"),
        (["--greet", "professional_holiday", "--holiday", "Нет такого"], "no holiday 'Нет"),
    ],
    ids=[
        "show unknown",
        "audience unknown",
        "preview unknown",
        "send unknown",
        "resume unknown",
        "unknown template",
        "template with a syntax error",
        "unknown list",
        "unknown line",
        "unknown time zone",
        "bad send-at",
        "zero per-hour",
        "unreadable rule",
        "rule and greeting",
        "holiday without holiday greeting",
        "unknown holiday",
    ],  # fmt: skip
)
def test_bad_input_is_one_line(committed, crm, campaign, args, expected):
    with Session(committed) as s, s.begin():
        s.add(MessageTemplate(name="broken", subject="x", body_html="{{ x }", body_text="x"))
    if args[0] != "campaign":
        given = {"--name": "Зимние", "--template": "autumn", "--list": "Осень", "--line": "Опт"}
        given.update(zip(args[::2], args[1::2], strict=True))
        args = ["campaign", "create", *[item for pair in given.items() for item in pair]]
    message = one_error(crm(*args))
    assert message.startswith(expected), message
    assert sql(committed, "SELECT count(*) FROM campaigns") == [(0,)]


def test_recurring_and_greeting_campaigns_say_when_they_go(committed, crm, campaign, base):
    weekly = campaign("--recur", "0 9 * * 1", "--send-at", "2026-11-01 00:00", name="Неделя")
    shown = ok(crm("campaign", "show", str(weekly)))
    assert "status: scheduled" in shown
    assert "schedule: recurring '0 9 * * 1' from 2026-11-01 00:00 Europe/Moscow, next issue" in (
        shown
    )
    out = ok(crm("campaign", "audience", str(weekly)))
    assert out.startswith("2 get it, 3 excluded (as of now; nothing written)")

    with Session(committed) as s, s.begin():
        s.execute(
            sa.update(Person)
            .where(Person.person_id == base["maria"])
            .values(birth_date=datetime(1990, 3, 8).date())
        )
    birthdays = campaign("--greet", "birthday", name="Дни рождения")
    assert "greets on each birthday from" in ok(crm("campaign", "show", str(birthdays)))
    out = ok(crm("campaign", "audience", str(birthdays), "--day", "2027-03-08"))
    assert out.startswith("1 get it, 0 excluded (as of now; nothing written)")
    assert "maria@example.com  pending" in out
    quiet = ok(crm("campaign", "audience", str(birthdays), "--day", "2027-03-09"))
    assert quiet.startswith("0 get it, 0 excluded")
    assert one_error(crm("campaign", "audience", str(birthdays), "--day", "8 March")) == (
        "--day '8 March': expected a date such as 2027-03-08"
    )
    assert ledger(committed, birthdays) == []


def test_a_paper_campaign_prints_one_pdf_of_letters_once(committed, crm, campaign, base):
    with Session(committed) as s, s.begin():
        s.execute(
            sa.update(Person)
            .where(Person.person_id == base["maria"])
            .values(address="ул. Ленина, д. 1", postcode="101000", city="Москва")
        )
    paper = campaign("--channel", "paper", name="Письма")
    out = ok(crm("campaign", "send", str(paper)))
    [path] = re.findall(r"letters to print: (\S+\.pdf)", out)
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert "sent 1," in out and "status: finished" in out
    sent = sql(committed, "SELECT person_id FROM campaign_sends WHERE status = 'sent'")
    assert sent == [(base["maria"],)]
    again = ok(crm("campaign", "send", str(paper)))
    assert "is finished: nothing left to send" in again
    assert one_error(
        crm("campaign", "create", "--name", "x", "--template", "autumn", "--list", "Осень",
            "--channel", "paper", "--greet", "birthday")
    ) == "paper letters are printed once per campaign: a paper campaign is one-off"  # fmt: skip


def test_pause_resume_cancel_only_where_the_state_allows(committed, crm, campaign):
    campaign_id = str(campaign())
    assert (
        one_error(crm("campaign", "pause", campaign_id)) == "campaign 1 is draft: cannot pause it"
    )
    assert one_error(crm("campaign", "resume", campaign_id)) == (
        "campaign 1 is draft: cannot resume it"
    )
    scheduled = ok(crm("campaign", "schedule", campaign_id, "--at", "2026-12-01 10:00"))
    assert scheduled == "campaign 1: scheduled for 2026-12-01 10:00 Europe/Moscow\n"
    assert ok(crm("campaign", "pause", campaign_id, "--reason", "ждём акцию")) == (
        "campaign 1: paused\n"
    )
    assert "status: paused (ждём акцию)" in ok(crm("campaign", "show", campaign_id))
    assert one_error(crm("campaign", "send", campaign_id)) == (
        "campaign 1 is paused (ждём акцию); resume it first"
    )
    assert ok(crm("campaign", "resume", campaign_id)) == "campaign 1: running\n"
    assert ok(crm("campaign", "cancel", campaign_id)) == "campaign 1: cancelled\n"
    assert one_error(crm("campaign", "cancel", campaign_id)) == (
        "campaign 1 is cancelled: cannot cancel it"
    )
    assert one_error(crm("campaign", "send", campaign_id)) == "campaign 1 is cancelled"
    assert ledger(committed, 1) == []


# --- Sending: real flow runs -----------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_send_delivers_each_letter_once_and_finishes(committed, crm, campaign, mailbox):
    campaign_id = str(campaign())
    out = ok(crm("campaign", "send", campaign_id))
    assert "campaign 1: sent 2, failed 0, to retry 0, unknown 0" in out
    assert "letters: sent 2, skipped 3" in out and "status: finished" in out
    letters = received(mailbox)
    assert sorted(letters) == ["ivan@romashka.ru", "maria@example.com"]
    ivan = letters["ivan@romashka.ru"]
    assert ivan["Subject"] == "Новости для Иван"
    assert ivan["List-Unsubscribe"].startswith("<http")
    assert "Уважаемый Иван Петрович," in ivan.get_body(("plain",)).get_content()

    shown = ok(crm("campaign", "show", campaign_id))
    assert "status: finished" in shown and "letters: sent 2, skipped 3" in shown
    assert re.search(
        r"finished +list Осень .* letters: sent 2, skipped 3", ok(crm("campaign", "list"))
    )

    again = ok(crm("campaign", "send", campaign_id))
    assert again == "campaign 1 is finished: nothing left to send (letters: sent 2, skipped 3)\n"
    assert len(list(mailbox.glob("*.eml"))) == 2
    assert ledger(committed, 1) == [("sent", 2), ("skipped", 3)]


@pytest.fixture
def refusing_smtp() -> Iterator[Callable[[], None]]:
    """SMTP_HOST names a port nobody listens on; the test calls the returned function to undo."""

    def unset() -> None:
        for key in ("SMTP_HOST", "SMTP_PORT"):
            os.environ.pop(key, None)
        get_settings.cache_clear()

    os.environ.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "9"})
    get_settings.cache_clear()
    try:
        yield unset
    finally:
        unset()


@pytest.mark.usefixtures("prefect_harness")
def test_a_refusing_server_pauses_the_campaign_with_why_then_it_resumes(
    committed, crm, campaign, mailbox, refusing_smtp
):
    campaign_id = str(campaign())
    message = flow_error(crm("campaign", "send", campaign_id))
    assert message.startswith("cannot reach or log in to the SMTP server: "), message
    shown = ok(crm("campaign", "show", campaign_id))
    assert "status: paused (cannot reach or log in to the SMTP server: " in shown
    assert "letters: pending 2, skipped 3" in shown

    refusing_smtp()  # back to the local capture
    assert one_error(crm("campaign", "send", campaign_id)).endswith("; resume it first")
    ok(crm("campaign", "resume", campaign_id))
    out = ok(crm("campaign", "send", campaign_id))
    assert "sent 2, failed 0" in out and "status: finished" in out
    assert sorted(received(mailbox)) == ["ivan@romashka.ru", "maria@example.com"]


@pytest.mark.usefixtures("prefect_harness")
def test_an_empty_audience_pauses_the_campaign_with_why(committed, crm, campaign, mailbox):
    campaign_id = str(campaign(name="Никому", list_name="Без адресов"))
    message = flow_error(crm("campaign", "send", campaign_id))
    assert message == "campaign 1 has nobody to send to: no e-mail address (1)"
    shown = ok(crm("campaign", "show", campaign_id))
    assert "status: paused (nobody to send to: no e-mail address (1))" in shown
    assert list(mailbox.glob("*.eml")) == []
