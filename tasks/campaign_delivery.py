"""Handing letters to an SMTP server over several connections, within a rate limit.

Each letter goes through MAIL, RCPT and DATA on its own, so a failure is known for what it is:
an answer before the content means the server has not taken the letter (safe to try again
later); a lost connection or a timeout once the content is on its way means it may have
(recorded as unknown, never resent). The mark that records a letter as on its way is written
while MAIL, RCPT and the DATA command travel; the content waits for it. A letter whose mark is
refused once the server has said 354 is abandoned by closing the connection, the one way to end
a mail transaction in the middle of DATA without the server taking anything.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import aiosmtplib

from models.errors import CrmError

SENT, FAILED, RETRY, UNKNOWN = "sent", "failed", "retry", "unknown"
# 5xx answers that say the mailbox is gone: the address is suppressed for good.
HARD_BOUNCES = frozenset({550, 551, 553})
T = TypeVar("T")


class SmtpUnavailable(CrmError):
    """No connection to the SMTP server could be made or logged in; nothing was sent."""


# An address as it may stand in <> on a command line: nothing that could end the line, add a
# parameter or close the brackets early; ASCII, as the commands are sent.
_MAILBOX = re.compile(r"[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+")
_LINE_START_DOT = re.compile(rb"(?m)^\.")
_BARE_LINE_END = re.compile(rb"\r(?!\n)|(?<!\r)\n")


def mailbox(address: str) -> bytes:
    """`address` as the argument of MAIL FROM: or RCPT TO: (`<address>`); ValueError when it
    cannot be sent as it is."""
    if not _MAILBOX.fullmatch(address):
        raise ValueError(f"the address {address!r} cannot be used on an SMTP command line")
    return f"<{address}>".encode("ascii")


def data_content(raw: bytes) -> bytes:
    """A message as it travels after DATA: CRLF line ends, a dot doubled at the start of a line,
    and the closing dot line."""
    pairs = raw.count(b"\r\n")
    if raw.count(b"\r") != pairs or raw.count(b"\n") != pairs:  # counted, not copied
        raw = _BARE_LINE_END.sub(b"\r\n", raw)
    if raw.startswith(b".") or b"\n." in raw:
        raw = _LINE_START_DOT.sub(b"..", raw)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw + b".\r\n"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A letter for one address; its SMTP forms are made with it, off the connections' path (a
    recipient that cannot be written on a command line fails here, as a letter not made)."""

    send_id: int
    to: str
    raw: bytes
    rcpt: bytes = field(init=False, repr=False)
    content: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rcpt", b"TO:" + mailbox(self.to))
        object.__setattr__(self, "content", data_content(self.raw))


@dataclass(frozen=True, slots=True)
class Outcome:
    send_id: int
    status: str
    code: int | None = None
    detail: str | None = None


class RateLimit:
    """At most `per_second` letters a second and `per_hour` an hour, over every connection."""

    def __init__(self, per_second: float | None, per_hour: int | None, sent_last_hour: int = 0):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.per_hour = per_hour
        self.next_at = time.monotonic()
        now = time.monotonic()
        # Letters already sent this hour count as sent just now: never over the cap.
        self.window: deque[float] = deque([now] * min(sent_last_hour, per_hour or 0))
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval and not self.per_hour:
            return
        async with self.lock:
            now = time.monotonic()
            if self.per_hour:
                while self.window and now - self.window[0] >= 3600:
                    self.window.popleft()
                if len(self.window) >= self.per_hour:
                    await asyncio.sleep(3600 - (now - self.window[0]))
                    now = time.monotonic()
                    self.window.popleft()
            if self.next_at > now:
                await asyncio.sleep(self.next_at - now)
                now = time.monotonic()
            self.next_at = max(self.next_at, now) + self.interval
            if self.per_hour:
                self.window.append(now)


def _answer(item: Outgoing, error: aiosmtplib.SMTPResponseException) -> Outcome:
    status = RETRY if 400 <= error.code < 500 else FAILED
    return Outcome(item.send_id, status, error.code, f"{error.code} {error.message}"[:500])


_BROKEN = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError)


async def _reset(smtp: aiosmtplib.SMTP) -> bool:
    """End the mail transaction without DATA; True when the connection is broken."""
    try:
        await smtp.rset()
    except (aiosmtplib.SMTPResponseException, *_BROKEN):
        return True
    return False


