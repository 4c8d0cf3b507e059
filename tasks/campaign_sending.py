"""Sending one issue of a campaign: claim, render, deliver, record; resumable at any point.

Exactly once: a ledger row moves pending -> sending (claimed by this run) -> sent / failed /
unknown / pending again (a 4xx, for later). The run holds an advisory lock on its key while it
is alive, so a later run can tell rows in flight from rows a killed run left behind; those
become 'unknown', never resent. A row is marked 'sending' (committed) only when a connection is
about to send its letter, and before the server sees its data; marks asked for while a commit is
under way share the next one, and outcomes ride along.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras
import sqlalchemy as sa
from jinja2 import TemplateError
from sqlalchemy.engine import Engine

from models.errors import CrmError
from models.sql import query
from tasks.campaign_delivery import (
    FAILED,
    HARD_BOUNCES,
    Delivery,
    Outcome,
    Outgoing,
    RateLimit,
    SmtpUnavailable,
)

# A claimed ledger row, as the claim query returns it: a named tuple, its columns by attribute.
Claimed = Any
FLUSH_SECONDS = 0.1  # outcomes wait at most this long for a mark to travel with
_TALLY = {"sent": "sent", "failed": "failed", "retry": "retried", "unknown": "unknown"}


@dataclass
class IssueResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    unknown: int = 0
    stopped: str | None = None  # why the run stopped early (the campaign then pauses)
    busy: str | None = None  # why the run sent nothing: another run is sending the campaign
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


def _campaign_lock(campaign_id: int):
    return sa.select(
        sa.func.pg_try_advisory_lock(sa.func.hashtext("campaign-sending"), campaign_id)
    )


async def _ready(conn) -> None:
    """Wait, on the event loop, until an asynchronous psycopg2 connection has done its work."""
    loop = asyncio.get_running_loop()
    while (state := conn.poll()) != psycopg2.extensions.POLL_OK:
        if state == psycopg2.extensions.POLL_READ:
            add, remove = loop.add_reader, loop.remove_reader
        else:
            add, remove = loop.add_writer, loop.remove_writer
        done = loop.create_future()
        add(conn.fileno(), _wake, done)
        try:
            await done
        finally:
            remove(conn.fileno())


def _wake(done: asyncio.Future) -> None:
    if not done.done():
        done.set_result(None)


def _connect(engine: Engine):
    """An asynchronous psycopg2 connection to the engine's database (autocommit: each execute
    is its own transaction); `_ready` it before use."""
    args, params = engine.dialect.create_connect_args(engine.url)
    return psycopg2.connect(*args, **params, async_=True)


def _sql(engine: Engine, name: str) -> str:
    return str(query("campaign_sending", name).compile(dialect=engine.dialect))


_WRITES = ("record_outcomes", "suppress_bounced", "mark_sending")
_PARAM = re.compile(r"cast\(%\((\w+)\)s as ([\w \[\]]+)\)|%\((\w+)\)s")


def _prepared(name: str, sql: str) -> tuple[str, str]:
    """A named query as (PREPARE statement, EXECUTE with %(name)s placeholders): the ledger's
    per-letter statements are parsed and planned once per run, not once per letter."""
    names: list[str] = []
    casts: dict[str, str] = {}

    def number(match: re.Match) -> str:
        param = match.group(1) or match.group(3)
        if param not in names:
            names.append(param)
        slot = f"${names.index(param) + 1}"
        if match.group(2):
            casts[param] = match.group(2)
            return f"cast({slot} as {match.group(2)})"
        return slot

    body = _PARAM.sub(number, sql).replace("%%", "%")
    args = ", ".join(
        f"cast(%({n})s as {casts[n]})" if n in casts else f"%({n})s" for n in names
    )  # an argument with the type its statement casts it to, so NULL-only arrays pass
    return f"prepare crm_{name} as {body}", f"execute crm_{name}({args})"


class _Ledger:
    """The run's per-letter writes, on a connection of its own driven by the event loop.

    Marks are written once every SMTP connection has asked for one or one of them needs its
    mark soon (`hurry`: its MAIL was answered); marks asked for while a commit is under way go
    together in the next one: one statement, one commit (one WAL flush) for all of them, and no
    pool checkout or thread per letter. Each commit costs the database more than its rows do
    (measured: a commit for each mark as soon as asked sent 10% slower, and two groups of
    connections on two ledger connections no faster), so fewer, fuller commits send faster.
    Outcomes ride with the next commit, or go on their own after FLUSH_SECONDS. A connection
    reports a letter's outcome before it asks for its next mark, so that outcome is committed
    no later than that mark: at any instant each connection has at most one row 'sending'.
    """

    def __init__(self, engine: Engine, key: str, how: Sending):
        self.key, self.how = key, how
        self.sql = {name: _prepared(name, _sql(engine, name)) for name in _WRITES}
        self.conn = _connect(engine)
        self.marks: list[tuple[int, asyncio.Future]] = []
        self.outcomes: list[Outcome] = []
        self.wake = asyncio.Event()
        self.timer: asyncio.TimerHandle | None = None
        self.flushes: list[asyncio.Future] = []
        self.failed: BaseException | None = None
        self.closing = False
        self.task: asyncio.Task | None = None

    async def open(self) -> _Ledger:
        await _ready(self.conn)
        cursor = self.conn.cursor()
        # Planned once, for any ids: a custom plan per execution would cost more than the
        # statement (the per-letter statements reach their rows by primary key whatever the
        # values).
        generic = "set plan_cache_mode = force_generic_plan"
        cursor.execute(";\n".join([generic, *(prepare for prepare, _ in self.sql.values())]))
        await _ready(self.conn)
        self.task = asyncio.create_task(self._commits())
        return self

    def mark(self, item: Outgoing) -> asyncio.Future:
        """A future: True once the row is committed as 'sending' by this run, False when it is
        no longer this run's to send (another run recovered it, or it was suppressed since)."""
        waiter = asyncio.get_running_loop().create_future()
        if self.failed is not None:
            waiter.set_exception(self.failed)
        else:
            self.marks.append((item.send_id, waiter))
            if len(self.marks) >= self.how.connections:
                self.wake.set()
        return waiter

    def hurry(self) -> None:
        if self.marks:
            self.wake.set()

    def report(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.wake.set)

    async def flush(self) -> None:
        """Every outcome reported so far, committed."""
        if self.failed is not None:
            raise self.failed
        done = asyncio.get_running_loop().create_future()
        self.flushes.append(done)
        self.wake.set()
        await done

    async def close(self) -> None:
        self.closing = True
        self.wake.set()
        try:
            if self.task is not None:
                await self.task
        finally:
            self.conn.close()
        if self.failed is not None:
            raise self.failed  # outcomes were lost: those rows stay 'sending', then 'unknown'

    async def _commits(self) -> None:
        while not (self.closing and not self.marks and not self.outcomes):
            await self.wake.wait()
            self.wake.clear()
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            marks, self.marks = self.marks, []
            outcomes, self.outcomes = self.outcomes, []
            flushes, self.flushes = self.flushes, []
            try:
                ours = await self._write(outcomes, [send_id for send_id, _ in marks])
            except Exception as error:
                self.failed = error
                for waiter in [w for _, w in marks + self.marks] + flushes + self.flushes:
                    if not waiter.done():
                        waiter.set_exception(error)
                return  # the workers see it in their marks, the run in close()
            for send_id, waiter in marks:
                if not waiter.done():
                    waiter.set_result(send_id in ours)
            for waiter in flushes:
                if not waiter.done():
                    waiter.set_result(None)

    async def _write(self, outcomes: Sequence[Outcome], mark_ids: list[int]) -> set[int]:
        """One round trip and one transaction: a query string of several statements runs as
        one implicit transaction; the marks go last, so their rows are what comes back.
        Returns the ids now 'sending' for this run."""
        if not outcomes and not mark_ids:
            return set()
        statements, params = [], {"run_key": self.key, "mark_ids": mark_ids}
        if outcomes:
            statements.append(self.sql["record_outcomes"][1])
            params |= _outcome_params(outcomes, self.how)
            bounced = [o.send_id for o in outcomes if o.status == FAILED and o.code in HARD_BOUNCES]
            if bounced:
                statements.append(self.sql["suppress_bounced"][1])
                params["bounced_ids"] = bounced
        if mark_ids:
            statements.append(self.sql["mark_sending"][1])
        cursor = self.conn.cursor()
        cursor.execute(";\n".join(statements), params)
        await _ready(self.conn)
        rows = cursor.fetchall() if mark_ids else []
        return {send_id for send_id, status in rows if status == "sending"}


