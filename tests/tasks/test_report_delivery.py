"""Report letters through the real local SMTP capture: each head of sales gets their lines
only, the directors every line, a line with no head is reported and the others delivered."""

import csv
import email
import email.policy
import io
from datetime import date
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.employees import EmployeeLine, Role
from tasks.mail import MailError, send_letters
from tasks.report_delivery import audience, deliver_report, report_letter
from tasks.report_management import management_report
from tasks.report_period import Period
from tasks.report_render import save_report
from tests.report_base import management_base
from tests.smtp_servers import RecordingServer

WEEK = Period(first_day=date(2026, 5, 4), last_day=date(2026, 5, 10))
OTHER_REPS = {"Equipment": ("Anna Rep", "Boris Rep"), "Service": ("Sergey Rep",),
              "Nobody": ("Nina Rep",)}  # fmt: skip


@pytest.fixture
def base(session):
    return management_base(session)


def deliver(session, period=WEEK):
    report = management_report(session, period)
    saved = save_report(report)
    people = audience(session, report)
    letters = [report_letter(report, saved, r) for r in people.recipients]
    assert all(o.is_sent for o in send_letters(letters))
    return report, people


def received(mailbox) -> dict[str, email.message.EmailMessage]:
    out = {}
    for eml in mailbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert message["To"] not in out, "one letter per person"
        out[message["To"]] = message
    return out


