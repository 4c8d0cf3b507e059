"""`run-satisfaction-survey` as real Prefect flow runs, its letters through the campaign sender
to the local capture server, and the links in them opened on the survey page."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from flows.run_satisfaction_survey import run_satisfaction_survey
from tasks.survey_links import survey_url
from tests import factories as f
from tests.survey_base import invited, survey_base
from tests.tasks.conftest import web_url  # noqa: F401 (the survey page under uvicorn)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def letters(folder) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def to(message) -> str:
    return message["To"].addresses[0].addr_spec


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture
def base(committed):
    with Session(committed) as s, s.begin():
        return survey_base(s)


def sql(engine, statement: str, **params):
    with engine.begin() as conn:
        return conn.execute(sa.text(statement), params)


def test_each_active_client_gets_one_personal_link_however_often_it_runs(
    committed,
    base,
    mailbox,
    web_url,  # noqa: F811
):
    runs = [run_satisfaction_survey(wave="Q4") for _ in range(3)]

    assert [(r.invited, r.sent) for r in runs] == [(4, 4), (0, 0), (0, 0)]
    assert runs[1].not_sent == "no letters to send"
    sent = letters(mailbox)
    assert Counter(map(to, sent)) == Counter(
        ["ivan@romashka.ru", "olga@vector.ru", "anna@example.ru", "gleb@sever.ru"]
    )  # not Пётр (not the primary contact), not Борис (unsubscribed), not Закат (lost)
    with committed.connect() as conn:
        tokens = invited(conn, runs[0].wave.survey_wave_id)
    assert base.persons["Борис"] not in tokens
    ivan = next(m for m in sent if to(m) == "ivan@romashka.ru")
    link = survey_url(tokens[base.persons["Иван"]])
    assert link in text(ivan) and link in ivan.get_body(("html",)).get_content()
    assert "Уважаемый Иван" in text(ivan) and "Борис Орлов" in text(ivan)
    assert ivan["List-Unsubscribe"].startswith("<http") and "оценить" in ivan["Subject"]
    page = httpx.get(link.replace("http://127.0.0.1:8080", web_url), timeout=10)
    assert page.status_code == 200 and "ООО «Ромашка»" in page.text
    summary = runs[-1].summary
    assert (summary.invitations, summary.invitations_sent, summary.letters) == (
        4, 4, {"sent": 4, "skipped": 1},
    )  # fmt: skip


def test_a_line_wave_and_an_all_lines_wave_are_separate(committed, base, mailbox):
    line_run = run_satisfaction_survey(wave="Q4 line", line=base.line)
    all_run = run_satisfaction_survey(wave="Q4 all")

    assert (line_run.invited, all_run.invited) == (3, 4)
    assert line_run.wave.campaign_id != all_run.wave.campaign_id
    assert len(letters(mailbox)) == 7


def test_reminders_go_once_to_those_who_have_not_answered(
    committed,
    base,
    mailbox,
    web_url,  # noqa: F811
):
    first = run_satisfaction_survey(wave="Q4")
    sql(
        committed,
        "update campaign_sends set sent_at = now() - interval '8 days'; "
        "update survey_invitations set invited_at = null",
    )
    with committed.connect() as conn:
        tokens = invited(conn, first.wave.survey_wave_id)
    answered = httpx.post(f"{web_url}/s/{tokens[base.persons['Иван']]}", data={"nps": "9"})
    assert answered.status_code == 200
    for eml in mailbox.glob("*.eml"):
        eml.unlink()

    runs = [run_satisfaction_survey(wave="Q4", remind_after_days=7, invite=False) for _ in range(2)]

    assert [(r.reminders, r.sent) for r in runs] == [(3, 3), (0, 0)]
    reminders = letters(mailbox)
    assert sorted(map(to, reminders)) == ["anna@example.ru", "gleb@sever.ru", "olga@vector.ru"]
    olga = next(m for m in reminders if to(m) == "olga@vector.ru")
    assert olga["Subject"].startswith("Напоминание")
    assert survey_url(tokens[base.persons["Ольга"]]) in text(olga)
    assert runs[-1].summary.reminders_sent == 3 and runs[-1].summary.responses == 1


def test_a_low_score_is_followed_up_once_by_the_flow(committed, base, mailbox):
    first = run_satisfaction_survey(wave="Q4")
    with committed.connect() as conn:
        tokens = invited(conn, first.wave.survey_wave_id)
    sql(
        committed,
        "insert into survey_responses (survey_invitation_id, logistics, source) "
        "select survey_invitation_id, 1, 'import' from survey_invitations where token = :t",
        t=tokens[base.persons["Ольга"]],
    )
    for eml in mailbox.glob("*.eml"):
        eml.unlink()

    runs = [run_satisfaction_survey(wave="Q4") for _ in range(2)]

    assert [(r.follow_ups.activities, r.follow_ups.alerts) for r in runs] == [(1, 1), (0, 0)]
    [alert] = letters(mailbox)
    assert to(alert) == base.head_email and "АО «Вектор»" in alert["Subject"]
    assert runs[-1].summary.follow_ups == 1 and runs[-1].summary.alerts_pending == 0


def test_a_closed_wave_invites_and_reminds_nobody(committed, base, mailbox):
    run_satisfaction_survey(wave="Q4")
    sql(
        committed,
        "update survey_waves set opens_at = now() - interval '40 days', "
        "closes_at = now() - interval '1 day'",
    )
    with Session(committed) as s, s.begin():  # a client who became active since
        line_id = s.scalar(sa.text("select min(line_id) from business_lines"))
        f.lead(s, line_id, None, person_id=f.person(s, emails=["nina@example.ru"]).person_id)
    for eml in mailbox.glob("*.eml"):
        eml.unlink()

    run = run_satisfaction_survey(wave="Q4", remind_after_days=0)

    assert (run.wave.is_open, run.invited, run.reminders, run.sent) == (False, 0, 0, 0)
    assert letters(mailbox) == []
    assert datetime.now(UTC) - run.summary.closes_at > timedelta(hours=23)