async def _command(smtp: aiosmtplib.SMTP, expected: tuple[int, ...], *words: bytes) -> None:
    """One command; an answer other than `expected` raises, with its code and text."""
    response = await smtp.execute_command(*words)
    if response.code not in expected:
        raise aiosmtplib.SMTPResponseException(response.code, response.message)


async def _content(smtp: aiosmtplib.SMTP, content: bytes) -> aiosmtplib.SMTPResponse:
    """The message after the server's 354, and the server's answer to it."""
    protocol = smtp.protocol
    try:
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        protocol.write(content)
        response = await protocol.read_response(timeout=smtp.timeout)
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
        smtp.close()
        raise
    if response.code != 250:
        raise aiosmtplib.SMTPResponseException(response.code, response.message)
    return response


def _refused_already(marked: asyncio.Future) -> bool:
    """The mark has come back, and not as this run's: no need to enter DATA at all."""
    return marked.done() and (marked.exception() is not None or not marked.result())


async def _one(
    smtp: aiosmtplib.SMTP,
    mail_from: bytes,
    item: Outgoing,
    marked: asyncio.Future,
    hurry: Callable[[], None],
) -> tuple[Outcome | None, bool]:
    """The outcome (None: the letter is no longer this run's), and whether the connection broke.

    `marked` is the mark being written meanwhile: the content never goes before it is
    committed. Should the mark already be answered when RCPT is, a refused letter ends with
    RSET before DATA; otherwise DATA goes ahead, and a refusal closes the connection."""
    answer: Outcome | None = None
    broken = in_data = False
    try:
        await _command(smtp, (250,), b"MAIL", mail_from)
        hurry()
        await _command(smtp, (250, 251), b"RCPT", item.rcpt)
        if not _refused_already(marked):
            await _command(smtp, (354,), b"DATA")
            in_data = True
    except aiosmtplib.SMTPResponseException as error:
        answer, broken = _answer(item, error), await _reset(smtp)
    except _BROKEN as error:
        # Before the content the server has not taken the letter: it can go again later.
        answer = Outcome(item.send_id, RETRY, None, f"connection lost before the data: {error}")
        broken = True
    hurry()
    try:
        ours = await marked
    except BaseException:
        smtp.close()  # the mark failed: this transaction must never get its content
        raise
    if answer is not None or not ours:
        # Not marked (another run recovered the row, or it was suppressed): dropped unsent.
        if answer is None:
            if in_data:
                smtp.close()
                broken = True
            else:
                broken = await _reset(smtp)
        return (answer if ours else None), broken
    try:
        response = await _content(smtp, item.content)
    except aiosmtplib.SMTPResponseException as error:
        return _answer(item, error), False
    except _BROKEN as error:
        # The data may be on the server's side already: recorded, never resent blindly.
        return Outcome(
            item.send_id, UNKNOWN, None, f"connection lost during the data: {error}"
        ), True
    return Outcome(item.send_id, SENT, response.code, None), False


class Connections:
    """Up to `count` connections to the SMTP server, kept open from one batch to the next."""

    def __init__(self, connect: Callable[[], aiosmtplib.SMTP], count: int):
        self.connect, self.count = connect, max(1, count)
        self.idle: list[aiosmtplib.SMTP] = []
        self.error: str | None = None

    async def get(self) -> aiosmtplib.SMTP | None:
        """An open connection; None when none can be made (why is in `error`)."""
        while self.idle:
            smtp = self.idle.pop()
            if smtp.is_connected:  # the server may have closed it since
                return smtp
            smtp.close()
        smtp = self.connect()
        try:
            await smtp.connect()
            # The letters' commands go out as they are (their addresses are checked when the
            # letter is made), so the greeting aiosmtplib would add to the first is made here.
            if smtp.is_ehlo_or_helo_needed:
                try:
                    await smtp.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await smtp.helo()
        except (aiosmtplib.SMTPException, OSError) as error:
            self.error = str(error) or type(error).__name__
            return None
        return smtp

    def put(self, smtp: aiosmtplib.SMTP) -> None:
        if smtp.is_connected:
            self.idle.append(smtp)
        else:
            smtp.close()

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for smtp in idle:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()