def lines_in(message) -> set[str]:
    """Every line named in the attached tables (the Line column of each CSV and sheet)."""
    seen = set()
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if part.get_filename().endswith(".csv"):
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert rows[0][0] == "Line"
            seen |= {row[0] for row in rows[1:]}
        else:
            for sheet in openpyxl.load_workbook(BytesIO(data)).worksheets:
                seen |= {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    return seen


def test_heads_get_their_line_and_directors_every_line(session, base, mailbox):
    report, people = deliver(session)
    assert people.lines_without_head == ["Nobody"]
    letters = received(mailbox)
    emails = base.emails
    assert sorted(letters) == sorted([emails["Helen"], emails["Hugo"], emails["Dora"]])

    helen = letters[emails["Helen"]]
    assert helen["Subject"] == "Management report, week 19 of 2026 (4–10 May): Equipment"
    assert lines_in(helen) == {"Equipment"}
    html = helen.get_body(("html",)).get_content()
    for line, reps in OTHER_REPS.items():
        for rep in reps:
            assert (rep in html) == (line == "Equipment"), rep
    assert "Service" not in html and "Nobody" not in html and "All lines" not in html
    # Charts travel inline, each shown by its Content-ID.
    images = [p for p in helen.walk() if p.get_content_type() == "image/png"]
    cids = {p["Content-ID"].strip("<>") for p in images}
    line_e = base.lines["Equipment"]
    assert cids == {f"line-{line_e}-{n}" for n in ("contacts", "meetings", "funnel")}
    assert all(f'src="cid:{cid}"' in html for cid in cids)
    assert all(p.get_content_disposition() == "inline" for p in images)
    names = sorted(p.get_filename() for p in helen.iter_attachments())
    assert names == sorted([f"{report.key}.xlsx", "campaigns.csv", "deals_won.csv",
                            "funnel.csv", "reassignments.csv", "stuck_leads.csv", "summary.csv",
                            "workload.csv"])  # fmt: skip

    hugo = letters[emails["Hugo"]]
    assert lines_in(hugo) == {"Service"}
    assert "Anna Rep" not in hugo.get_body(("html",)).get_content()

    dora = letters[emails["Dora"]]
    assert dora["Subject"] == "Management report, week 19 of 2026 (4–10 May)"
    assert lines_in(dora) == {"Equipment", "Service", "Nobody", "All lines"}
    dora_html = dora.get_body(("html",)).get_content()
    assert "No head of sales to send the report to for Nobody" in dora_html
    assert "No head of sales" in dora.get_body(("plain",)).get_content()
    assert "No head of sales" not in html


def test_a_head_of_two_lines_gets_both_in_one_letter(session, base, mailbox):
    session.add(EmployeeLine(employee_id=base.people["Helen"], line_id=base.lines["Nobody"],
                             role=Role.head_of_sales))  # fmt: skip
    session.flush()
    _, people = deliver(session)
    assert people.lines_without_head == []
    helen = received(mailbox)[base.emails["Helen"]]
    assert helen["Subject"].endswith(": Equipment, Nobody")
    assert lines_in(helen) == {"Equipment", "Nobody"}


def test_an_empty_period_is_delivered_and_says_so(session, base, mailbox):
    deliver(session, Period(first_day=date(2025, 1, 6), last_day=date(2025, 1, 12)))
    letters = received(mailbox)
    assert len(letters) == 3
    for message in letters.values():
        text = message.get_body(("plain",)).get_content()
        assert "Nothing was recorded in this period" in text
        assert not [p for p in message.walk() if p.get_content_type() == "image/png"]


def test_the_saved_report_is_the_delivered_one(session, base, mailbox):
    report, _ = deliver(session)
    from tasks.report_render import report_folder

    folder = report_folder(report)
    line_e = base.lines["Equipment"]
    assert (folder / "all-lines" / "report.html").exists()
    saved = (folder / f"line-{line_e}" / "report.html").read_text(encoding="utf-8")
    assert f'src="../charts/line-{line_e}-funnel.png"' in saved
    assert (folder / "charts" / f"line-{line_e}-funnel.png").read_bytes()[:4] == b"\x89PNG"
    helen = received(mailbox)[base.emails["Helen"]]
    attached = {p.get_filename(): p.get_payload(decode=True) for p in helen.iter_attachments()}
    assert attached["workload.csv"] == (folder / f"line-{line_e}" / "workload.csv").read_bytes()


def test_satisfaction_letters_keep_to_the_line_too(session, mailbox):
    from tasks.report_satisfaction import satisfaction_report
    from tests.report_base import satisfaction_base

    satisfaction_base(session)
    report = satisfaction_report(session, "Summer 2026")
    saved = save_report(report)
    people = audience(session, report)
    assert people.lines_without_head == ["Service"]
    [head] = people.recipients
    assert send_letters([report_letter(report, saved, head)])[0].is_sent
    [message] = received(mailbox).values()
    assert lines_in(message) == {"Equipment"}
    html = message.get_body(("html",)).get_content()
    assert "Beta LLC" in html and "Client Irina" not in html and "All lines" not in html
    assert "Scores by dimension" in html and "Trend over waves" in html


# Once per report and address (report_deliveries): claimed before sending, marked when the
# server accepted the letter, released when it refused it.


@pytest.fixture
def made(committed):
    """The week's report over committed rows: deliver_report claims in its own transactions."""
    with Session(committed) as s, s.begin():
        base = management_base(s)
    with Session(committed) as s, s.begin():
        report = management_report(s, WEEK)
    return base, report, save_report(report)


@pytest.fixture
def smtp(monkeypatch):
    """Point the sender at a real SMTP server on loopback for the test."""
    from models.settings import get_settings

    def use(server):
        monkeypatch.setenv("SMTP_HOST", server.host)
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


def deliveries(engine) -> dict[str, bool]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select email, sent_at is not null from report_deliveries"))
        return dict(rows.tuples().all())


def test_a_rerun_of_the_same_period_sends_nothing_new(committed, made, mailbox):
    base, report, saved = made
    everyone = sorted(base.emails[n] for n in ("Helen", "Hugo", "Dora"))
    first = deliver_report(report, saved)
    assert (first.letters, sorted(first.recipients), first.failed) == (3, everyone, [])
    again = deliver_report(report, saved)
    assert (again.letters, again.recipients, sorted(again.already_sent)) == (0, [], everyone)
    assert len(list(mailbox.glob("*.eml"))) == 3
    assert deliveries(committed) == dict.fromkeys(everyone, True)
    # On purpose: everyone again, and it is remembered as sent.
    assert deliver_report(report, saved, resend=True).letters == 3
    assert len(list(mailbox.glob("*.eml"))) == 6
    assert deliver_report(report, saved).letters == 0


def test_another_period_is_another_report(committed, made, mailbox):
    _, report, saved = made
    deliver_report(report, saved)
    with Session(committed) as s, s.begin():
        other = management_report(
            s, Period(first_day=date(2026, 5, 11), last_day=date(2026, 5, 17))
        )
    assert deliver_report(other, save_report(other)).letters == 3


def test_a_refused_letter_goes_on_the_rerun_and_nobody_elses(committed, made, smtp):
    base, report, saved = made
    helen, hugo, dora = (base.emails[n] for n in ("Helen", "Hugo", "Dora"))
    with RecordingServer(reject={helen}) as server:
        smtp(server)
        first = deliver_report(report, saved)
        delivered = server.rcpt_counts()
    assert first.failed == [helen] and first.letters == 3
    assert delivered == {hugo: 1, dora: 1}
    assert deliveries(committed) == {hugo: True, dora: True}
    with RecordingServer() as server:
        smtp(server)
        rerun = deliver_report(report, saved)
        delivered = server.rcpt_counts()
    assert (rerun.recipients, rerun.failed) == ([helen], [])
    assert sorted(rerun.already_sent) == sorted([hugo, dora])
    assert delivered == {helen: 1}
    assert [m.subject for m in server.messages] == [f"{report.title}: Equipment"]
    assert deliveries(committed) == {helen: True, hugo: True, dora: True}


def test_a_server_that_cannot_be_reached_releases_every_claim(committed, made, smtp, mailbox):
    _, report, saved = made

    class Nobody:  # the discard port: nobody listens
        host, port = "127.0.0.1", 9

    smtp(Nobody)
    with pytest.raises(MailError):
        deliver_report(report, saved)
    assert deliveries(committed) == {}
