"""The demo base: generated deterministically for a seed and streamed into the store with COPY.

One transaction, the caller's: ids are handed out in Python after the current maximum, each
chunk of organisations goes in as one COPY per table, and the identity sequences are moved past
the loaded ids at the end. A background thread generates the next chunk while PostgreSQL
ingests the current one, so a two-core machine keeps both cores busy.
"""

from __future__ import annotations

import gc
import queue
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from models.errors import CrmError
from models.registry import metadata
from models.report_history import history_copied
from tasks.bulk_copy import copy_file, render_rows, reset_identity
from tasks.demo_clients import EMPLOYMENT_COLUMNS, ORGANISATION_COLUMNS, ClientFactory
from tasks.demo_extras import (
    INVITATION_COLUMNS,
    RESPONSE_COLUMNS,
    Reference,
    SurveyFactory,
    ensure_reference_rows,
)
from tasks.demo_people import LIST_MEMBER_COLUMNS, PERSON_COLUMNS, USEFUL_DATE_COLUMNS
from tasks.demo_pipeline import (
    ACTIVITY_COLUMNS,
    DEAL_COLUMNS,
    LEAD_COLUMNS,
    OWNERSHIP_COLUMNS,
    STAGE_CHANGE_COLUMNS,
    PipelineFactory,
)
from tasks.demo_team import DemoTeam, ensure_demo_team

__all__ = ["DemoCounts", "DemoDataError", "ensure_demo_team", "load_demo_data"]

CHUNK_ORGS = 10_000
# Parents before children: each COPY's foreign keys are checked at its end.
COPY_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": PERSON_COLUMNS,
    "organisations": ORGANISATION_COLUMNS,
    "employments": EMPLOYMENT_COLUMNS,
    "leads": LEAD_COLUMNS,
    "lead_stage_changes": STAGE_CHANGE_COLUMNS,
    "ownership_changes": OWNERSHIP_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
    "deals": DEAL_COLUMNS,
    "useful_dates": USEFUL_DATE_COLUMNS,
    "list_members": LIST_MEMBER_COLUMNS,
    "survey_invitations": INVITATION_COLUMNS,
    "survey_responses": RESPONSE_COLUMNS,
}
# Tables whose ids are given in Python because other generated rows point at them.
EXPLICIT_IDS = {
    "organisations": "organisation_id",
    "persons": "person_id",
    "leads": "lead_id",
    "survey_invitations": "survey_invitation_id",
}


class DemoDataError(CrmError, ValueError):
    """The demo base cannot be loaded as asked; the message is one line."""


class DemoCounts(BaseModel):
    """Rows this load added, per table."""

    model_config = ConfigDict(frozen=True)

    business_lines: int = 0
    sales_stages: int = 0
    employees: int = 0
    employee_lines: int = 0
    leave_periods: int = 0
    professional_holidays: int = 0
    contact_lists: int = 0
    survey_waves: int = 0
    organisations: int = 0
    persons: int = 0
    employments: int = 0
    leads: int = 0
    lead_stage_changes: int = 0
    ownership_changes: int = 0
    activities: int = 0
    deals: int = 0
    useful_dates: int = 0
    list_members: int = 0
    suppressions: int = 0
    survey_invitations: int = 0
    survey_responses: int = 0

    @property
    def total(self) -> int:
        return sum(self.model_dump().values())


@dataclass
class EncodedChunk:
    payloads: dict[str, tuple[bytes, int]]  # table -> (COPY text, rows)
    suppressions: list[tuple]


def load_demo_data(
    conn: sa.Connection,
    *,
    orgs: int,
    seed: int = 42,
    reset: bool = False,
    as_of: date | None = None,
) -> DemoCounts:
    """Generate `orgs` organisations with their people, leads and history; never commits.

    Refuses a base that already holds organisations unless `reset`, which empties every table
    first, in the same transaction. `as_of` (default: today, UTC) anchors all relative dates.
    """
    if orgs < 0:
        raise DemoDataError(f"the number of organisations cannot be negative, got {orgs}")
    as_of = as_of or datetime.now(UTC).date()
    _prepare_base(conn, reset)
    team = ensure_demo_team(conn, seed, as_of)
    reference = ensure_reference_rows(conn, team, as_of)
    counts = Counter(team.created) + Counter(reference.created)
    chunks = generate_chunks(orgs, seed, as_of, team, reference, _id_bases(conn))
    # The leads' stage histories are generated with them, from their first stage on.
    history_copied(conn, True)
    for chunk in in_background(chunks):
        for table, (payload, rows) in chunk.payloads.items():
            copy_file(conn, table, COPY_COLUMNS[table], payload)
            counts[table] += rows
        counts["suppressions"] += _insert_suppressions(conn, chunk.suppressions)
    history_copied(conn, False)
    for table, column in EXPLICIT_IDS.items():
        reset_identity(conn, table, column)
    return DemoCounts(**counts)


