"""Candidates from the client base for the rows of a file: one staged, set-based lookup."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from rapidfuzz import fuzz

from models.client_keys import BLOCK_LENGTH, name_blocks
from models.sql import query
from tasks.bulk_copy import copy_rows
from tasks.client_keys import full_name
from tasks.lead_batches import in_batches, score_candidates
from tasks.lead_matching import Match
from tasks.lead_records import ORGANISATION, Record, organisation_record, person_record
from tasks.normalise_persons import PersonName

# A block candidate whose name key is less alike than this is not worth fetching.
BLOCK_MIN_RATIO = 70
_IDS_PER_QUERY = 20_000


@dataclass
class BaseMatches:
    best: dict[int, tuple[Record, Match]] = field(default_factory=dict)  # row -> same client
    review: dict[int, list[tuple[Record, Match]]] = field(default_factory=dict)


def _exact_keys(record: Record) -> Iterable[tuple[str, str]]:
    if record.tax_id:
        yield "tax_id", record.tax_id
    yield from (("phone", p) for p in record.phones)
    yield from (("email", e) for e in record.emails)
    if record.kind == ORGANISATION:
        yield from (("domain", d) for d in record.domains)
        if record.name_key:
            yield "org_name", record.name_key
    elif record.name_key:
        yield "person_name", record.name_key
        if record.birth_date:
            yield "person_birth", f"{record.name_key}|{record.birth_date.isoformat()}"


def find_candidates(conn: sa.Connection, records: Sequence[Record]) -> dict[int, set[tuple]]:
    """row -> {("o", organisation_id) | ("p", person_id)} of clients worth comparing."""
    for name in ("create_import_keys", "create_import_blocks", "empty_staging"):
        conn.execute(query("lead_lists", name))
    copy_rows(
        conn,
        "import_keys",
        ("row_number", "kind", "key"),
        ((r.row_number, kind, key) for r in records for kind, key in dict.fromkeys(_exact_keys(r))),
    )
    by_row = {r.row_number: r for r in records}
    copy_rows(
        conn,
        "import_blocks",
        ("row_number", "head", "tail", "size"),
        (
            (r.row_number, *name_blocks(r.name_key), len(r.name_key))
            for r in records
            if r.kind == ORGANISATION and r.name_key and len(r.name_key) >= BLOCK_LENGTH
        ),
    )
    conn.execute(sa.text("ANALYZE import_keys"))
    conn.execute(sa.text("ANALYZE import_blocks"))
    found: dict[int, set[tuple]] = defaultdict(set)
    for row, org_id, person_id in conn.execute(query("lead_lists", "exact_candidates")):
        # A work phone or e-mail points at the person for a person row, else the organisation.
        if by_row[row].kind == ORGANISATION and org_id is not None:
            found[row].add(("o", org_id))
        elif person_id is not None:
            found[row].add(("p", person_id))
    for row, org_id, key in conn.execute(query("lead_lists", "block_candidates")):
        if fuzz.ratio(by_row[row].name_key, key, score_cutoff=BLOCK_MIN_RATIO):
            found[row].add(("o", org_id))
    return found


def load_records(conn: sa.Connection, refs: Iterable[tuple]) -> dict[tuple, Record]:
    refs = set(refs)
    records: dict[tuple, Record] = {}
    org_ids = sorted(i for kind, i in refs if kind == "o")
    person_ids = sorted(i for kind, i in refs if kind == "p")
    for chunk in _chunks(org_ids):
        for row in conn.execute(query("lead_lists", "organisations_by_id"), {"ids": chunk}):
            org_id, name, tax_id, phones, emails, website, city, address, external_id = row[:9]
            record = organisation_record(
                name,
                name_key=row.name_key,
                domains=frozenset(row.domains),
                legal_form=row.legal_form,
                tax_id=tax_id,
                phones=tuple(phones or ()),
                emails=tuple(emails or ()),
                website=website,
                city=city,
                address=address,
            )
            record.organisation_id, record.external_id = org_id, external_id
            records["o", org_id] = record
    for chunk in _chunks(person_ids):
        for row in conn.execute(query("lead_lists", "persons_by_id"), {"ids": chunk}):
            person_id, first, middle, last, birth, tax_id, phones, emails, city, external_id = row
            person = PersonName(
                last=last,
                first=first,
                middle=middle,
                first_initial=(first or "")[:1] or None,
                middle_initial=(middle or "")[:1] or None,
            )
            record = person_record(
                person,
                tax_id=tax_id,
                phones=tuple(phones or ()),
                emails=tuple(emails or ()),
                birth_date=birth,
                city=city,
            )
            record.name = full_name(first, middle, last) or record.name
            record.person_id, record.external_id = person_id, external_id
            records["p", person_id] = record
    return records


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IDS_PER_QUERY):
        yield ids[start : start + _IDS_PER_QUERY]


def match_base(
    conn: sa.Connection, records: Sequence[Record], same: float, review: float
) -> BaseMatches:
    """The best client of the base for each row at or above `same`, or those in the review band."""
    candidates = find_candidates(conn, records)
    known = load_records(conn, (ref for refs in candidates.values() for ref in refs))
    items = (
        (record, [known[ref] for ref in refs if ref in known])
        for record in records
        if (refs := candidates.get(record.row_number))
    )
    result = BaseMatches()
    # Scoring is pure (and may run in batches elsewhere); the lookups above stay here.
    for row, best, near in in_batches(score_candidates, items, same, review):
        if best is not None:
            result.best[row] = best
        else:
            result.review[row] = near
    return result
