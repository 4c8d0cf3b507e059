"""Who gets a report and what: each line's heads of sales their lines only, the directors every
line; a line with no head is reported, and the others are delivered all the same. Each address
gets a report once (report_deliveries): a rerun of the same period or wave mails only those
whose letter was refused, unless a resend is asked for."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.sql import query
from models.store import session_scope
from tasks.mail import Attachment, InlineImage, Letter, send_letters
from tasks.report_render import (
    ALL_LINES,
    SavedReport,
    audience_folder,
    audience_key,
    lines_without_head,
    render,
)
from tasks.report_tables import Report

_MIME = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Recipient(BaseModel):
    name: str
    email: str
    # None: every line (a director); else the lines this person heads.
    line_ids: set[int] | None


class Audience(BaseModel):
    recipients: list[Recipient]
    lines_without_head: list[str]


class Delivery(BaseModel):
    letters: int
    # The addresses this run wrote to; `failed` are those of them the server refused.
    recipients: list[str]
    failed: list[str]
    # Addresses an earlier run already delivered this report to (or is delivering it to).
    already_sent: list[str] = []
    lines_without_head: list[str]


def audience(session: Session, report: Report) -> Audience:
    """Heads of the report's lines, each with the lines they head, and the directors."""
    people: dict[str, Recipient] = {}
    for line in report.lines:
        for head in line.heads:
            found = people.setdefault(
                head.email, Recipient(name=head.name, email=head.email, line_ids=set())
            )
            found.line_ids.add(line.line_id)
    for director in session.execute(query("reports", "directors")):
        people[director.email] = Recipient(name=director.name, email=director.email, line_ids=None)
    return Audience(
        recipients=sorted(people.values(), key=lambda r: r.email),
        lines_without_head=lines_without_head(report),
    )


def report_letter(report: Report, saved: SavedReport, recipient: Recipient) -> Letter:
    """The letter of one recipient: their cut of the report, its charts inline, its tables
    attached."""
    cut = report.for_lines(recipient.line_ids)
    key = audience_key(recipient.line_ids)
    folder = Path(saved.folder) / key
    # The all-lines and single-line folders were written by save_report in this run.
    if key != ALL_LINES and len(recipient.line_ids or ()) != 1:
        folder = audience_folder(saved, report, recipient.line_ids)
    keys = ([None] if cut.is_all_lines else []) + [line.line_id for line in cut.lines]
    charts = saved.line_charts(keys)
    subject, text, html = render(cut, charts, lambda c: f"cid:{c.name}")
    images = [
        InlineImage(cid=c.name, content=(Path(saved.folder) / "charts" / c.filename).read_bytes())
        for refs in charts.values()
        for c in refs
    ]
    return Letter(
        to=recipient.email,
        subject=subject,
        text=text,
        html=html,
        attachments=_attachments(folder, report.key),
        inline_images=images,
    )


def _attachments(folder: Path, key: str) -> list[Attachment]:
    files = sorted(folder.glob("*.csv")) + [folder / "report.xlsx"]
    return [
        Attachment(
            filename=f"{key}.xlsx" if path.suffix == ".xlsx" else path.name,
            content=path.read_bytes(),
            mime_type=_MIME[path.suffix],
        )
        for path in files
    ]


def deliver_report(report: Report, saved: SavedReport, *, resend: bool = False) -> Delivery:
    """Send each recipient their letter unless an earlier run did: claim, send, then mark sent
    or release (a refused letter goes again on the next run, nobody else's does)."""
    with session_scope() as session, session.begin():
        people = audience(session, report)
        emails = [r.email for r in people.recipients]
        claimed = set(_claim(session, report, emails, resend=resend))
    due = [r for r in people.recipients if r.email in claimed]
    try:
        outcomes = send_letters([report_letter(report, saved, r) for r in due])
    except Exception:
        with session_scope() as session, session.begin():
            _settle(session, "release_report_letters", report, list(claimed))
        raise
    failed = [o.to for o in outcomes if not o.is_sent]
    with session_scope() as session, session.begin():
        _settle(session, "report_letters_sent", report, [o.to for o in outcomes if o.is_sent])
        _settle(session, "release_report_letters", report, failed)
    return Delivery(
        letters=len(due),
        recipients=[r.email for r in due],
        failed=failed,
        already_sent=[e for e in emails if e not in claimed],
        lines_without_head=people.lines_without_head,
    )


def _claim(session: Session, report: Report, emails: list[str], *, resend: bool) -> list[str]:
    name = "reclaim_report_letters" if resend else "claim_report_letters"
    params = {"kind": report.kind, "key": report.key, "emails": emails}
    return list(session.scalars(query("reports", name), params))


def _settle(session: Session, name: str, report: Report, emails: list[str]) -> None:
    if emails:
        session.execute(
            query("reports", name), {"kind": report.kind, "key": report.key, "emails": emails}
        )