def _outcome_params(outcomes: Sequence[Outcome], how: Sending) -> dict:
    return {
        "max_attempts": how.max_attempts,
        "ids": [o.send_id for o in outcomes],
        "statuses": [o.status for o in outcomes],
        "codes": [o.code for o in outcomes],
        "details": [o.detail for o in outcomes],
        "message_ids": [None] * len(outcomes),
        "waits": [how.retry_after_seconds] * len(outcomes),
    }


class _Run:
    def __init__(self, engine: Engine, campaign_id: int, line_id: int | None, how: Sending):
        self.engine, self.campaign_id, self.line_id, self.how = engine, campaign_id, line_id, how
        self.key = uuid.uuid4().hex[:16]
        self.result = IssueResult()
        self.ledger: _Ledger | None = None

    def report(self, outcome: Outcome) -> None:
        self.ledger.report(outcome)
        name = _TALLY[outcome.status]
        setattr(self.result, name, getattr(self.result, name) + 1)


def claim_params(campaign_id: int, batch: int, run_key: str, line_id: int | None) -> dict:
    """The claim query's parameters for a first batch: up to `batch` of the campaign's due
    rows (those of the business line `line_id` only, when given), claimed for `run_key`."""
    return {
        "campaign_id": campaign_id,
        "batch": batch,
        "run_key": run_key,
        "line_id": line_id,
        "after": 0,  # the highest id of the previous batch
    }


