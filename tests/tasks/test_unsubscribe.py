"""Unsubscribing by a letter's token: one suppression, idempotent, unknown tokens refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.settings import get_settings
from models.suppressions import Suppression, SuppressionReason
from tasks.unsubscribe import (
    UnsubscribeResult,
    mask_email,
    recipient_for,
    unsubscribe,
    unsubscribe_url,
)
from tests import factories


def _suppressions(session) -> list[Suppression]:
    return list(session.scalars(sa.select(Suppression)))


def test_unsubscribe_suppresses_the_address_with_its_person_and_campaign(session):
    send = factories.campaign_send(session, email="ivan@example.com")

    result = unsubscribe(session, send.unsubscribe_token)

    assert result == UnsubscribeResult(
        masked_email="i***@example.com", is_already_unsubscribed=False
    )
    [row] = _suppressions(session)
    assert row.email == "ivan@example.com"
    assert row.person_id == send.person_id
    assert row.reason is SuppressionReason.unsubscribed
    assert row.source == f"campaign {send.campaign_id}"


def test_unsubscribing_twice_keeps_one_row_and_says_so(session):
    send = factories.campaign_send(session)

    unsubscribe(session, send.unsubscribe_token)
    again = unsubscribe(session, send.unsubscribe_token)

    assert again is not None and again.is_already_unsubscribed
    assert len(_suppressions(session)) == 1


def test_an_address_suppressed_for_another_reason_stays_as_it_was(session):
    send = factories.campaign_send(session, email="bounce@example.com")
    session.add(Suppression(email="bounce@example.com", reason=SuppressionReason.bounced))
    session.flush()

    result = unsubscribe(session, send.unsubscribe_token)

    assert result is not None and result.is_already_unsubscribed
    [row] = _suppressions(session)
    assert row.reason is SuppressionReason.bounced


@pytest.mark.parametrize("token", ["no-such-token", "", "x" * 65])
def test_an_unknown_token_changes_nothing(session, token):
    factories.campaign_send(session)

    assert unsubscribe(session, token) is None
    assert recipient_for(session, token) is None
    assert _suppressions(session) == []


def test_a_letter_without_an_address_has_no_working_link(session):
    send = factories.campaign_send(session, email=None)

    assert recipient_for(session, send.unsubscribe_token) is None
    assert unsubscribe(session, send.unsubscribe_token) is None


def test_the_confirmation_page_shows_the_masked_address_and_changes_nothing(session):
    send = factories.campaign_send(session, email="anna.k@example.org")

    assert recipient_for(session, send.unsubscribe_token) == "a***@example.org"
    assert _suppressions(session) == []


@pytest.mark.parametrize(
    ("email", "masked"),
    [("ivan@example.com", "i***@example.com"), ("a@b.ru", "a***@b.ru"), ("odd", "o***")],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_unsubscribe_url_is_built_on_the_public_url(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://crm.example.com/")
    get_settings.cache_clear()
    try:
        assert unsubscribe_url("a/b c") == "https://crm.example.com/u/a%2Fb%20c"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
