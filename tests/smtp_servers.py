"""Real SMTP servers for the sender's tests: aiosmtpd on loopback, each in its own thread.

    with RecordingServer(temp_fail_every=3, reject={"gone@example.com"}) as server:
        ...send to server.host, server.port...
        assert server.rcpt_counts()["anna@example.com"] == 1

A message counts as accepted (in `.messages`) only once the server has decided to answer 250
to its DATA; a 451, a 550 at RCPT or a dropped connection leave no trace there. What a dropped
connection took in is kept apart, in `.dropped`: the server has the bytes, the client never
learns it (the "unknown" outcome).
"""

from __future__ import annotations

import asyncio
import email.policy
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
TEMP_FAIL = "451 4.3.0 try again later"
NO_SUCH_USER = "550 5.1.1 no such user"

_header_parser = BytesParser(policy=email.policy.default)


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message_id: str | None
    to: str | None
    subject: str | None
    list_unsubscribe: str | None
    list_unsubscribe_post: str | None
    raw: bytes

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> ReceivedMessage:
        raw = envelope.original_content or envelope.content or b""
        # Headers only: the body is parsed on demand by `parsed()`, most tests never need it.
        headers = _header_parser.parsebytes(raw, headersonly=True)

        def header(name: str) -> str | None:
            value = headers[name]
            return None if value is None else str(value)

        return cls(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            message_id=header("Message-ID"),
            to=header("To"),
            subject=header("Subject"),
            list_unsubscribe=header("List-Unsubscribe"),
            list_unsubscribe_post=header("List-Unsubscribe-Post"),
            raw=raw,
        )

    def parsed(self) -> EmailMessage:
        """The whole message, body and attachments included."""
        return _header_parser.parsebytes(self.raw)  # type: ignore[return-value]


class _RecordingHandler:
    """Runs in the server's thread; everything the test thread reads goes through `lock`."""

    def __init__(
        self,
        temp_fail_every: int | None,
        reject: Iterable[str],
        delay: float,
        drop_after_data: bool,
    ) -> None:
        if temp_fail_every is not None and temp_fail_every < 1:
            raise ValueError("temp_fail_every must be >= 1")
        self.temp_fail_every = temp_fail_every
        # Mailbox names are compared case-insensitively, as servers in practice do.
        self.reject = {address.lower() for address in reject}
        self.delay = delay
        self.drop_after_data = drop_after_data
        self.lock = threading.Lock()
        self.sessions_changed = threading.Condition(self.lock)
        self.messages: list[ReceivedMessage] = []
        self.dropped: list[ReceivedMessage] = []
        self.data_commands = 0
        self.sessions = 0
        self.active = 0
        self.max_active = 0

    def session_opened(self) -> None:
        with self.lock:
            self.sessions += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.sessions_changed.notify_all()

    def session_closed(self) -> None:
        with self.lock:
            self.active -= 1
            self.sessions_changed.notify_all()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd API)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        if address.lower() in self.reject:
            return NO_SUCH_USER
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd API)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        # Counted on arrival, so "every n-th" follows the order DATA reached the server even
        # when a delay makes the answers finish in another order.
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
        if self.delay:
            # A client that gives up meanwhile closes the connection; aiosmtpd then cancels
            # this coroutine, and the message is never recorded (Postfix too drops a
            # transaction whose client left before the final reply).
            await asyncio.sleep(self.delay)
        if self.temp_fail_every and number % self.temp_fail_every == 0:
            return TEMP_FAIL
        received = ReceivedMessage.from_envelope(envelope)
        if self.drop_after_data:
            with self.lock:
                self.dropped.append(received)
            # The reply aiosmtpd then writes goes to a closed transport and is discarded, so the
            # client sees end-of-file instead of an answer.
            server.transport.close()
            return "250 OK (never sent)"
        with self.lock:
            self.messages.append(received)
        return "250 OK"


class _CountingSMTP(SMTP):
    """Tells the handler when a connection opens and closes, for the concurrency counter."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A STARTTLS upgrade calls this again on the same connection; only the first call opens.
        is_new = self.transport is None
        super().connection_made(transport)
        if is_new:
            self.event_handler.session_opened()

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        self.event_handler.session_closed()


class _Controller(Controller):
    """Listens on a socket bound here to port 0, so no other process can take the port between
    choosing it and listening on it."""

    def __init__(self, handler: _RecordingHandler) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((HOST, 0))
        self._sock.listen(128)
        # A fixed server name: otherwise each connection resolves the machine's FQDN, which
        # can take seconds on a host with slow DNS.
        super().__init__(
            handler,
            hostname=HOST,
            port=self._sock.getsockname()[1],
            server_hostname="localhost",
        )

    def factory(self) -> SMTP:
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class RecordingServer:
    """An SMTP server on 127.0.0.1 that records what it accepts; use it as a context manager.

    temp_fail_every: answer "451 4.3.0 try again later" to every n-th DATA (all DATA counted).
    reject: answer "550 5.1.1 no such user" at RCPT TO for these addresses.
    delay: seconds to wait before answering each DATA, to make a client time out.
    drop_after_data: take each message's data, then close the connection without a reply.
    """

    def __init__(
        self,
        *,
        temp_fail_every: int | None = None,
        reject: Iterable[str] = (),
        delay: float = 0.0,
        drop_after_data: bool = False,
    ) -> None:
        self._handler = _RecordingHandler(temp_fail_every, reject, delay, drop_after_data)
        self._controller: _Controller | None = None
        self.host = HOST
        self.port = 0

    def __enter__(self) -> RecordingServer:
        controller = _Controller(self._handler)
        controller.start()
        self._controller = controller
        self.port = controller.port
        # Controller.start() opens one connection of its own to check the server answers;
        # wait for it to close so it counts neither as a session nor towards the maximum.
        with self._handler.sessions_changed:
            self._handler.sessions_changed.wait_for(lambda: self._handler.active == 0, 5)
            self._handler.sessions = 0
            self._handler.max_active = 0
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Messages answered 250, in the order accepted (a copy: safe to read while sending)."""
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def dropped(self) -> list[ReceivedMessage]:
        """Messages whose data was taken before the connection was closed without a reply."""
        with self._handler.lock:
            return list(self._handler.dropped)

    @property
    def data_commands(self) -> int:
        """Every DATA whose content arrived, whatever the answer."""
        with self._handler.lock:
            return self._handler.data_commands

    @property
    def connections(self) -> int:
        """Connections opened so far."""
        with self._handler.lock:
            return self._handler.sessions

    @property
    def max_connections(self) -> int:
        """The most connections that were open at the same time."""
        with self._handler.lock:
            return self._handler.max_active

    def rcpt_counts(self) -> Counter[str]:
        """How many accepted messages each envelope recipient got."""
        return Counter(rcpt for message in self.messages for rcpt in message.rcpt_tos)
