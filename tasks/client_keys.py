"""Deriving and storing the match keys of clients (see models/client_keys.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date

import sqlalchemy as sa

from models.client_keys import KeyKind
from models.sql import query
from tasks.bulk_copy import copy_rows
from tasks.lead_records import org_words
from tasks.normalise_contacts import company_domain
from tasks.normalise_persons import person_key

KEY_COLUMNS = ("kind", "key", "organisation_id", "person_id")
_FETCH = 5000

Key = tuple[KeyKind, str]


def org_name_key(name: str | None) -> str | None:
    """The transliterated words of the name without its legal form: "romashka plius"."""
    return org_words(name)[3]


def organisation_keys(
    name: str | None,
    tax_id: str | None,
    phones: Iterable[str],
    emails: Iterable[str],
    website: str | None,
) -> list[Key]:
    """Keys of an organisation whose phones and e-mails are already normalised."""
    keys: list[Key] = []
    if name_key := org_name_key(name):
        keys.append((KeyKind.org_name, name_key))
    if tax_id:
        keys.append((KeyKind.tax_id, tax_id))
    keys += [(KeyKind.phone, phone) for phone in dict.fromkeys(phones)]
    emails = list(dict.fromkeys(emails))
    keys += [(KeyKind.email, email) for email in emails]
    domains = {company_domain(website)} | {company_domain(email) for email in emails}
    keys += [(KeyKind.domain, domain) for domain in sorted(d for d in domains if d)]
    return keys


def person_keys(
    full_name: str | None,
    birth_date: date | None,
    tax_id: str | None,
    phones: Iterable[str],
    emails: Iterable[str],
) -> list[Key]:
    keys: list[Key] = []
    if name_key := person_key(full_name):
        keys.append((KeyKind.person_name, name_key))
        if birth_date:
            keys.append((KeyKind.person_birth, f"{name_key}|{birth_date.isoformat()}"))
    if tax_id:
        keys.append((KeyKind.tax_id, tax_id))
    keys += [(KeyKind.phone, phone) for phone in dict.fromkeys(phones)]
    keys += [(KeyKind.email, email) for email in dict.fromkeys(emails)]
    return keys


def full_name(first: str | None, middle: str | None, last: str | None) -> str:
    return " ".join(part for part in (last, first, middle) if part)


def store_keys(conn: sa.Connection, rows: Iterable[tuple[Key, int | None, int | None]]) -> int:
    """COPY ((kind, key), organisation_id, person_id) rows into client_keys."""
    flat = ((kind.value, key, org_id, person_id) for (kind, key), org_id, person_id in rows)
    return copy_rows(conn, "client_keys", KEY_COLUMNS, flat)


def index_clients(conn: sa.Connection) -> int:
    """Key every organisation, person and employment that has no keys yet; returns keys added.

    Clients loaded by other paths (demo data, a restore) are keyed here before a match, so the
    check never silently misses them. A client counts as keyed once it has a key of its own.
    """
    added = 0
    for name, derive in (("unkeyed_organisations", _org_rows), ("unkeyed_persons", _person_rows)):
        # Fetched in slices from a server-side cursor: a COPY cannot run while a fetch is open.
        result = conn.execute(
            query("client_keys", name), execution_options={"stream_results": True}
        )
        for rows in result.partitions(_FETCH):
            added += store_keys(conn, (key for row in rows for key in derive(row)))
    return added


def _org_rows(row: Sequence) -> Iterator[tuple[Key, int | None, int | None]]:
    org_id, name, tax_id, phones, emails, website, work = row
    for key in organisation_keys(name, tax_id, phones or (), emails or (), website):
        yield key, org_id, None
    for person_id, phone, email in work or ():
        if phone:
            yield (KeyKind.phone, phone), org_id, int(person_id)
        if email:
            yield (KeyKind.email, email), org_id, int(person_id)


def _person_rows(row: Sequence) -> Iterator[tuple[Key, int | None, int | None]]:
    person_id, first, middle, last, birth, tax_id, phones, emails = row
    name = full_name(first, middle, last)
    for key in person_keys(name, birth, tax_id, phones or (), emails or ()):
        yield key, None, person_id
