"""Writing an import in one transaction: new clients, their leads and history, the batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from models.client_keys import KeyKind
from models.imports import Decision, ImportBatch, ImportKind
from models.lists import ContactList, ListKind
from models.sql import query
from tasks.bulk_copy import Json, copy_rows
from tasks.client_keys import organisation_keys, person_keys, store_keys
from tasks.lead_contacts import ContactLink, assign_new_ids, find_known, share_new
from tasks.lead_decisions import RowDecision
from tasks.lead_records import ORGANISATION, Prospect

_GENDERS = {"m": "male", "f": "female"}


@dataclass(frozen=True)
class BatchInfo:
    kind: ImportKind
    source_name: str
    sha256: str | None
    criteria: dict | None
    line_id: int
    rep_id: int | None
    distribution: str | None
    list_name: str | None
    is_dry_run: bool


def _reserve(conn: sa.Connection, table: str, column: str, n: int) -> list[int]:
    if n == 0:
        return []
    params = {"table": table, "column": column, "n": n}
    return list(conn.scalars(query("lead_lists", "reserve_ids"), params))


def _first_stage(conn: sa.Connection, line_id: int) -> int:
    stage_id = conn.scalar(query("lead_lists", "first_stage"), {"line_id": line_id})
    if stage_id is None:
        raise ValueError(f"line {line_id} has no open sales stage")
    return stage_id


def write_clients(
    conn: sa.Connection,
    prospects: Sequence[Prospect],
    decisions: Sequence[RowDecision],
    info: BatchInfo,
    now: datetime | None = None,
) -> None:
    """Create the new rows' clients and leads, and the contacts of matched organisations.

    Fills organisation_id, person_id and lead_id into `decisions`.
    """
    now = now or datetime.now(UTC)
    by_row = {p.row_number: p for p in prospects}
    new = [d for d in decisions if d.decision == Decision.new]
    # Warm sources bring clients the base already has: only their leads are new.
    org_rows = [
        d
        for d in new
        if by_row[d.row_number].record.kind == ORGANISATION and d.organisation_id is None
    ]
    person_rows = [
        d for d in new if by_row[d.row_number].record.kind != ORGANISATION and d.person_id is None
    ]
    org_ids = iter(_reserve(conn, "organisations", "organisation_id", len(org_rows)))
    for d in org_rows:
        d.organisation_id = next(org_ids)
    person_ids = iter(_reserve(conn, "persons", "person_id", len(person_rows)))
    for d in person_rows:
        d.person_id = next(person_ids)
    _copy_organisations(conn, [(d, by_row[d.row_number]) for d in org_rows], info)
    _copy_persons(conn, [(d.person_id, by_row[d.row_number], False) for d in person_rows], info)
    _write_contacts(conn, by_row, decisions, info)
    _move_leads(conn, [d for d in new if d.lead_id is not None], info)
    _copy_leads(conn, [d for d in new if d.lead_id is None], info, now)


def _move_leads(conn, rows: Sequence[RowDecision], info: BatchInfo) -> None:
    """Open leads of the line sitting in the pool or with an owner who left go to the rep."""
    if not rows:
        return
    conn.execute(
        query("lead_lists", "move_leads"),
        {
            "lead_ids": [d.lead_id for d in rows],
            "owner_ids": [d.owner_id for d in rows],
            "note": f"lead list {info.source_name}",
        },
    )


# Struck-out rows whose organisation we already had: their contact person is still worth keeping.
_ENRICH = {
    Decision.existing_client,
    Decision.held_by_other_rep,
    Decision.already_yours,
    Decision.duplicate_in_file,
}


def _write_contacts(conn, by_row: dict[int, Prospect], decisions, info: BatchInfo) -> None:
    """The rows' contact persons, linked to their organisations (new or already known)."""
    org_of = {d.row_number: d.organisation_id for d in decisions}
    links = []
    for d in decisions:
        org_id = org_of.get(d.duplicate_of_row) if d.duplicate_of_row else d.organisation_id
        contact = by_row[d.row_number].contact
        if contact is not None and org_id and (d.decision == Decision.new or d.decision in _ENRICH):
            links.append(ContactLink(d.row_number, org_id, contact))
    find_known(conn, links)
    creators = share_new(links)
    assign_new_ids(links, _reserve(conn, "persons", "person_id", len(creators)))
    _copy_persons(
        conn, [(link.person_id, by_row[link.row_number], True) for link in creators], info
    )
    pairs = {}
    for link in links:
        if not link.is_employed:
            pairs.setdefault((link.person_id, link.organisation_id), link)
    _copy_employments(
        conn,
        [
            (person_id, org_id, by_row[link.row_number], org_of[link.row_number] == org_id)
            for (person_id, org_id), link in pairs.items()
        ],
    )
    linked = {link.row_number: link.person_id for link in links}
    for d in decisions:
        if d.decision != Decision.new and d.organisation_id and d.row_number in linked:
            d.person_id = linked[d.row_number]


