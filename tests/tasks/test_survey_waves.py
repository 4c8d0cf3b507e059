"""Waves, invitations and reminders in the database: each client once, through the ledger."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from models.campaigns import CampaignSend, CampaignStatus
from models.errors import CrmError
from models.persons import Employment
from models.surveys import SurveyInvitation, SurveyResponse, SurveyWave
from tasks import survey_waves
from tasks.survey_waves import open_wave
from tests import factories as f
from tests.survey_base import invited, survey_base

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _open(s, name="Q4", line=None, create=True, now=None):
    return open_wave(s, name=name, line=line, open_days=28, now=now or NOW, create=create)


def _ledger(s, campaign_id) -> dict[int, tuple[str, str, str | None]]:
    rows = s.execute(
        sa.select(
            CampaignSend.person_id, CampaignSend.occurrence, CampaignSend.status,
            CampaignSend.last_error,
        ).where(CampaignSend.campaign_id == campaign_id)
    )  # fmt: skip
    return {(p, o): (st.value, err) for p, o, st, err in rows}


def test_one_invitation_per_active_client_however_often_it_runs(session):
    base = survey_base(session)
    wave = _open(session)

    made = [survey_waves.invite(session, wave) for _ in range(3)]

    p = base.persons
    assert made == [4, 0, 0]
    assert set(invited(session, wave.survey_wave_id)) == {
        p["Иван"],
        p["Ольга"],
        p["Анна"],
        p["Глеб"],
    }
    ledger = _ledger(session, wave.campaign_id)
    assert ledger[(p["Борис"], "")] == (
        "skipped",
        "suppressed: unsubscribed, bounced or do-not-contact",
    )
    assert {k for k, v in ledger.items() if v[0] == "pending"} == {
        (p[n], "") for n in ("Иван", "Ольга", "Анна", "Глеб")
    }
    leads = (
        session.execute(sa.select(SurveyInvitation.person_id, SurveyInvitation.lead_id))
        .tuples()
        .all()
    )
    assert dict(leads)[p["Иван"]] == base.leads["Ромашка"]


def test_tokens_are_long_random_and_personal(session):
    survey_base(session)
    wave = _open(session)
    survey_waves.invite(session, wave)

    tokens = list(invited(session, wave.survey_wave_id).values())

    assert len(set(tokens)) == len(tokens) == 4
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in tokens)


def test_a_line_wave_invites_only_the_lines_clients(session):
    base = survey_base(session)
    wave = _open(session, name="Q4 line", line=base.line)

    survey_waves.invite(session, wave)

    p = base.persons
    assert set(invited(session, wave.survey_wave_id)) == {p["Иван"], p["Ольга"], p["Анна"]}


def test_a_client_whose_contact_changed_is_not_invited_again(session):
    base = survey_base(session)
    wave = _open(session)
    survey_waves.invite(session, wave)
    p = base.persons
    session.execute(
        sa.update(Employment)
        .where(Employment.person_id.in_([p["Иван"], p["Пётр"]]))
        .values(is_primary_contact=Employment.person_id == p["Пётр"])
    )

    assert survey_waves.invite(session, wave) == 0

    assert p["Пётр"] not in invited(session, wave.survey_wave_id)
    status, reason = _ledger(session, wave.campaign_id)[(p["Пётр"], "")]
    assert status == "skipped" and reason.startswith("not invited")


def test_a_client_who_became_active_is_invited_on_a_rerun(session):
    base = survey_base(session)
    wave = _open(session)
    survey_waves.invite(session, wave)
    newcomer = f.person(session, first_name="Нина", emails=["nina@example.ru"])
    line_id = session.scalar(sa.text("select line_id from business_lines where name = 'Сервис'"))
    f.lead(session, line_id, None, person_id=newcomer.person_id)

    assert survey_waves.invite(session, wave) == 1
    assert newcomer.person_id in invited(session, wave.survey_wave_id)
    assert len(invited(session, wave.survey_wave_id)) == 5
    assert base.persons["Борис"] not in invited(session, wave.survey_wave_id)


def test_the_wave_owns_a_campaign_with_the_builtin_survey_template(session):
    survey_base(session)
    first = _open(session)
    again = _open(session, create=False)

    assert again == first
    row = session.execute(
        sa.text(
            "select c.name, t.name, t.is_builtin, c.status::text, l.kind::text "
            "from campaigns c join message_templates t using (template_id) "
            "join contact_lists l using (list_id) where c.campaign_id = :id"
        ),
        {"id": first.campaign_id},
    ).one()
    assert tuple(row) == ("Опрос «Q4»", "survey", True, "draft", "static")
    assert first.is_open and first.closes_at == NOW + timedelta(days=28)


def test_bad_waves_are_refused_with_why(session):
    survey_base(session)
    with pytest.raises(CrmError, match="no survey wave 'nope'"):
        _open(session, name="nope", create=False)
    with pytest.raises(CrmError, match="unknown business line 'Нет такой'"):
        _open(session, line="Нет такой")
    # A wave an external tool ran (or the demo loader made) keeps its own invitations.
    wave = SurveyWave(name="external", opens_at=NOW, closes_at=NOW + timedelta(days=3))
    session.add(wave)
    session.flush()
    lead_id = session.scalar(sa.text("select min(lead_id) from leads"))
    person_id = session.scalar(sa.text("select min(person_id) from persons"))
    session.add(
        SurveyInvitation(
            survey_wave_id=wave.survey_wave_id, lead_id=lead_id, person_id=person_id, token="x" * 40
        )
    )
    session.flush()
    with pytest.raises(CrmError, match="import its answers"):
        _open(session, name="external")


def test_a_closed_wave_is_not_open(session):
    survey_base(session)
    _open(session, now=NOW - timedelta(days=60))

    assert not _open(session, now=NOW).is_open


def _sent(session, campaign_id, days_ago: int) -> None:
    session.execute(
        sa.update(CampaignSend)
        .where(CampaignSend.campaign_id == campaign_id, CampaignSend.status == "pending")
        .values(status="sent", sent_at=datetime.now(UTC) - timedelta(days=days_ago))
    )


def test_reminders_once_to_those_who_have_not_answered(session):
    base = survey_base(session)
    wave = _open(session, now=datetime.now(UTC) - timedelta(days=9))
    survey_waves.invite(session, wave)
    _sent(session, wave.campaign_id, days_ago=8)
    survey_waves.record_letters(session, wave)
    p = base.persons
    tokens = invited(session, wave.survey_wave_id)
    ivan = session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.token == tokens[p["Иван"]])
    )
    session.add(SurveyResponse(survey_invitation_id=ivan.survey_invitation_id, logistics=4))
    session.flush()

    assert survey_waves.queue_reminders(session, wave, after_days=10) == 0
    assert survey_waves.queue_reminders(session, wave, after_days=7) == 3
    assert survey_waves.queue_reminders(session, wave, after_days=7) == 0

    ledger = _ledger(session, wave.campaign_id)
    reminded = {person for person, occurrence in ledger if occurrence == "reminder"}
    assert reminded == {p["Ольга"], p["Анна"], p["Глеб"]}
    assert ivan.invited_at is not None


def test_someone_suppressed_since_the_invitation_is_not_reminded(session):
    base = survey_base(session)
    wave = _open(session, now=datetime.now(UTC) - timedelta(days=9))
    survey_waves.invite(session, wave)
    _sent(session, wave.campaign_id, days_ago=8)
    session.execute(
        sa.text(
            "insert into suppressions (email, reason) values ('olga@vector.ru', 'unsubscribed')"
        )
    )

    survey_waves.queue_reminders(session, wave, after_days=7)

    status, reason = _ledger(session, wave.campaign_id)[(base.persons["Ольга"], "reminder")]
    assert status == "skipped" and reason.startswith("suppressed")


def test_a_finished_campaign_runs_again_for_new_letters(session):
    survey_base(session)
    wave = _open(session)
    assert survey_waves.ready_to_send(session, wave) == "no letters to send"
    survey_waves.invite(session, wave)
    assert survey_waves.ready_to_send(session, wave) is None
    _sent(session, wave.campaign_id, days_ago=0)
    session.execute(
        sa.text("update campaigns set status = 'finished' where campaign_id = :id"),
        {"id": wave.campaign_id},
    )
    f.lead(session, session.scalar(sa.text("select min(line_id) from business_lines")), None,
           person_id=f.person(session, emails=["late@example.ru"]).person_id)  # fmt: skip
    survey_waves.invite(session, wave)

    assert survey_waves.ready_to_send(session, wave) is None
    status = session.scalar(
        sa.text("select status::text from campaigns where campaign_id = :id"),
        {"id": wave.campaign_id},
    )
    assert status == CampaignStatus.running


def test_letters_of_a_closed_wave_never_go(session):
    survey_base(session)
    wave = _open(session)
    survey_waves.invite(session, wave)
    closed = wave.model_copy(update={"is_open": False})

    assert survey_waves.ready_to_send(session, closed) == "the wave is closed"

    ledger = _ledger(session, wave.campaign_id)
    assert {status for status, _ in ledger.values()} == {"skipped"}
    assert (
        sum(reason == "the survey wave closed before it went" for _, reason in ledger.values()) == 4
    )