def _prepare_base(conn: sa.Connection, reset: bool) -> None:
    if reset:
        tables = ", ".join(
            conn.dialect.identifier_preparer.quote(t.name) for t in metadata.sorted_tables
        )
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return
    held = conn.scalar(sa.text("SELECT count(*) FROM organisations"))
    if held:
        raise DemoDataError(
            f"the client base already holds {held} organisations; use --reset to replace it"
        )


def _id_bases(conn: sa.Connection) -> dict[str, int]:
    parts = ", ".join(
        f"(SELECT coalesce(max({column}), 0) FROM {table})"
        for table, column in EXPLICIT_IDS.items()
    )
    return dict(zip(EXPLICIT_IDS, conn.execute(sa.text(f"SELECT {parts}")).one(), strict=True))


def generate_chunks(
    orgs: int, seed: int, as_of: date, team: DemoTeam, reference: Reference, bases: dict[str, int]
) -> Iterator[EncodedChunk]:
    """The whole base, CHUNK_ORGS organisations at a time, already encoded for COPY."""
    # One stream per part, so the clients of a seed stay the same whatever the team looks like.
    clients = ClientFactory(
        random.Random(f"demo-clients-{seed}"),
        as_of,
        bases["organisations"],
        bases["persons"],
        reference.list_ids,
    )
    pipeline = PipelineFactory(random.Random(f"demo-leads-{seed}"), as_of, team, bases["leads"])
    survey = SurveyFactory(
        random.Random(f"demo-survey-{seed}"),
        as_of,
        reference.survey_wave_id,
        bases["survey_invitations"],
    )
    for start in range(0, orgs, CHUNK_ORGS):
        with _collector_paused():
            rows, chunk_clients = clients.chunk(start, min(CHUNK_ORGS, orgs - start))
            if pipeline.shapes:
                survey.invite(pipeline.leads(chunk_clients, rows), rows)
        payloads = {
            table: (render_rows(rows[table]), len(rows[table]))
            for table in COPY_COLUMNS
            if rows.get(table)
        }
        yield EncodedChunk(payloads, rows.get("suppressions", []))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk is built.

    A chunk is a few hundred thousand tuples that cannot form cycles; left on, the collector
    rescans them over and over and costs a quarter of the generation time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _insert_suppressions(conn: sa.Connection, rows: list[tuple]) -> int:
    # Not COPY: an address may already be suppressed, and the unique e-mail must not fail the load.
    if not rows:
        return 0
    emails, persons, orgs, reasons, sources = (list(column) for column in zip(*rows, strict=True))
    return conn.execute(
        sa.text(
            "INSERT INTO suppressions (email, person_id, organisation_id, reason, source) "
            "SELECT e, p, o, r::suppression_reason, s FROM unnest("
            "CAST(:e AS text[]), CAST(:p AS bigint[]), CAST(:o AS bigint[]), "
            "CAST(:r AS text[]), CAST(:s AS text[])) AS u(e, p, o, r, s) "
            "ON CONFLICT DO NOTHING"
        ),
        {"e": emails, "p": persons, "o": orgs, "r": reasons, "s": sources},
    ).rowcount


_DONE = object()


def in_background(items: Iterator, depth: int = 2) -> Iterator:
    """Run `items` in a thread, at most `depth` ahead of the consumer; errors are re-raised here.

    The COPY waits on the server with the GIL released, so generation overlaps with ingestion.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                handoff.put(item)
            handoff.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            handoff.put(exc)

    worker = threading.Thread(target=produce, name="demo-data-generator", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            with suppress(queue.Empty):
                handoff.get(timeout=0.1)
        worker.join()
