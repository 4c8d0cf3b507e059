"""Low scores: one follow-up call for the owner and one alert to the line's head, per response."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.surveys import ResponseSource
from tasks import survey_waves
from tasks.survey_follow_up import make_follow_ups, send_alerts
from tasks.survey_questions import parse_answers
from tests.survey_base import invited, survey_base

LOW = {"logistics": "2", "products_range": "5", "nps": "9", "comment": "Везут <долго>"}
FINE = {"logistics": "4", "nps": "8"}


@pytest.fixture
def wave(committed):
    with Session(committed) as s, s.begin():
        base = survey_base(s)
        ref = survey_waves.open_wave(
            s, name="Q4", line=None, open_days=28, now=datetime.now(UTC), create=True
        )
        survey_waves.invite(s, ref)
        tokens = invited(s, ref.survey_wave_id)
    return base, ref, tokens


def answer(engine, token: str, values: dict) -> int:
    from tasks.survey_responses import invitation_for, write_responses

    with engine.begin() as conn:
        invitation = invitation_for(conn, token)
        written = write_responses(
            conn, [(invitation.survey_invitation_id, parse_answers(values))], ResponseSource.web
        )
        return written[0].survey_response_id if written else invitation.survey_response_id


def activities(engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "select a.lead_id, e.full_name, a.kind::text, a.status::text, a.outcome, "
                "a.planned_at > now() as is_ahead from activities a join employees e "
                "using (employee_id) order by a.activity_id"
            )
        ).all()


def letters(folder) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def test_a_low_score_plans_one_call_for_the_owner_and_tells_the_head_once(committed, wave, mailbox):
    base, ref, tokens = wave
    ivan = tokens[base.persons["Иван"]]
    answer(committed, ivan, LOW)

    with committed.begin() as conn:
        assert make_follow_ups(conn, wave_id=ref.survey_wave_id) == 1
    told = send_alerts(committed, wave_id=ref.survey_wave_id)
    # The client changes the answer, still unhappy: nothing new.
    answer(committed, ivan, LOW | {"nps": "3"})
    with committed.begin() as conn:
        assert make_follow_ups(conn, wave_id=ref.survey_wave_id) == 0
    again = send_alerts(committed, wave_id=ref.survey_wave_id)

    [call] = activities(committed)
    assert call.lead_id == base.leads["Ромашка"] and call.full_name == "Борис Орлов"
    assert (call.kind, call.status, call.is_ahead) == ("call", "planned", True)
    assert "Доставка: сроки, точность, сохранность — 2" in call.outcome
    assert "Везут <долго>" in call.outcome and "Ассортимент" not in call.outcome
    assert (told.alerts, again.alerts) == (1, 0)
    [letter] = letters(mailbox)
    assert letter["To"].addresses[0].addr_spec == base.head_email
    assert "ООО «Ромашка»" in letter["Subject"]
    html = letter.get_body(("html",)).get_content()
    assert "Везут &lt;долго&gt;" in html and "<долго>" not in html


def test_an_answer_that_turns_low_later_is_followed_up_then(committed, wave, mailbox):
    base, ref, tokens = wave
    olga = tokens[base.persons["Ольга"]]
    answer(committed, olga, FINE)
    with committed.begin() as conn:
        assert make_follow_ups(conn, wave_id=ref.survey_wave_id) == 0

    answer(committed, olga, FINE | {"nps": "6"})
    with committed.begin() as conn:
        assert make_follow_ups(conn, wave_id=ref.survey_wave_id) == 1
    assert "порекомендуют нас — 6" in activities(committed)[0].outcome


def test_a_lead_in_the_pool_is_followed_up_by_the_head(committed, wave, mailbox):
    base, ref, tokens = wave
    response_id = answer(committed, tokens[base.persons["Анна"]], {"company_overall": "1"})

    with committed.begin() as conn:
        assert make_follow_ups(conn, response_ids=[response_id]) == 1

    [call] = activities(committed)
    assert call.lead_id == base.leads["Анна"] and call.full_name == "Ирина Главная"


def test_a_line_without_a_head_still_gets_its_call_and_is_reported(committed, wave, mailbox):
    base, ref, tokens = wave
    answer(committed, tokens[base.persons["Глеб"]], {"service_speed": "1"})

    with committed.begin() as conn:
        make_follow_ups(conn, wave_id=ref.survey_wave_id)
    told = send_alerts(committed, wave_id=ref.survey_wave_id)

    assert [a.full_name for a in activities(committed)] == ["Олег Сервисный"]
    assert (told.alerts, told.without_head) == (0, 1)
    assert letters(mailbox) == []
    assert send_alerts(committed, wave_id=ref.survey_wave_id).without_head == 0


def test_an_alert_the_server_refuses_is_sent_next_time(committed, wave, mailbox, monkeypatch):
    base, ref, tokens = wave
    answer(committed, tokens[base.persons["Иван"]], LOW)
    with committed.begin() as conn:
        make_follow_ups(conn, wave_id=ref.survey_wave_id)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "9")  # discard: nobody listens
    from models.settings import get_settings

    get_settings.cache_clear()
    try:
        refused = send_alerts(committed, wave_id=ref.survey_wave_id)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert (refused.alerts, refused.unsent) == (0, 1)
    assert send_alerts(committed, wave_id=ref.survey_wave_id).alerts == 1
    assert len(letters(mailbox)) == 1


def test_fine_answers_make_nothing(committed, wave, mailbox):
    base, ref, tokens = wave
    answer(committed, tokens[base.persons["Ольга"]], FINE)

    with committed.begin() as conn:
        assert make_follow_ups(conn, wave_id=ref.survey_wave_id) == 0
    assert send_alerts(committed, wave_id=ref.survey_wave_id).alerts == 0
    assert activities(committed) == []
