"""Handing letters to an SMTP server over several connections, within a rate limit.

Each letter goes through MAIL, RCPT and DATA on its own, so a failure is known for what it is:
an answer before DATA means the server has not taken the letter (safe to try again later); a
lost connection or a timeout during DATA means it may have (recorded as unknown, never resent).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiosmtplib

from models.errors import CrmError

SENT, FAILED, RETRY, UNKNOWN = "sent", "failed", "retry", "unknown"
# 5xx answers that say the mailbox is gone: the address is suppressed for good.
HARD_BOUNCES = frozenset({550, 551, 553})


class SmtpUnavailable(CrmError):
    """No connection to the SMTP server could be made or logged in; nothing was sent."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    send_id: int
    to: str
    raw: bytes


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


def _answer(error: aiosmtplib.SMTPResponseException) -> Outcome | None:
    status = RETRY if 400 <= error.code < 500 else FAILED
    return Outcome(0, status, error.code, f"{error.code} {error.message}"[:500])


class _Run:
    def __init__(self, items, report, stop_after_failures: int):
        self.queue: deque[Outgoing] = deque(items)
        self.report = report
        self.stop_after = stop_after_failures
        self.failures_in_a_row = 0
        self.stopped: str | None = None
        self.connected = 0
        self.connect_error: str | None = None

    def tell(self, item: Outgoing, outcome: Outcome) -> None:
        self.report(Outcome(item.send_id, outcome.status, outcome.code, outcome.detail))
        if outcome.status == SENT:
            self.failures_in_a_row = 0
        elif outcome.status in (FAILED, RETRY):
            self.failures_in_a_row += 1
            if self.stop_after and self.failures_in_a_row >= self.stop_after:
                self.stopped = (
                    f"{self.failures_in_a_row} failures in a row, the last: {outcome.detail}"
                )


async def _open(connect: Callable[[], aiosmtplib.SMTP], run: _Run) -> aiosmtplib.SMTP | None:
    smtp = connect()
    try:
        await smtp.connect()
    except (aiosmtplib.SMTPException, OSError) as error:
        run.connect_error = str(error) or type(error).__name__
        return None
    run.connected += 1
    return smtp


_BROKEN = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError)


async def _one(smtp: aiosmtplib.SMTP, sender: str, item: Outgoing) -> tuple[Outcome, bool]:
    """The outcome, and whether the connection broke."""
    try:
        await smtp.mail(sender)
        await smtp.rcpt(item.to)
    except aiosmtplib.SMTPResponseException as error:
        await smtp.rset()
        return _answer(error), False
    except _BROKEN as error:
        # Before DATA the server has not taken the letter: it can go again later.
        return Outcome(item.send_id, RETRY, None, f"connection lost before the data: {error}"), True
    try:
        response = await smtp.data(item.raw)
    except aiosmtplib.SMTPResponseException as error:
        return _answer(error), False
    except _BROKEN as error:
        # The data may be on the server's side already: recorded, never resent blindly.
        return Outcome(
            item.send_id, UNKNOWN, None, f"connection lost during the data: {error}"
        ), True
    return Outcome(item.send_id, SENT, response.code, None), False


async def _worker(run: _Run, connect, sender: str, limit: RateLimit, mark) -> None:
    smtp = await _open(connect, run)
    try:
        while smtp is not None and run.queue and not run.stopped:
            item = run.queue.popleft()
            await limit.wait()
            if mark is not None and not await mark(item):
                continue  # no longer this run's to send (another run recovered it)
            outcome, broken = await _one(smtp, sender, item)
            run.tell(item, outcome)
            if broken:
                smtp.close()
                smtp = await _open(connect, run)
    finally:
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except aiosmtplib.SMTPException:
                smtp.close()


async def deliver(
    items: Sequence[Outgoing],
    *,
    sender: str,
    connect: Callable[[], aiosmtplib.SMTP],
    connections: int,
    limit: RateLimit,
    report: Callable[[Outcome], None],
    stop_after_failures: int = 0,
    mark: Callable[[Outgoing], Awaitable[bool]] | None = None,
) -> tuple[list[Outgoing], str | None]:
    """Send what can be sent; returns the items never tried and why the run stopped early.

    `mark` is awaited before each letter goes; it records that the letter is on its way.
    """
    run = _Run(items, report, stop_after_failures)
    count = max(1, min(connections, len(items)))
    workers = [_worker(run, connect, sender, limit, mark) for _ in range(count)]
    await asyncio.gather(*workers)
    if run.connected == 0 and items:
        raise SmtpUnavailable(f"cannot reach or log in to the SMTP server: {run.connect_error}")
    return list(run.queue), run.stopped