def _copy_organisations(conn, rows, info: BatchInfo) -> None:
    columns = (
        "organisation_id", "name", "legal_form", "tax_id", "industry", "region", "city",
        "address", "postcode", "website", "phones", "emails", "employee_count",
        "custom_attributes", "external_id",
    )  # fmt: skip
    values = []
    keys = []
    for d, p in rows:
        v = p.values
        values.append((
            d.organisation_id, v["name"], v["legal_form"], p.record.tax_id, v["industry"],
            v["region"], v["city"], v["address"], v["postcode"], v["website"], v["phones"],
            v["emails"], v["employee_count"], Json(p.custom), p.external_id,
        ))  # fmt: skip
        name = f"{v['legal_form'] or ''} {v['name']}"
        for key in organisation_keys(name, p.record.tax_id, v["phones"], v["emails"], v["website"]):
            keys.append((key, d.organisation_id, None))
    copy_rows(conn, "organisations", columns, values)
    store_keys(conn, keys)


def _copy_persons(conn, rows, info: BatchInfo) -> None:
    columns = (
        "person_id", "first_name", "middle_name", "last_name", "gender", "birth_date", "phones",
        "emails", "tax_id", "city", "address", "postcode", "external_id",
    )  # fmt: skip
    values = []
    keys = []
    for person_id, p, is_contact in rows:
        record = p.contact if is_contact else p.record
        name = record.person
        v = p.values
        phones, emails = ((), ()) if is_contact else (v["phones"], v["emails"])
        values.append((
            person_id, name.first or name.first_initial, name.middle or name.middle_initial,
            name.last, _GENDERS.get(name.gender or ""), record.birth_date, list(phones),
            list(emails), record.tax_id if not is_contact else None, v["city"],
            None if is_contact else v["address"], None if is_contact else v["postcode"],
            None if is_contact else p.external_id,
        ))  # fmt: skip
        for key in person_keys(record.name, record.birth_date, record.tax_id, phones, emails):
            keys.append((key, None, person_id))
    copy_rows(conn, "persons", columns, values)
    store_keys(conn, keys)


def _copy_employments(conn, rows) -> None:
    columns = ("person_id", "organisation_id", "position", "work_phone", "work_email",
               "is_primary_contact")  # fmt: skip
    values = []
    keys = []
    for person_id, org_id, p, is_primary in rows:
        phone = next(iter(p.values["phones"]), None)
        email = next(iter(p.values["emails"]), None)
        values.append((person_id, org_id, p.values["position"], phone, email, is_primary))
        keys += [((kind, value), org_id, person_id)
                 for kind, value in (("phone", phone), ("email", email)) if value]  # fmt: skip
    copy_rows(conn, "employments", columns, values)
    store_keys(conn, [((KeyKind(k), v), o, pid) for (k, v), o, pid in keys])


