"""An SMTP sink in another process, and the bare aiosmtplib loop the campaign sender is held to.

    .venv/bin/python benchmarks/_smtp_sink.py [--messages 5000] [--connections 4]

The sink is aiosmtpd on 127.0.0.1 in a spawned process, so its work does not share the
sender's interpreter (and GIL); it only counts messages. `bare_send` is the floor: persistent
connections, pre-built messages, sendmail with the raw bytes and nothing else.
`bare_send_committing` is that loop with one durable database commit before each message.
"""

from __future__ import annotations

import argparse
import asyncio
import email.policy
import multiprocessing
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

import aiosmtplib
import psycopg2
from aiosmtpd.smtp import SMTP

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import CpuMeter  # noqa: E402

HOST = "127.0.0.1"


class _CountingHandler:
    def __init__(self, counter: Synchronized) -> None:
        self.counter = counter

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        # This process is the only writer, but the parent may read at any time.
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 OK"


async def _serve_until(ready: Connection, stop: Event, counter: Synchronized) -> None:
    loop = asyncio.get_running_loop()
    handler = _CountingHandler(counter)
    # A fixed server name spares each connection a lookup of the machine's FQDN; SMTPUTF8 as in
    # the project's capture server, so the same messages are accepted.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost", enable_SMTPUTF8=True),
        host=HOST,
        port=0,
        backlog=256,
    )
    ready.send(server.sockets[0].getsockname()[1])
    ready.close()
    # The multiprocessing Event blocks, so it is waited for in a thread, off the event loop.
    await loop.run_in_executor(None, stop.wait)
    server.close()
    await server.wait_closed()


def _serve(ready: Connection, stop: Event, counter: Synchronized) -> None:
    asyncio.run(_serve_until(ready, stop, counter))


@contextmanager
def sink_process(
    start_timeout: float = 30.0,
) -> Iterator[tuple[str, int, Synchronized, int]]:
    """Run the counting sink in a spawned process; yields (host, port, counter, its pid).

    `counter.value` is the number of messages the sink has answered 250 to so far.
    """
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    stop = context.Event()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve, args=(send, stop, counter), name="smtp-sink", daemon=True
    )
    process.start()
    # Only the child holds the sending end now, so its death shows up here as end-of-file.
    send.close()
    try:
        if not receive.poll(start_timeout):
            raise RuntimeError(f"the SMTP sink did not start within {start_timeout} s")
        try:
            port = receive.recv()
        except EOFError:
            process.join(5)
            raise RuntimeError(f"the SMTP sink exited with code {process.exitcode}") from None
        yield HOST, port, counter, process.pid
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join()
        receive.close()


_headers = BytesHeaderParser(policy=email.policy.default)


def _envelope(message: bytes | EmailMessage) -> tuple[str, list[str], bytes]:
    if isinstance(message, EmailMessage):
        headers = message
        # The same flattening the sender's send_message does: CRLF line ends.
        raw = message.as_bytes(policy=email.policy.SMTP)
    else:
        headers = _headers.parsebytes(message)
        raw = message
    recipients = [address for _, address in getaddresses(headers.get_all("To", []))]
    return parseaddr(headers["From"])[1], recipients, raw


async def _send_from_queue(
    host: str,
    port: int,
    prepared: list[tuple[str, list[str], bytes]],
    connections: int,
    meter: CpuMeter | None,
) -> float:
    queue: asyncio.Queue[tuple[str, list[str], bytes]] = asyncio.Queue()
    for item in prepared:
        queue.put_nowait(item)

    async def worker() -> None:
        smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False)
        await smtp.connect()
        try:
            # No await between the check and the get: no other worker can empty it in between.
            while not queue.empty():
                sender, recipients, raw = queue.get_nowait()
                await smtp.sendmail(sender, recipients, raw)
        finally:
            await smtp.quit()

    with meter or nullcontext():
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(connections, len(prepared)))))
        return time.perf_counter() - started


def bare_send(
    host: str,
    port: int,
    messages: Sequence[bytes] | Sequence[EmailMessage],
    connections: int,
    meter: CpuMeter | None = None,
) -> float:
    """Seconds to send every message over `connections` persistent connections, connecting
    and quitting included; envelopes come from the From and To headers, worked out first
    (`meter`, if given, measures the sending only)."""
    prepared = [_envelope(message) for message in messages]
    return asyncio.run(_send_from_queue(host, port, prepared, connections, meter))


async def _send_committing(
    host: str, port: int, prepared: list[tuple[str, list[str], bytes]], connections: int, dsn
) -> float:
    from tasks.campaign_sending import _ready  # drives an asynchronous psycopg2 connection

    queue: asyncio.Queue[tuple[str, list[str], bytes]] = asyncio.Queue()
    for item in prepared:
        queue.put_nowait(item)

    async def worker(number: int) -> None:
        db = psycopg2.connect(**dsn, async_=True)
        await _ready(db)
        cursor = db.cursor()
        smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False)
        await smtp.connect()
        try:
            while not queue.empty():
                sender, recipients, raw = queue.get_nowait()
                # One transaction per message, committed (as the server commits: synchronously)
                # before the message's MAIL, awaited: a bare loop's cost of a durable write.
                cursor.execute(_COMMIT, {"worker": number})
                await _ready(db)
                await smtp.sendmail(sender, recipients, raw)
        finally:
            await smtp.quit()
            db.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(min(connections, len(prepared)))))
    return time.perf_counter() - started


_COMMITS_TABLE = (
    "create table if not exists bench_commits (worker int primary key, n bigint not null);"
    "insert into bench_commits select n, 0 from generate_series(0, %(workers)s) as n"
    " on conflict do nothing"
)
_COMMIT = "update bench_commits set n = n + 1 where worker = %(worker)s"


def bare_send_committing(
    host: str, port: int, messages: Sequence[bytes], connections: int, dsn: dict
) -> float:
    """bare_send plus one durable commit per message, before its MAIL: a one-row UPDATE of a
    small table (`bench_commits`, created in the database `dsn` names), on an asynchronous
    psycopg2 connection of each worker's own. Not a floor the sender is held to: it shows what
    a write that must be on disk before each message costs a loop that does nothing else."""
    with psycopg2.connect(**dsn) as db, db.cursor() as cursor:
        cursor.execute(_COMMITS_TABLE, {"workers": connections})
    db.close()
    prepared = [_envelope(message) for message in messages]
    return asyncio.run(_send_committing(host, port, prepared, connections, dsn))


def small_messages(count: int) -> list[bytes]:
    """Plain-text letters built by the project's own `build_message`, as bytes."""
    from tasks.mail import Letter, build_message

    sender = "CRM <crm@bench.example>"
    return [
        build_message(
            Letter(to=f"client{n}@bench.example", subject=f"Offer {n}", text=f"Hello, {n}."),
            sender,
        ).as_bytes()
        for n in range(count)
    ]


def main(args: argparse.Namespace) -> None:
    messages = small_messages(args.messages)
    size = sum(map(len, messages)) / len(messages)
    with sink_process() as (host, port, counter, _):
        seconds = bare_send(host, port, messages, args.connections)
        received = counter.value
    print(
        f"bare aiosmtplib: {len(messages):,} messages of ~{size:.0f} bytes over "
        f"{args.connections} connections in {seconds:.2f} s: {len(messages) / seconds:,.0f} msg/s"
    )
    print(f"sink counted: {received:,}")
    if received != len(messages):
        raise SystemExit("the sink did not count every message")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--connections", type=int, default=4)
    main(parser.parse_args())
