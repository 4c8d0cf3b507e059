"""Paper mail: a campaign's letters printed into one PDF per run, from the campaign's template.

The ledger works as for e-mail, without addresses: each person gets one row per issue, created
once, and a row becomes 'sent' only after the file holding its letter is in place. A run that
dies after writing the file and before marking leaves its rows pending; the next run prints
the same rows into the same file (files are numbered by the runs that marked letters), so a
letter counts as printed once, and nobody appears in two files.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from jinja2 import TemplateError
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.campaigns import Campaign, CampaignStatus, Channel, ScheduleKind
from models.errors import CrmError
from models.settings import get_settings
from models.sql import query
from tasks import campaigns
from tasks.campaign_audience import audience_counts, list_params
from tasks.campaign_templates import CompiledTemplate, LetterContext, render_campaign_letter
from tasks.paper_letters import LetterBook, PaperLetter

BATCH = 500  # rows per fetch from the server-side cursor: memory stays flat however many
# The layout's footer (templates/campaigns/footer.txt) starts with this rule; on paper the
# footer is set apart, in small type.
_FOOTER_RULE = "\n\n---\n"


class PaperResult(BaseModel):
    campaign_id: int
    occurrence: str
    path: Path | None  # the issue's latest file; None while nothing was ever printed
    printed: int  # letters this run printed and marked sent
    failed: int  # letters this run could not make (the template failed on their data)
    added: int  # ledger rows this run created
    skipped: dict[str, int]  # the issue's skipped rows by reason


def print_issue(
    engine: Engine, campaign_id: int, occurrence: str = "", out_dir: Path | None = None
) -> PaperResult:
    """Print the issue's pending paper letters into one PDF, then mark them sent; rerun at will."""
    with Session(engine) as session:
        campaign = campaigns.get_campaign(session, campaign_id)
        _require_printable(campaign)
        # Compiling the template first: a template fault stops the run before anything is written.
        maker = campaigns.letter_maker(session, campaign)
        line_id = campaign.line_id
    with engine.begin() as conn:
        added = _fill(conn, campaign_id, occurrence)
    folder = out_dir or get_settings().crm_data_dir / "paper"
    issue = {"campaign_id": campaign_id, "occurrence": occurrence}
    with engine.begin() as conn:
        conn.execute(query("campaign_paper", "lock_issue"), issue)
        runs = conn.execute(query("campaign_paper", "printed_runs"), issue).scalar_one()
        book = LetterBook()
        outcomes = _print_pending(conn, book, maker, {**issue, "line_id": line_id})
        if book.letters:
            runs += 1
            book.write(folder / file_name(campaign_id, occurrence, runs))
        # Only now, with the file in place: a run that dies before this commit is repeated.
        marked = record_printed(conn, outcomes)
        counts = audience_counts(conn, campaign_id, occurrence)
    return PaperResult(
        campaign_id=campaign_id, occurrence=occurrence, added=added,
        printed=marked["sent"], failed=marked["failed"],
        path=folder / file_name(campaign_id, occurrence, runs) if runs else None,
        skipped={c.reason: c.count for c in counts if c.status == "skipped"},
    )  # fmt: skip


def _print_pending(
    conn: sa.Connection, book: LetterBook, maker: campaigns.LetterMaker, params: dict
) -> list[tuple[int, str, str | None]]:
    """Every pending letter of the issue into the book; each row's state to record."""
    rows = conn.execute(
        query("campaign_paper", "paper_letters"), params, execution_options={"yield_per": BATCH}
    )
    return [(row.campaign_send_id, *_print_one(book, maker, row)) for row in rows]


def _require_printable(campaign: Campaign) -> None:
    number = campaign.campaign_id
    if campaign.channel != Channel.paper:
        raise CrmError(f"campaign {number} goes by {campaign.channel.value}, not on paper")
    if campaign.status in (CampaignStatus.cancelled, CampaignStatus.paused):
        raise CrmError(f"campaign {number} is {campaign.status.value}: nothing is printed")
    if campaign.schedule_kind == ScheduleKind.date_triggered:
        # A greeting picks its people by their dates, which the paper ledger does not read.
        raise CrmError(f"campaign {number} greets on dates: not printable on paper yet")


def _fill(conn: sa.Connection, campaign_id: int, occurrence: str) -> int:
    """The issue's paper ledger, created once; how many rows this call added."""
    params = list_params(conn, campaign_id) | {"occurrence": occurrence}
    return conn.execute(query("campaign_paper", "fill_paper_ledger"), params).rowcount


def _print_one(book: LetterBook, maker: campaigns.LetterMaker, row) -> tuple[str, str | None]:
    """The row's letter added to the book: its ledger state and why, as record_printed takes
    them. The base may have changed since the ledger was filled, so it is judged again."""
    if row.suppressed:
        return "skipped", f"suppressed before printing: {row.suppressed}"
    if not (row.postal_address or "").strip() or not (row.postal_postcode or "").strip():
        return "skipped", "no postal address"
    try:
        letter = paper_letter(maker.context(row), maker.template, row)
    except (CrmError, TemplateError, ValueError) as error:  # as the e-mail sender: that one fails
        return "failed", f"letter not made: {error}"
    book.add(letter)
    return "sent", None


def record_printed(conn: sa.Connection, outcomes: list[tuple[int, str, str | None]]) -> Counter:
    """Mark the run's rows in one statement; how many moved to each state."""
    if not outcomes:
        return Counter()
    ids, statuses, reasons = (list(column) for column in zip(*outcomes, strict=True))
    params = {"ids": ids, "statuses": statuses, "reasons": reasons}
    return Counter(conn.execute(query("campaign_paper", "record_printed"), params).scalars())


def paper_letter(context: LetterContext, template: CompiledTemplate, row) -> PaperLetter:
    """One recipient's letter as printed: the e-mail's subject and text, laid out for paper."""
    letter = render_campaign_letter(template, context, to="")
    body, rule, footer = letter.text.rpartition(_FOOTER_RULE)
    if not rule:  # no footer found: print the whole text as the body, the link included
        body, footer = letter.text, ""
    sender = context.sender
    return PaperLetter(
        recipient=postal_block(row, english=context.locale.lower().startswith("en")),
        sender=tuple(line for line in (sender.name, sender.address, sender.email) if line),
        date=f"{datetime.now(ZoneInfo(get_settings().time_zone)):%d.%m.%Y}",
        subject=letter.subject,
        body=body.strip(),
        footer=footer.strip(),
    )


def postal_block(row, english: bool = False) -> tuple[str, ...]:
    """Name, organisation, street, city, postcode: the order Russian Post asks for."""
    names = (row.first_name, row.middle_name, row.last_name)
    if not english:  # "Петров Иван Петрович" on a Russian envelope
        names = (row.last_name, row.first_name, row.middle_name)
    name = " ".join(" ".join(n.split()) for n in names if n)
    lines = (name, row.organisation_name, row.postal_address, row.postal_city, row.postal_postcode)
    return tuple(" ".join(line.split()) for line in lines if line and line.strip())


def file_name(campaign_id: int, occurrence: str, run: int) -> str:
    """`campaign-7.pdf`, `campaign-7-2026-12.pdf`; a later run's letters `campaign-7-part2.pdf`."""
    # The occurrence is free text: nothing in it may leave the folder or upset a file system.
    issue = f"-{re.sub(r'[^0-9A-Za-z._-]', '_', occurrence)}" if occurrence else ""
    part = f"-part{run}" if run > 1 else ""
    return f"campaign-{campaign_id}{issue}{part}.pdf"
