"""Sending one issue of a campaign: claim, render, deliver, record; resumable at any point.

Exactly once: a ledger row moves pending -> sending (claimed by this run) -> sent / failed /
unknown / pending again (a 4xx, for later). The run holds an advisory lock on its key while it
is alive, so a later run can tell rows in flight from rows a killed run left behind; those
become 'unknown', never resent. Outcomes are written in small groups as they arrive, off the
event loop, so a kill loses little news and sending never waits for the database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr

import sqlalchemy as sa
from jinja2 import TemplateError
from sqlalchemy.engine import Engine

from models.errors import CrmError
from models.sql import query
from tasks.campaign_delivery import (
    FAILED,
    HARD_BOUNCES,
    Outcome,
    Outgoing,
    RateLimit,
    SmtpUnavailable,
    deliver,
)

FLUSH_SECONDS = 0.1
_TALLY = {"sent": "sent", "failed": "failed", "retry": "retried", "unknown": "unknown"}


@dataclass
class IssueResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    unknown: int = 0
    stopped: str | None = None  # why the run stopped early (the campaign then pauses)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Sending:
    """How to send: the SMTP side and the limits, prepared from settings and the campaign."""

    connect: Callable
    sender: str  # the From header; its address is the envelope sender
    connections: int
    per_second: float | None
    per_hour: int | None
    stop_after_failures: int
    retry_after_seconds: float
    max_attempts: int
    batch_size: int = 500


def _run_lock(key: str):
    return sa.select(
        sa.func.pg_advisory_lock(sa.func.hashtext("campaign-run"), sa.func.hashtext(key))
    )


def record(conn: sa.Connection, run_key: str, outcomes: Sequence[Outcome], how: Sending) -> None:
    """Write a group of outcomes in one statement; hard bounces become suppressions."""
    if not outcomes:
        return
    params = {
        "run_key": run_key,
        "max_attempts": how.max_attempts,
        "ids": [o.send_id for o in outcomes],
        "statuses": [o.status for o in outcomes],
        "codes": [o.code for o in outcomes],
        "details": [o.detail for o in outcomes],
        "message_ids": [None] * len(outcomes),
        "waits": [how.retry_after_seconds] * len(outcomes),
    }
    conn.execute(query("campaign_sending", "record_outcomes"), params)
    bounced = [o.send_id for o in outcomes if o.status == FAILED and o.code in HARD_BOUNCES]
    if bounced:
        conn.execute(query("campaign_sending", "suppress_bounced"), {"ids": bounced})


class _Run:
    def __init__(self, engine: Engine, campaign_id: int, line_id: int | None, how: Sending):
        self.engine, self.campaign_id, self.line_id, self.how = engine, campaign_id, line_id, how
        self.key = uuid.uuid4().hex[:16]
        self.result = IssueResult()
        self.pending: list[Outcome] = []

    def report(self, outcome: Outcome) -> None:
        self.pending.append(outcome)
        name = _TALLY[outcome.status]
        setattr(self.result, name, getattr(self.result, name) + 1)

    def write(self, group: Sequence[Outcome], item: Outgoing | None = None) -> bool:
        """Record outcomes and, in the same transaction, mark the next letter as on its way."""
        with self.engine.begin() as conn:
            record(conn, self.key, group, self.how)
            if item is None:
                return True
            params = {"send_id": item.send_id, "run_key": self.key}
            return (
                conn.execute(query("campaign_sending", "mark_sending"), params).first() is not None
            )

    async def flush(self) -> None:
        group, self.pending = self.pending, []
        if group:
            await asyncio.to_thread(self.write, group)

    async def mark(self, item: Outgoing) -> bool:
        # The news so far travels with the mark: one write per letter, and a kill leaves at
        # most the letter in flight on each connection unrecorded.
        group, self.pending = self.pending, []
        return await asyncio.to_thread(self.write, group, item)

    async def flusher(self, done: asyncio.Event) -> None:
        while not done.is_set():
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()

    def claim(self) -> list[sa.Row]:
        params = {
            "campaign_id": self.campaign_id,
            "batch": self.how.batch_size,
            "run_key": self.key,
            "line_id": self.line_id,
        }
        with self.engine.begin() as conn:
            return conn.execute(query("campaign_sending", "claim"), params).all()

    def release(self, untried: Sequence[Outgoing]) -> None:
        params = {"ids": [item.send_id for item in untried], "run_key": self.key}
        with self.engine.begin() as conn:
            conn.execute(query("campaign_sending", "release_unsent"), params)


def _prepare(engine: Engine, campaign_id: int) -> int:
    with engine.begin() as conn:
        conn.execute(query("campaign_sending", "recover_in_flight"), {"campaign_id": campaign_id})
        conn.execute(query("campaign_sending", "skip_suppressed"), {"campaign_id": campaign_id})
        return conn.scalar(query("campaign_sending", "sent_last_hour"))


async def _send(run: _Run, render: Callable[[sa.Row], Outgoing], sent_last_hour: int) -> None:
    how = run.how
    limit = RateLimit(how.per_second, how.per_hour, sent_last_hour)
    envelope_from = parseaddr(how.sender)[1]
    while not run.result.stopped:
        rows = await asyncio.to_thread(run.claim)
        if not rows:
            return
        done = asyncio.Event()
        flusher = asyncio.create_task(run.flusher(done))
        letters = _rendered(run, rows, render)
        try:
            untried, run.result.stopped = await deliver(
                letters,
                sender=envelope_from,
                connect=how.connect,
                connections=how.connections,
                limit=limit,
                report=run.report,
                stop_after_failures=how.stop_after_failures,
                mark=run.mark,
            )
        except SmtpUnavailable:
            # No connection was made, so none of these was tried: they wait for the next run.
            await asyncio.to_thread(run.release, letters)
            raise
        finally:
            done.set()
            await flusher
            await run.flush()
        if untried:
            await asyncio.to_thread(run.release, untried)


def _rendered(run: _Run, rows, render: Callable[[sa.Row], Outgoing]) -> list[Outgoing]:
    """Letters for the claimed rows; a row whose letter cannot be made fails with the reason."""
    letters = []
    for row in rows:
        try:
            letters.append(render(row))
        except (CrmError, TemplateError, ValueError) as error:
            run.report(Outcome(row.campaign_send_id, FAILED, None, f"letter not made: {error}"))
    return letters


def send_issue(
    engine: Engine,
    campaign_id: int,
    line_id: int | None,
    render: Callable[[sa.Row], Outgoing],
    how: Sending,
) -> IssueResult:
    """Send every due pending row of the campaign; returns this run's tallies and the ledger."""
    run = _Run(engine, campaign_id, line_id, how)
    with engine.connect() as holder:
        # Held for the whole run: it tells later runs that this run's claims are alive.
        holder.execute(_run_lock(run.key))
        holder.commit()
        try:
            asyncio.run(_send(run, render, _prepare(engine, campaign_id)))
        finally:
            # Closing the database session is what releases the lock; a pooled connection
            # would keep it.
            holder.invalidate()
    with engine.connect() as conn:
        counts = conn.execute(
            query("campaign_sending", "ledger_counts"), {"campaign_id": campaign_id}
        )
        run.result.counts = dict(counts.tuples().all())
    return run.result
