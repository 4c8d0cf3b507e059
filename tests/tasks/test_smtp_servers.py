"""The test SMTP servers do what the sender's tests rely on, checked with bare aiosmtplib."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import aiosmtplib
import pytest

from tests.smtp_servers import RecordingServer

SENDER = "crm@example.com"


def message(to: str, n: int = 0) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = to
    msg["Subject"] = f"Offer {n}"
    msg["Message-ID"] = f"<offer-{n}@example.com>"
    msg["List-Unsubscribe"] = f"<https://crm.example.com/unsubscribe/{n}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(f"Letter {n}")
    return msg


async def send_each(
    server: RecordingServer, letters: list[EmailMessage], timeout: float = 10
) -> list[BaseException | None]:
    """One connection for all letters, as the sender does; the error of each, or None."""
    errors: list[BaseException | None] = []
    async with aiosmtplib.SMTP(
        hostname=server.host, port=server.port, start_tls=False, timeout=timeout
    ) as smtp:
        for letter in letters:
            try:
                await smtp.send_message(letter)
                errors.append(None)
            except aiosmtplib.SMTPException as exc:
                errors.append(exc)
    return errors


def test_records_envelope_headers_and_raw_bytes():
    letter = message("anna@example.com", 1)
    with RecordingServer() as server:
        asyncio.run(
            aiosmtplib.send(
                letter,
                hostname=server.host,
                port=server.port,
                start_tls=False,
                recipients=["anna@example.com", "boris@example.com"],
            )
        )

    [got] = server.messages
    assert got.mail_from == SENDER
    assert got.rcpt_tos == ("anna@example.com", "boris@example.com")
    assert got.message_id == "<offer-1@example.com>"
    assert got.to == "anna@example.com"
    assert got.subject == "Offer 1"
    assert got.list_unsubscribe == "<https://crm.example.com/unsubscribe/1>"
    assert got.list_unsubscribe_post == "List-Unsubscribe=One-Click"
    assert got.parsed().get_content().strip() == "Letter 1"
    assert b"Letter 1" in got.raw
    assert server.rcpt_counts() == {"anna@example.com": 1, "boris@example.com": 1}


def test_every_third_data_gets_451_and_is_not_recorded():
    letters = [message(f"r{n}@example.com", n) for n in range(1, 8)]
    with RecordingServer(temp_fail_every=3) as server:
        errors = asyncio.run(send_each(server, letters))

    failed = [n for n, error in enumerate(errors, start=1) if error is not None]
    assert failed == [3, 6]
    for n in failed:
        error = errors[n - 1]
        assert isinstance(error, aiosmtplib.SMTPDataError)
        assert error.code == 451
        assert "try again later" in error.message
    assert server.data_commands == 7
    assert [m.subject for m in server.messages] == [f"Offer {n}" for n in (1, 2, 4, 5, 7)]


def test_rejected_address_gets_550_at_rcpt():
    with RecordingServer(reject={"Gone@Example.com"}) as server:
        errors = asyncio.run(
            send_each(server, [message("gone@example.com", 1), message("anna@example.com", 2)])
        )

    assert isinstance(errors[0], aiosmtplib.SMTPRecipientsRefused)
    [refused] = errors[0].recipients
    assert (refused.code, refused.recipient) == (550, "gone@example.com")
    assert "no such user" in refused.message
    assert errors[1] is None
    assert server.rcpt_counts() == {"anna@example.com": 1}


def test_rcpt_counts_sum_recipients_over_accepted_messages():
    letters = [message("anna@example.com", n) for n in range(3)] + [message("boris@example.com")]
    with RecordingServer(temp_fail_every=4) as server:
        asyncio.run(send_each(server, letters))

    # The fourth DATA, Boris's, was refused with 451 and so is not counted.
    assert server.rcpt_counts() == {"anna@example.com": 3}


def test_delay_makes_a_client_time_out_and_nothing_is_recorded():
    with RecordingServer(delay=0.5) as server:
        [error] = asyncio.run(send_each(server, [message("anna@example.com")], timeout=0.1))
        assert isinstance(error, aiosmtplib.SMTPTimeoutError)
        # Past the delay, with the server still running: the client's leaving aborted it.
        time.sleep(0.7)
        assert server.data_commands == 1
        assert server.messages == []


def test_drop_after_data_keeps_the_message_and_leaves_the_client_without_an_answer():
    with (
        RecordingServer(drop_after_data=True) as server,
        pytest.raises(aiosmtplib.SMTPServerDisconnected),
    ):
        asyncio.run(
            aiosmtplib.send(
                message("anna@example.com", 1),
                hostname=server.host,
                port=server.port,
                start_tls=False,
                timeout=5,
            )
        )

    assert server.messages == []
    [dropped] = server.dropped
    assert dropped.message_id == "<offer-1@example.com>"


def test_max_connections_sees_three_parallel_sessions():
    async def three_at_once(server: RecordingServer) -> None:
        clients = [
            aiosmtplib.SMTP(hostname=server.host, port=server.port, start_tls=False)
            for _ in range(3)
        ]
        # All three are connected before any sends, so they overlap whatever the timing.
        await asyncio.gather(*(client.connect() for client in clients))
        await asyncio.gather(
            *(
                client.send_message(message(f"r{n}@example.com", n))
                for n, client in enumerate(clients)
            )
        )
        await asyncio.gather(*(client.quit() for client in clients))

    with RecordingServer() as server:
        assert (server.connections, server.max_connections) == (0, 0)
        asyncio.run(three_at_once(server))
        assert server.max_connections == 3
        assert server.connections == 3
        assert len(server.messages) == 3
