"""Contact persons of an import: one person however many rows or organisations name them.

A contact is the base's person when the names agree and the person already works at the row's
organisation or shares a phone or e-mail with the row; rows of one file that name the same
person with a shared phone or e-mail get one new person between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from models.sql import query
from tasks.bulk_copy import copy_rows
from tasks.lead_records import Record
from tasks.normalise_persons import PersonName, person_names_compatible


@dataclass(slots=True)
class ContactLink:
    row_number: int
    organisation_id: int
    contact: Record
    person_id: int | None = None  # the base's person, or the new one shared with earlier rows
    is_employed: bool = False  # the base already has this person at this organisation
    is_new_person: bool = False  # this row creates the person
    same_as: ContactLink | None = None  # an earlier row of the file that creates them


def _contacts(contact: Record) -> list[str]:
    return [*contact.phones, *contact.emails]


def find_known(conn: sa.Connection, links: Sequence[ContactLink]) -> None:
    """Point each link at a person of the base when one fits."""
    keyed = [link for link in links if link.contact.name_key]
    if not keyed:
        return
    conn.execute(query("lead_lists", "create_import_contacts"))
    conn.execute(query("lead_lists", "empty_import_contacts"))
    copy_rows(
        conn,
        "import_contacts",
        ("row_number", "organisation_id", "person_key", "contacts"),
        (
            (link.row_number, link.organisation_id, link.contact.name_key, _contacts(link.contact))
            for link in keyed
        ),
    )
    by_row = {link.row_number: link for link in keyed}
    for row, person_id, first, middle, last, is_employed in conn.execute(
        query("lead_lists", "known_contacts")
    ):
        link = by_row[row]
        if link.person_id is not None and (link.is_employed or not is_employed):
            continue
        known = PersonName(last=last, first=first, middle=middle)
        if person_names_compatible(link.contact.person, known):
            link.person_id, link.is_employed = person_id, is_employed


def share_new(links: Sequence[ContactLink]) -> list[ContactLink]:
    """Links naming one new person (same key, a shared contact) point at the first of them;
    returns the links that create a person."""
    creators: list[ContactLink] = []
    seen: dict[tuple[str, str], ContactLink] = {}
    for link in links:
        if link.person_id is not None:
            continue
        key = link.contact.name_key or ""
        link.same_as = next(
            (
                seen[key, c]
                for c in _contacts(link.contact)
                if (key, c) in seen
                and person_names_compatible(seen[key, c].contact.person, link.contact.person)
            ),
            None,
        )
        if link.same_as is None:
            link.is_new_person = True
            creators.append(link)
        for c in _contacts(link.contact):
            seen.setdefault((key, c), link.same_as or link)
    return creators


def assign_new_ids(links: Sequence[ContactLink], ids: Sequence[int]) -> None:
    creators = iter(ids)
    for link in links:
        if link.is_new_person:
            link.person_id = next(creators)
    for link in links:
        if link.same_as is not None:
            link.person_id = link.same_as.person_id
