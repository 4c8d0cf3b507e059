"""The pre-send gate over filled ledgers: one audience passes, two fail, each with its reason."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from models.settings import get_settings
from tasks.quality_gates import campaign_gate
from tests import factories as f

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def campaign(session, channel: str = "email") -> int:
    template = session.scalar(
        sa.text(
            "insert into message_templates (name, subject, body_html, body_text) "
            "values (:n, 'Hi', '<p>Hi</p>', 'Hi') returning template_id"
        ),
        {"n": f"gate {secrets.token_hex(4)}"},
    )
    return session.scalar(
        sa.text(
            "insert into campaigns (name, template_id, channel) "
            "values (:n, :t, cast(:c as channel)) returning campaign_id"
        ),
        {"n": f"gate {secrets.token_hex(4)}", "t": template, "c": channel},
    )


def row(session, campaign_id: int, status: str, email=None, reason=None, occurrence="", **kw):
    """A ledger row as the audience writes it (at T0), for a new person unless one is given."""
    person_id = kw.pop("person_id", None) or f.person(session).person_id
    return session.scalar(
        sa.text(
            "insert into campaign_sends (campaign_id, occurrence, person_id, email, status, "
            "last_error, unsubscribe_token, created_at) values (:c, :o, :p, :e, "
            "cast(:s as send_status), :r, :t, :at) returning campaign_send_id"
        ),
        {
            "c": campaign_id, "o": occurrence, "p": person_id, "e": email, "s": status,
            "r": reason, "t": secrets.token_hex(24), "at": T0,
        },
    )  # fmt: skip


def suppress(session, at: datetime, email=None, person_id=None, reason="unsubscribed") -> None:
    session.execute(
        sa.text(
            "insert into suppressions (email, person_id, reason, created_at) "
            "values (:e, :p, cast(:r as suppression_reason), :at)"
        ),
        {"e": email, "p": person_id, "r": reason, "at": at},
    )


def audience(session, pending: int, unaddressed: int, other_skips: int = 0) -> int:
    campaign_id = campaign(session)
    for n in range(pending):
        row(session, campaign_id, "pending", f"client{n}@mail.example")
    for n in range(unaddressed):
        reason = "no e-mail address" if n % 2 else "malformed e-mail address"
        row(session, campaign_id, "skipped", reason=reason)
    for _ in range(other_skips):
        row(session, campaign_id, "skipped", reason="suppressed: unsubscribed")
    return campaign_id


def test_a_sound_audience_passes_and_leaves_late_unsubscribes_to_the_sender(session):
    campaign_id = audience(session, pending=7, unaddressed=2, other_skips=1)
    # Unsubscribed after the ledger was filled: the send-time recheck skips it; no audience bug.
    suppress(session, T0 + DAY, email="client0@mail.example")

    gate = campaign_gate(session.connection(), campaign_id)

    assert gate.passed, gate.reason
    assert (gate.total_rows, gate.pending, gate.skipped, gate.unaddressed) == (10, 7, 3, 2)
    assert gate.unaddressed_share == 0.2 and gate.max_unaddressed_share == 0.5
    assert (gate.suppressed_pending, gate.suppressed_since_fill) == (0, 1)
    assert gate.reason.startswith("7 letters to send")


def test_an_audience_mostly_without_addresses_is_stopped(session, monkeypatch):
    campaign_id = audience(session, pending=4, unaddressed=6)

    gate = campaign_gate(session.connection(), campaign_id)

    assert not gate.passed
    assert gate.unaddressed_share == 0.6
    assert "6 of 10 recipients (60%) have no usable address" in gate.reason
    assert "MAX_UNADDRESSED_SHARE" in gate.reason
    assert campaign_gate(session.connection(), campaign_id, max_unaddressed_share=0.6).passed
    monkeypatch.setenv("MAX_UNADDRESSED_SHARE", "0.75")
    get_settings.cache_clear()
    try:
        assert campaign_gate(session.connection(), campaign_id).passed
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_an_audience_with_an_address_suppressed_before_it_was_drawn_is_stopped(session):
    campaign_id = audience(session, pending=5, unaddressed=0)
    person = f.person(session).person_id
    suppress(session, T0 - DAY, person_id=person, reason="do_not_contact")
    suppress(session, T0 - DAY, email="letmebe@mail.example")
    by_person = row(session, campaign_id, "pending", "dnc@mail.example", person_id=person)
    by_address = row(session, campaign_id, "pending", "letmebe@mail.example")

    gate = campaign_gate(session.connection(), campaign_id)

    assert not gate.passed
    assert gate.suppressed_pending == 2 and gate.suppressed_ids == [by_person, by_address]
    assert f"ledger rows {by_person}, {by_address}" in gate.reason
    assert "have no usable address" not in gate.reason


def test_a_bounce_does_not_stop_a_printed_letter(session):
    campaign_id = campaign(session, channel="paper")
    person = f.person(session).person_id
    suppress(session, T0 - DAY, email="gone@mail.example", person_id=person, reason="bounced")
    row(session, campaign_id, "pending", person_id=person)

    assert campaign_gate(session.connection(), campaign_id).passed


@pytest.mark.parametrize(("occurrence", "passed"), [(None, True), ("2026-02", False)])
def test_the_gate_judges_the_issues_still_to_send(session, occurrence, passed):
    campaign_id = campaign(session)
    for _ in range(3):  # February's issue: sent, its skips long settled
        row(session, campaign_id, "skipped", reason="no e-mail address", occurrence="2026-02")
    row(session, campaign_id, "pending", "march@mail.example", occurrence="2026-03")

    gate = campaign_gate(session.connection(), campaign_id, occurrence=occurrence)

    assert gate.passed is passed
    assert gate.total_rows == (1 if occurrence is None else 3)


def test_the_gate_takes_an_engine_and_passes_a_campaign_with_nothing_to_send(engine):
    gate = campaign_gate(engine, 10**9)
    assert gate.passed and gate.reason == "nothing left to send" and gate.total_rows == 0