class _Claims:
    """The run's batches, claimed on a connection of their own driven by the event loop: the
    next batch is claimed while the connections send the current one, so they never wait for
    a claim, and no thread takes the interpreter from the event loop. Rows are named tuples
    (the letter maker reads them by attribute)."""

    def __init__(self, run: _Run):
        self.params = claim_params(run.campaign_id, run.how.batch_size, run.key, run.line_id)
        self.claim_sql = _sql(run.engine, "claim")
        self.release_sql = _sql(run.engine, "release_unsent")
        self.conn = _connect(run.engine)
        self.lock = asyncio.Lock()  # one statement at a time on the connection

    async def open(self) -> _Claims:
        await _ready(self.conn)
        return self

    async def claim(self, *, again: bool = False) -> list:
        """The next batch after the last one; `again`: from the start of the ledger."""
        async with self.lock:
            if again:
                self.params["after"] = 0
            cursor = self.conn.cursor(cursor_factory=psycopg2.extras.NamedTupleCursor)
            cursor.execute(self.claim_sql, self.params)
            await _ready(self.conn)
            rows = cursor.fetchall()
            if rows:
                self.params["after"] = rows[-1].campaign_send_id  # the rows come sorted by id
            return rows

    async def release(self, untried: Sequence) -> None:
        if not untried:
            return
        params = {
            "ids": [row.campaign_send_id for row in untried],
            "run_key": self.params["run_key"],
        }
        async with self.lock:
            cursor = self.conn.cursor()  # kept until done: psycopg2 polls through it
            cursor.execute(self.release_sql, params)
            await _ready(self.conn)

    def close(self) -> None:
        self.conn.close()


def _prepare(engine: Engine, campaign_id: int) -> int:
    with engine.begin() as conn:
        conn.execute(query("campaign_sending", "recover_in_flight"), {"campaign_id": campaign_id})
        conn.execute(query("campaign_sending", "skip_suppressed"), {"campaign_id": campaign_id})
        return conn.scalar(query("campaign_sending", "sent_last_hour"))


async def _send(run: _Run, render: Callable[[Claimed], Outgoing], sent_last_hour: int) -> None:
    how = run.how
    run.ledger = ledger = await _Ledger(run.engine, run.key, how).open()
    claims = await _Claims(run).open()
    delivery = Delivery(
        sender=parseaddr(how.sender)[1],
        connect=how.connect,
        connections=how.connections,
        limit=RateLimit(how.per_second, how.per_hour, sent_last_hour),
        report=run.report,
        stop_after_failures=how.stop_after_failures,
        mark=ledger.mark,
        hurry=ledger.hurry,
    )
    ahead: asyncio.Task | None = asyncio.create_task(claims.claim())
    try:
        while not delivery.stopped:
            rows, ahead = await ahead, None
            if not rows:
                # Nothing was free onwards when that batch was claimed. Behind it, rows may
                # have been released or put due again by a 4xx since: once more from the
                # start, with every outcome in.
                await ledger.flush()
                rows = await claims.claim(again=True)
                if not rows:
                    break
            ahead = asyncio.create_task(claims.claim())
            try:
                untried = await delivery.send(rows, lambda row: _letter(run, render, row))
            except SmtpUnavailable:
                # No connection was made, so none of these was tried: they wait for the next run
                # (a letter that could not be made is recorded as failed first, and stays so).
                await ledger.flush()
                await claims.release(rows)
                raise
            if untried:
                await claims.release(untried)
    finally:
        try:
            await delivery.close()
            if ahead is not None:
                # Claimed ahead and never tried: free again. Should the claim's connection have
                # failed, its rows (if any were claimed) stay this run's until the next run
                # finds this one gone and frees them: nothing is lost either way.
                with contextlib.suppress(psycopg2.Error):
                    await claims.release(await ahead)
        finally:
            claims.close()
            await ledger.close()
    run.result.stopped = delivery.stopped


def _letter(run: _Run, render: Callable[[Claimed], Outgoing], row: Claimed) -> Outgoing | None:
    """The row's letter, made as a connection takes it; a letter that cannot be made fails."""
    try:
        return render(row)
    except (CrmError, TemplateError, ValueError) as error:
        run.report(Outcome(row.campaign_send_id, FAILED, None, f"letter not made: {error}"))
        return None


def send_issue(
    engine: Engine,
    campaign_id: int,
    line_id: int | None,
    render: Callable[[Claimed], Outgoing],
    how: Sending,
) -> IssueResult:
    """Send every due pending row of the campaign; returns this run's tallies and the ledger."""
    run = _Run(engine, campaign_id, line_id, how)
    with engine.connect() as holder:
        # Held for the whole run: it tells later runs that this run's claims are alive.
        holder.execute(_run_lock(run.key))
        # One sending run per campaign: a second one at once (the dispatcher beside a run
        # started from the UI) would keep the rate limits on its own and double the rate. Its
        # claims could never overlap (SKIP LOCKED), so this is about the limits, not about
        # sending twice.
        alone = holder.scalar(_campaign_lock(campaign_id))
        holder.commit()
        try:
            if alone:
                asyncio.run(_send(run, render, _prepare(engine, campaign_id)))
            else:
                run.result.busy = "another run is sending this campaign; this one sent nothing"
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
