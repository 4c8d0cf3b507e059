"""What an import gives back: the decisions file, the checked list, and the letters about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from models.imports import Decision
from models.settings import get_settings
from models.sql import query
from tasks.lead_decisions import RowDecision
from tasks.lead_exports import write_csv, write_xlsx
from tasks.lead_records import Prospect
from tasks.mail import Attachment, Letter, render_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECISION_HEADERS = (
    "row_number", "external_id", "decision", "score", "reason", "duplicate_of_row",
    "matched_organisation_id", "matched_person_id", "matched_external_id", "lead_id", "owner",
    "business_line",
)  # fmt: skip
PROSPECT_HEADERS = (
    "Row", "Company or person", "Legal form", "Tax id", "Phones", "E-mails", "Website", "City",
    "Address", "Contact", "Position", "Rep", "Lead",
)  # fmt: skip
STRUCK_HEADERS = ("Row", "Company or person", "Decision", "Holder", "Since", "Stage", "Reason")
REVIEW_HEADERS = ("Row", "Company or person", "Best score", "Candidates")


@dataclass(frozen=True)
class Outputs:
    decisions_csv: Path
    list_xlsx: Path
    list_csv: Path


def outputs_beside(decisions_csv: Path) -> Outputs:
    """A batch's files are named after it, side by side."""
    stem = decisions_csv.name.removesuffix("-decisions.csv")
    folder = decisions_csv.parent
    return Outputs(
        decisions_csv, folder / f"{stem}-lead-list.xlsx", folder / f"{stem}-lead-list.csv"
    )


def _people(conn: sa.Connection, decisions: Sequence[RowDecision]) -> dict[int, tuple[str, str]]:
    ids = {d.owner_id for d in decisions} | {d.holder.owner_id for d in decisions if d.holder}
    ids.discard(None)
    rows = conn.execute(query("lead_lists", "employee_names"), {"ids": sorted(ids)})
    return {employee_id: (name, email) for employee_id, name, email in rows}


def _lines(conn: sa.Connection) -> dict[int, str]:
    return dict(conn.execute(sa.text("SELECT line_id, name FROM business_lines")).tuples().all())


def _name(prospect: Prospect | None) -> str:
    if prospect is None:
        return ""
    if prospect.record is not None and prospect.record.name:
        return prospect.record.name
    return prospect.values.get("name") or ""


def write_outputs(
    conn: sa.Connection,
    batch_id: int,
    prospects: Sequence[Prospect],
    decisions: Sequence[RowDecision],
    folder: Path | None = None,
) -> Outputs:
    folder = folder or get_settings().reports_dir / "lead-lists"
    people, lines = _people(conn, decisions), _lines(conn)
    batch = conn.execute(query("lead_lists", "batch_summary"), {"batch_id": batch_id}).mappings()
    line = next(iter(batch), {}).get("line")
    by_row = {p.row_number: p for p in prospects}
    paths = outputs_beside(folder / f"batch-{batch_id}-decisions.csv")

    def person(employee_id: int | None) -> str:
        return people.get(employee_id, ("", ""))[0] if employee_id else ""

    decisions_csv = write_csv(
        paths.decisions_csv,
        DECISION_HEADERS,
        (
            (
                d.row_number,
                d.external_id,
                d.decision.value,
                d.score,
                d.reason,
                d.duplicate_of_row,
                d.organisation_id if d.decision != Decision.new else None,
                d.person_id if d.decision != Decision.new and not d.organisation_id else None,
                d.matched_external_id,
                d.lead_id,
                person(d.holder.owner_id) if d.holder else person(d.owner_id),
                lines.get(d.holder.line_id)
                if d.holder
                else (line if d.decision == Decision.new else None),
            )  # fmt: skip
            for d in decisions
        ),
    )
    kept = [
        _prospect_row(d, by_row[d.row_number], person)
        for d in decisions
        if d.decision == Decision.new
    ]
    struck = [
        (
            d.row_number,
            _name(by_row.get(d.row_number)),
            d.decision.value,
            person(d.holder.owner_id) if d.holder else "",
            d.holder.since.date() if d.holder else None,
            d.holder.stage if d.holder else "",
            d.reason,
        )  # fmt: skip
        for d in decisions
        if d.is_struck_out
    ]
    review = [
        (d.row_number, _name(by_row.get(d.row_number)), d.score, d.reason)
        for d in decisions
        if d.decision == Decision.needs_review
    ]
    list_xlsx = write_xlsx(
        paths.list_xlsx,
        [
            ("Prospects", PROSPECT_HEADERS, kept),
            ("Struck out", STRUCK_HEADERS, struck),
            ("To review", REVIEW_HEADERS, review),
        ],
    )
    list_csv = write_csv(paths.list_csv, PROSPECT_HEADERS, kept)
    return Outputs(decisions_csv, list_xlsx, list_csv)


def _prospect_row(d: RowDecision, p: Prospect, person) -> tuple:
    v = p.values
    return (
        d.row_number, _name(p), v.get("legal_form"), v.get("tax_id"), "; ".join(v["phones"]),
        "; ".join(v["emails"]), v.get("website"), v.get("city"), v.get("address"),
        v.get("contact"), v.get("position"), person(d.owner_id), d.lead_id,
    )  # fmt: skip


def lead_list_letters(conn: sa.Connection, batch_id: int, list_xlsx: Path) -> list[Letter]:
    """One letter to each rep who received leads and to each head of sales of the line."""
    batch = (
        conn.execute(query("lead_lists", "batch_summary"), {"batch_id": batch_id}).mappings().one()
    )
    recipients: dict[str, dict] = {}
    for _, name, email, received in conn.execute(
        query("lead_lists", "batch_receivers"), {"batch_id": batch_id}
    ):
        recipients[email] = {"name": name, "received": received}
    for _, name, email in conn.execute(
        query("lead_lists", "heads_of_line"), {"line_id": batch["line_id"]}
    ):
        recipients.setdefault(email, {"name": name, "received": 0})
    attachment = Attachment(filename=list_xlsx.name, content=list_xlsx.read_bytes(), mime_type=XLSX)
    context = {
        "line": batch["line"],
        "list_name": batch["list_name"] or batch["source_name"],
        "source": batch["source_name"],
        "total": batch["rows_total"],
        "counts": dict(batch["counts"]),
        "is_dry_run": batch["is_dry_run"],
    }
    letters = []
    for email, who in recipients.items():
        letter = render_letter("lead_list", email, {**context, **who})
        letters.append(letter.model_copy(update={"attachments": [attachment]}))
    return letters
