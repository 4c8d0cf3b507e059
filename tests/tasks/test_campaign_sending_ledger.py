"""The ledger's side of exactly once, seen from the SMTP server: when the data of a letter
arrives, its row is already committed as 'sending', and no connection has a second row there."""

from __future__ import annotations

import asyncio

import aiosmtplib
import pytest
import sqlalchemy as sa

from tasks.campaign_delivery import SENT, Delivery, Outgoing, RateLimit
from tasks.campaign_sending import send_issue
from tests.smtp_servers import RecordingServer
from tests.tasks.send_runner import SENDER, render, sending
from tests.tasks.test_campaign_sending import audience, ledger


def watch_data(server: RecordingServer, engine, campaign_id: int) -> list[tuple[str, str, int]]:
    """At each DATA, from another connection: the recipient's row state and how many rows of
    the campaign are 'sending' (what a kill at that instant would leave as 'unknown')."""
    seen: list[tuple[str, str, int]] = []
    handler = server._handler
    original = handler.handle_DATA

    async def handle_data(smtp, session, envelope):
        with engine.connect() as conn:
            status = conn.scalar(
                sa.text(
                    "SELECT status::text FROM campaign_sends WHERE campaign_id = :c AND email = :e"
                ),
                {"c": campaign_id, "e": envelope.rcpt_tos[0]},
            )
            in_flight = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM campaign_sends"
                    " WHERE campaign_id = :c AND status = 'sending'"
                ),
                {"c": campaign_id},
            )
        seen.append((envelope.rcpt_tos[0], status, in_flight))
        return await original(smtp, session, envelope)

    handler.handle_DATA = handle_data
    return seen


@pytest.mark.parametrize("connections", [1, 4])
def test_a_letter_is_committed_as_sending_before_its_data_and_never_ahead(committed, connections):
    emails = [f"w{i}@example.ru" for i in range(90)]
    campaign_id = audience(committed, emails)
    with RecordingServer(delay=0.002) as server:
        seen = watch_data(server, committed, campaign_id)
        how = sending(server.port, connections=connections, batch_size=20)
        result = send_issue(committed, campaign_id, None, render, how)
    assert result.counts == {"sent": 90}
    assert sorted(email for email, _, _ in seen) == sorted(emails)
    assert {status for _, status, _ in seen} == {"sending"}
    # Marked only as its connection is about to send it: one row per connection at most.
    assert max(in_flight for _, _, in_flight in seen) <= connections
    assert set(ledger(committed, campaign_id).values()) == {"sent"}


def deliver_with(port: int, letters: list[Outgoing], mark, connections: int = 1):
    outcomes = []

    async def run():
        delivery = Delivery(
            sender="crm@example.com",
            connect=lambda: aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=5),
            connections=connections,
            limit=RateLimit(None, None),
            report=outcomes.append,
            mark=mark,
        )
        try:
            return await delivery.send(letters, lambda letter: letter)
        finally:
            await delivery.close()

    return asyncio.run(run()), outcomes


def letters(count: int) -> list[Outgoing]:
    raw = (
        f"From: {SENDER}\r\nTo: x@example.ru\r\nSubject: S\r\n\r\nHello\r\n".encode()
    )  # fmt: skip
    return [Outgoing(n, f"m{n}@example.ru", raw) for n in range(count)]


@pytest.mark.parametrize(
    ("answered_after", "connections"),
    [
        # Answered once the server has said 354: closing the connection is what ends a
        # transaction in the middle of DATA, so one new connection after each refused letter.
        (0.05, 4),
        # Answered while MAIL travels: RSET before DATA, not a new connection.
        (0.0, 1),
    ],
)
def test_a_letter_whose_mark_is_refused_never_has_its_content_sent(answered_after, connections):
    async def mark(letter: Outgoing) -> bool:
        if answered_after:
            await asyncio.sleep(answered_after)
        return letter.send_id % 2 == 0

    with RecordingServer() as server:
        untried, outcomes = deliver_with(server.port, letters(6), mark)
        accepted = sorted(server.rcpt_counts())
        contents = server.data_commands
        opened = server.connections
    assert untried == []
    assert accepted == ["m0@example.ru", "m2@example.ru", "m4@example.ru"]
    assert [(o.send_id, o.status) for o in outcomes] == [(0, SENT), (2, SENT), (4, SENT)]
    assert contents == 3  # no content of a refused letter reached the server
    assert opened == connections


def test_a_mark_that_fails_stops_the_sending_before_any_data():
    async def mark(letter: Outgoing) -> bool:
        raise sa.exc.OperationalError("update", {}, Exception("the database went away"))

    with RecordingServer() as server:
        with pytest.raises(sa.exc.OperationalError):
            deliver_with(server.port, letters(5), mark, connections=3)
        assert server.data_commands == 0


def test_an_unsubscribe_during_a_run_takes_effect_before_the_next_letter(committed):
    emails = [f"u{i}@example.ru" for i in range(10)]
    campaign_id = audience(committed, emails)
    with RecordingServer() as server:
        handler = server._handler
        original = handler.handle_DATA

        async def handle_data(smtp, session, envelope):
            # The whole batch is claimed already; the recipient after next unsubscribes now.
            if envelope.rcpt_tos == ["u2@example.ru"]:
                with committed.begin() as conn:
                    conn.execute(
                        sa.text(
                            "INSERT INTO suppressions (email, reason, source)"
                            " VALUES ('u4@example.ru', 'unsubscribed', 'test')"
                        )
                    )
            return await original(smtp, session, envelope)

        handler.handle_DATA = handle_data
        how = sending(server.port, connections=1, batch_size=100)
        result = send_issue(committed, campaign_id, None, render, how)
        received = server.rcpt_counts()
    states = ledger(committed, campaign_id)
    assert "u4@example.ru" not in received
    assert states["u4@example.ru"] == "skipped"
    assert result.sent == 9 and sorted(received) == sorted(set(emails) - {"u4@example.ru"})