def _copy_leads(conn, new: Sequence[RowDecision], info: BatchInfo, now: datetime) -> None:
    if not new:
        return
    stage_id = _first_stage(conn, info.line_id)
    lead_ids = iter(_reserve(conn, "leads", "lead_id", len(new)))
    leads, history = [], []
    for d in new:
        d.lead_id = next(lead_ids)
        org_id = d.organisation_id
        person_id = None if org_id else d.person_id
        since = d.owned_since or now
        leads.append((d.lead_id, org_id, person_id, info.line_id, d.owner_id, since, stage_id,
                      info.source_name, d.row_number))  # fmt: skip
        if d.owner_id is not None:
            history.append((d.lead_id, None, d.owner_id, "import", f"lead list {info.source_name}"))
    copy_rows(
        conn,
        "leads",
        (
            "lead_id",
            "organisation_id",
            "person_id",
            "line_id",
            "owner_id",
            "owned_since",
            "stage_id",
            "source",
            "source_row",
        ),  # fmt: skip
        leads,
    )
    copy_rows(
        conn,
        "ownership_changes",
        ("lead_id", "from_owner_id", "to_owner_id", "reason", "note"),
        history,
    )


def write_batch(
    conn: sa.Connection,
    prospects: Sequence[Prospect],
    decisions: Sequence[RowDecision],
    info: BatchInfo,
    counts: dict[str, int],
) -> tuple[int, int | None]:
    """The batch, its per-row decisions and (unless a dry run) its list; returns their ids."""
    list_id = None
    kept = [d for d in decisions if d.decision == Decision.new]
    if not info.is_dry_run and info.list_name and kept:
        list_id = conn.scalar(
            sa.insert(ContactList)
            .values(
                name=info.list_name,
                kind=ListKind.lead_list,
                line_id=info.line_id,
                owner_id=info.rep_id,
            )  # fmt: skip
            .returning(ContactList.list_id)
        )
        copy_rows(
            conn,
            "list_members",
            ("list_id", "organisation_id", "person_id"),
            (
                (list_id, d.organisation_id, None if d.organisation_id else d.person_id)
                for d in kept
            ),
        )
        conn.execute(
            query("lead_lists", "tag_list_leads"),
            {"list_id": list_id, "ids": [d.lead_id for d in kept]},
        )
    batch_id = conn.scalar(
        sa.insert(ImportBatch)
        .values(
            kind=info.kind,
            source_name=info.source_name[:300],
            source_sha256=info.sha256,
            criteria=info.criteria,
            line_id=info.line_id,
            list_id=list_id,
            rep_id=info.rep_id,
            distribution=info.distribution,
            is_dry_run=info.is_dry_run,
            rows_total=len(decisions),
            counts=counts,
        )  # fmt: skip
        .returning(ImportBatch.batch_id)
    )
    by_row = {p.row_number: p for p in prospects}
    copy_rows(
        conn,
        "import_rows",
        (
            "batch_id",
            "row_number",
            "external_id",
            "decision",
            "score",
            "reason",
            "duplicate_of_row",
            "organisation_id",
            "person_id",
            "lead_id",
            "holder_id",
            "holder_since",
            "holder_stage",
            "data",
        ),  # fmt: skip
        (
            (
                batch_id,
                d.row_number,
                (d.external_id or "")[:100] or None,
                d.decision.value,
                d.score,
                d.reason,
                d.duplicate_of_row,
                None if info.is_dry_run and d.decision == Decision.new else d.organisation_id,
                None if info.is_dry_run and d.decision == Decision.new else d.person_id,
                d.lead_id,
                d.holder.owner_id if d.holder else None,
                d.holder.since if d.holder else None,
                d.holder.stage if d.holder else None,
                Json(_row_data(by_row.get(d.row_number), d)),
            )  # fmt: skip
            for d in decisions
        ),
    )
    return batch_id, list_id


def _row_data(prospect: Prospect | None, d: RowDecision) -> dict:
    data = dict(prospect.values) if prospect else {}
    data = {k: v for k, v in data.items() if v not in (None, [], "")}
    if prospect and prospect.custom:
        data["custom"] = prospect.custom
    if d.candidates:
        data["candidates"] = d.candidates
    if d.matched_external_id:
        data["matched_external_id"] = d.matched_external_id
    if d.holder:
        data["holder"] = {"name": d.holder.owner_name, "line_id": d.holder.line_id}
    return data