class Delivery:
    """Hands letters to the SMTP server a batch at a time, within a rate limit, and stops itself
    after `stop_after_failures` failures in a row (`stopped` says why).

    `report` hears every outcome. `mark` is called as each letter is about to go and records
    that it is on its way: its answer (False: no longer this run's letter) is awaited before
    the content, so its commit overlaps MAIL, RCPT and DATA; `hurry` says a connection will
    need its mark soon (its MAIL was answered), so marks asked for meanwhile by other
    connections can share the commit. A connection asks for its next mark only after its last
    letter's outcome was reported. `make` turns an item into its letter, a few letters
    ahead of the connections (None: it could not be made, and was reported so); making a letter
    records nothing.
    """

    def __init__(
        self,
        *,
        sender: str,
        connect: Callable[[], aiosmtplib.SMTP],
        connections: int,
        limit: RateLimit,
        report: Callable[[Outcome], None],
        stop_after_failures: int = 0,
        mark: Callable[[Outgoing], Awaitable[bool]] | None = None,
        hurry: Callable[[], None] = lambda: None,
    ):
        self.limit, self.report, self.mark = limit, report, mark
        self.mail_from = b"FROM:" + mailbox(sender)
        self.hurry = hurry
        self.pool = Connections(connect, connections)
        self.stop_after = stop_after_failures
        self.failures_in_a_row = 0
        self.stopped: str | None = None
        self.halted = False  # stopped, or a worker failed: the others take no more letters

    async def send(self, items: Sequence[T], make: Callable[[T], Outgoing | None]) -> list[T]:
        """Send what can be sent; returns the items never taken (never tried), those made
        ahead but not taken included.

        Raises SmtpUnavailable when no connection could be made for them."""
        pending = deque(items)
        count = max(1, min(self.pool.count, len(items)))
        # One letter per connection made ahead, while the connections wait for the server:
        # making is off their path.
        ready: asyncio.Queue = asyncio.Queue(maxsize=count)
        maker = asyncio.create_task(self._make_ahead(pending, make, ready))
        connected: list[bool] = []  # one entry per worker that got a connection
        results = await asyncio.gather(
            *(self._worker(ready, connected) for _ in range(count)), return_exceptions=True
        )
        # Every worker has ended here: none goes on sending behind the caller's back.
        maker.cancel()
        results += await asyncio.gather(maker, return_exceptions=True)
        errors = [r for r in results if r is not None and not isinstance(r, asyncio.CancelledError)]
        if errors:
            raise errors[0]
        if items and not connected:
            raise SmtpUnavailable(f"cannot reach or log in to the SMTP server: {self.pool.error}")
        made = [ready.get_nowait() for _ in range(ready.qsize())]
        return [taken[0] for taken in made if taken is not None] + list(pending)

    async def _make_ahead(self, pending: deque, make, ready: asyncio.Queue) -> None:
        """Letters into `ready` as places free up, then None: the end, for every worker."""
        try:
            while pending and not self.halted:
                item = pending.popleft()
                letter = make(item)
                if letter is not None:
                    try:
                        await ready.put((item, letter))
                    except asyncio.CancelledError:
                        pending.appendleft(item)  # made, never taken: never tried
                        raise
                await asyncio.sleep(0)  # the server's answers come in between two letters
        except Exception:
            self.halted = True
            if not ready.full():
                ready.put_nowait(None)
            raise
        await ready.put(None)  # no more: each worker hands it on to the next

    async def close(self) -> None:
        await self.pool.close()

    def tell(self, outcome: Outcome) -> None:
        self.report(outcome)
        if outcome.status == SENT:
            self.failures_in_a_row = 0
        elif outcome.status in (FAILED, RETRY):
            self.failures_in_a_row += 1
            if self.stop_after and self.failures_in_a_row >= self.stop_after:
                self.stopped = (
                    f"{self.failures_in_a_row} failures in a row, the last: {outcome.detail}"
                )
                self.halted = True

    async def _worker(self, ready: asyncio.Queue, connected: list) -> None:
        smtp = await self.pool.get()
        if smtp is None:
            return
        connected.append(True)
        try:
            while not self.halted:
                taken = await ready.get()
                if taken is None:
                    ready.put_nowait(None)  # for the next worker
                    break
                letter = taken[1]
                await self.limit.wait()
                # Asked for now, awaited before the content; a future, so it starts now.
                marked = asyncio.ensure_future(self.mark(letter) if self.mark else _yes())
                outcome, broken = await _one(smtp, self.mail_from, letter, marked, self.hurry)
                if outcome is not None:
                    self.tell(outcome)
                if broken:
                    smtp.close()
                    smtp = await self.pool.get()
                    if smtp is None:
                        return
        except BaseException:
            self.halted = True
            smtp.close()
            smtp = None
            raise
        finally:
            if smtp is not None:
                self.pool.put(smtp)


async def _yes() -> bool:
    return True
