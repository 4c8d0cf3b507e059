"""Files of a lead-list import's results, for people to open in Excel or LibreOffice.

Lead data comes from outside (purchased lists, web forms), so every cell is treated as hostile:
a text that starts like a formula is turned into plain text (OWASP "CSV injection"), and
characters a spreadsheet cannot hold are dropped. Files appear whole or not at all.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from models.settings import get_settings

# Kept as typed cells: a number or a date in XLSX is never evaluated as a formula.
_TYPED = (bool, int, float, Decimal, date, datetime, time, timedelta)

# What Excel and LibreOffice read as the start of a formula (tab and CR: OWASP's list).
_FORMULA_STARTS = frozenset("=+-@")

# Control characters other than tab and line feed: openpyxl refuses them (IllegalCharacterError).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f]")

# Excel's limits on sheet names.
_SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_BOLD = Font(bold=True)


def safe_cell(value: object) -> object:
    """The value as a cell that cannot run anything; None becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, _TYPED):
        return value
    # Anything else (UUID, enum, ...) is written as its text, which is checked like any text.
    return _safe_text(str(value))


def _safe_text(text: str) -> str:
    cleaned = _ILLEGAL.sub("", text)
    # The original is checked too: "\r=1+1" must not become a bare "=1+1" once CR is dropped,
    # and a leading control character is itself an attack on some readers.
    if _starts_risky(text) or _starts_risky(cleaned):
        return "'" + cleaned
    return cleaned


def _starts_risky(text: str) -> bool:
    return bool(text) and (text[0] in _FORMULA_STARTS or unicodedata.category(text[0]) == "Cc")


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """A comma-separated UTF-8 file with a BOM, without which Excel shows Cyrillic as mojibake."""
    with _replacing(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([_csv_text(h) for h in headers])
        writer.writerows([_csv_text(v) for v in row] for row in rows)
        text.flush()
        text.detach()  # the raw file is closed (and synced) by _replacing
    return path


def _csv_text(value: object) -> str:
    value = _local(safe_cell(value))
    if isinstance(value, datetime):
        # A space, not "T": Excel recognises "2025-03-01 10:30:00" as a date and time.
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def write_xlsx(
    path: Path, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> Path:
    """One worksheet per (title, headers, rows); rows stream through, so 100k rows stay cheap."""
    if not sheets:
        raise ValueError("an XLSX workbook needs at least one sheet")
    workbook = Workbook(write_only=True)
    try:
        _fill(workbook, sheets)
        with _replacing(path) as raw:
            workbook.save(raw)
    except BaseException:
        _discard(workbook)
        raise
    return path


def _fill(workbook: Workbook, sheets: Sequence[tuple[str, Sequence[str], Iterable]]) -> None:
    taken: set[str] = set()
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(title, taken))
        sheet.freeze_panes = "A2"
        sheet.append([_header_cell(sheet, h) for h in headers])
        for row in rows:
            sheet.append([_local(safe_cell(v)) for v in row])


def _discard(workbook: Workbook) -> None:
    """Remove the files write-only sheets stream into, which openpyxl would keep until exit.

    A flow's worker lives long; and a sheet left half-open fails noisily when collected.
    """
    for sheet in workbook.worksheets:
        writer = sheet._writer
        if writer is None:
            continue
        with suppress(Exception):  # the sheet may be broken; removing its file is what matters
            if not sheet.closed:
                sheet.close()
        with suppress(OSError, ValueError):  # already removed by a save that got that far
            writer.cleanup()


def _header_cell(sheet, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_cell(header))
    cell.font = _BOLD
    return cell


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: 31 characters, none of []:*?/\\, no edge apostrophes, unique in any case."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub("", _ILLEGAL.sub("", title.replace("\t", " ")))
    cleaned = cleaned.strip().strip("'").strip()[:_SHEET_TITLE_MAX].strip() or "Sheet"
    candidate, number = cleaned, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = cleaned[: _SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
    taken.add(candidate.casefold())
    return candidate


def _local(value: object) -> object:
    """Aware datetimes (PostgreSQL's timestamptz) as the wall time of the CRM's time zone.

    openpyxl refuses aware datetimes, and a person reading the file expects local time.
    """
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(ZoneInfo(get_settings().time_zone)).replace(tzinfo=None)
    return value


@contextmanager
def _replacing(path: Path) -> Iterator[IO[bytes]]:
    """A temporary file next to `path` that replaces it only once completely written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder, so os.replace is a rename within one file system, hence atomic.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
