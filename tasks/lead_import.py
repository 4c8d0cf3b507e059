"""An import from end to end: read, normalise, match, decide, write; one transaction."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path

import sqlalchemy as sa

from models.errors import CrmError
from models.imports import Decision, ImportKind
from models.leads import Lead
from models.lists import ContactList
from models.settings import get_settings
from models.sql import query
from tasks.client_keys import index_clients
from tasks.lead_batches import in_batches, normalise, remote_runner
from tasks.lead_candidates import BaseMatches, match_base
from tasks.lead_clusters import FileClusters, cluster_file
from tasks.lead_decisions import Context, RowDecision, decide_rows, load_holders, load_suppressed
from tasks.lead_fields import ColumnMap, ColumnMapError, map_columns, parse_mapping
from tasks.lead_matching import Match
from tasks.lead_owners import distribute, owner_handles, resolve_rep
from tasks.lead_records import Prospect, parse_date
from tasks.lead_writing import BatchInfo, write_batch, write_clients
from tasks.lines import line_id_by_name
from tasks.reading import FileReadError, Table, read_table

# Below this many rows starting worker processes costs more than it saves.
PARALLEL_FROM = 20_000
# The gate needs enough rows to judge a file by its share of invalid ones.
GATE_MIN_ROWS = 20
LIST_NAME_MAX = ContactList.__table__.c.name.type.length
# Warm criteria describe themselves at length; the batch and its leads keep this much.
SOURCE_NAME_MAX = Lead.__table__.c.source.type.length


class ImportGateError(CrmError):
    """The file is mostly unusable; nothing was written."""


@dataclass
class SourceFile:
    name: str
    sha256: str
    columns: ColumnMap
    prospects: list[Prospect]


@dataclass
class ImportResult:
    batch_id: int | None
    list_id: int | None
    counts: dict[str, int]
    decisions: list[RowDecision] = field(default_factory=list)
    prospects: list[Prospect] = field(default_factory=list)
    previous: dict | None = None  # the same file was imported before: that batch

    @property
    def created(self) -> int:
        return self.counts.get(Decision.new.value, 0) if self.previous is None else 0


def read_mapped(path: Path, mapping: Sequence[str] = ()) -> tuple[Table, ColumnMap]:
    """A table file and its columns matched to fields; errors name the file."""
    table = read_table(path)
    explicit = parse_mapping(mapping)
    try:
        return table, map_columns(table.headers, explicit)
    except ColumnMapError as error:
        raise ColumnMapError(f"{path}: {error}") from None


def read_source(path: Path, mapping: Sequence[str] = ()) -> SourceFile:
    """Read and normalise a lead file; a file that cannot be read at all raises FileReadError."""
    path = Path(path)
    limit = get_settings().max_import_mb
    if path.is_file() and path.stat().st_size > limit * 1024 * 1024:
        raise FileReadError(
            f"{path}: {path.stat().st_size / 1024 / 1024:.1f} MB is over the {limit} MB limit "
            "(MAX_IMPORT_MB); split the file"
        )
    table, columns = read_mapped(path, mapping)
    if not table.rows:
        raise FileReadError(f"{path}: no rows under the header; nothing to import")
    prospects = normalise_rows(columns, table.rows)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SourceFile(path.name, digest, columns, prospects)


def normalise_rows(columns: ColumnMap, rows: list) -> list[Prospect]:
    """Normalise every row; a large file is shared among processes (the work is pure Python)."""
    settings = get_settings()
    region = settings.default_phone_region
    if remote_runner() is not None:  # the flow's Dask cluster
        return in_batches(normalise, rows, columns, region)
    workers = settings.import_workers or os.cpu_count() or 1
    if len(rows) < PARALLEL_FROM or workers < 2:
        return normalise(rows, columns, region)
    size = -(-len(rows) // (workers * 4))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    # spawn, not fork: a flow run has threads (Prefect's), and forking them can deadlock.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        parts = pool.map(normalise, chunks, repeat(columns), repeat(region))
        return [prospect for part in parts for prospect in part]


def check_gate(prospects: Sequence[Prospect], source: str) -> None:
    invalid = sum(1 for p in prospects if p.problems or p.no_contact)
    share = invalid / len(prospects) if prospects else 0.0
    limit = get_settings().max_invalid_share
    if len(prospects) >= GATE_MIN_ROWS and share > limit:
        reasons = Counter(
            problem.split(":")[0]
            for p in prospects
            for problem in [*p.problems, *filter(None, [p.no_contact])]
        )
        common = ", ".join(f"{why} ({n})" for why, n in reasons.most_common(3))
        raise ImportGateError(
            f"{source}: {invalid} of {len(prospects)} rows are invalid ({share:.0%}, over the "
            f"{limit:.0%} allowed by MAX_INVALID_SHARE); most common: {common}. Nothing was written"
        )


def import_prospects(
    conn: sa.Connection,
    prospects: list[Prospect],
    *,
    kind: ImportKind,
    source_name: str,
    line: str,
    rep: str | None = None,
    distribution: str | None = None,
    list_name: str | None = None,
    dry_run: bool = False,
    sha256: str | None = None,
    criteria: dict | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Match and decide every prospect and write the result; never commits."""
    now = now or datetime.now(UTC)
    line_id = line_id_by_name(conn, line)
    conn.execute(query("lead_lists", "lock_line_imports"), {"line_id": line_id})
    if sha256 and not dry_run:
        previous = (
            conn.execute(
                query("lead_lists", "previous_batch"),
                {"kind": kind.value, "line_id": line_id, "sha256": sha256},
            )
            .mappings()
            .first()
        )
        if previous:
            return ImportResult(
                previous["batch_id"], None, dict(previous["counts"]), previous=dict(previous)
            )
    rep_id = resolve_rep(conn, line_id, line, rep) if rep else None
    if list_name and len(list_name) > LIST_NAME_MAX:
        raise CrmError(f"the list name is over {LIST_NAME_MAX} characters; choose a shorter one")
    if (
        list_name
        and not dry_run
        and conn.scalar(query("lead_lists", "list_named"), {"name": list_name})
    ):
        raise CrmError(f"a list named '{list_name}' already exists; choose another name")
    if kind != ImportKind.client_base and rep_id is None and not distribution:
        raise CrmError("give the rep who will work the list, or a distribution rule")
    check_gate(prospects, source_name)
    records = [p.record for p in prospects if p.record is not None and not p.problems]
    if kind == ImportKind.warm_source:
        clusters, primaries = FileClusters(), records
        chosen = Match(1.0, "chosen by the criteria")
        base = BaseMatches(best={r.row_number: (r, chosen) for r in records})
    else:
        index_clients(conn)
        settings = get_settings()
        clusters = cluster_file(records, settings.match_same, settings.match_review)
        primaries = [r for r in records if clusters.primary(r.row_number) == r.row_number]
        base = match_base(conn, primaries, settings.match_same, settings.match_review)
    matched = [record for record, _ in base.best.values()]
    holders = load_holders(conn, matched)
    emails = {e for r in primaries for e in r.emails}
    suppressed = load_suppressed(conn, matched, emails)
    context = Context(kind, line_id, line, rep_id)
    decisions = decide_rows(prospects, clusters, base, holders, suppressed, context)
    new = [d for d in decisions if d.decision == Decision.new]
    if kind == ImportKind.client_base:
        _owners_from_file(conn, prospects, new)
    elif rep_id is not None:
        for d in new:
            d.owner_id = rep_id
    else:
        distribute(conn, line_id, line, new, distribution, now.date())
    info = BatchInfo(
        kind, source_name[:SOURCE_NAME_MAX], sha256, criteria, line_id, rep_id, distribution,
        list_name, dry_run,
    )  # fmt: skip
    if not dry_run:
        write_clients(conn, prospects, decisions, info, now)
    counts = dict(Counter(d.decision.value for d in decisions))
    batch_id, list_id = write_batch(conn, prospects, decisions, info, counts)
    return ImportResult(batch_id, list_id, counts, decisions, list(prospects))


def _owners_from_file(
    conn: sa.Connection, prospects: Sequence[Prospect], new: list[RowDecision]
) -> None:
    handles = owner_handles(conn)
    by_row = {p.row_number: p for p in prospects}
    for d in new:
        values = by_row[d.row_number].values
        if since := parse_date(values.get("owned_since")):
            d.owned_since = datetime.combine(since, time(), UTC)
        owner = values.get("owner")
        if owner:
            d.owner_id = handles.get(owner.strip().lower())
            if d.owner_id is None:
                d.reason = (
                    f"new client; owner '{owner}' is not an employee, left in the line's pool"
                )
