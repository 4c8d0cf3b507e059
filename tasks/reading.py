"""Reading tabular files (CSV in any of the usual encodings and delimiters, or XLSX)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.errors import CrmError

ENCODINGS = ("utf-8-sig", "cp1251")
DELIMITERS = ",;\t"


class FileReadError(CrmError):
    """The file as a whole cannot be read; nothing from it is used."""


@dataclass(frozen=True)
class Table:
    """Headers and rows keyed by header; `row_number` is the line a spreadsheet shows."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def read_table(path: Path) -> Table:
    path = Path(path)
    if not path.is_file():
        raise FileReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        records = _xlsx_records(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        records = _csv_records(path)
    else:
        raise FileReadError(f"{path}: unsupported file type '{suffix}' (use .csv or .xlsx)")
    return _to_table(path, records)


def _to_table(path: Path, records: Iterator[list[str]]) -> Table:
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header):
        raise FileReadError(f"{path}: the file is empty")
    headers: list[str] = []
    for cell in header:
        # A repeated header ("Телефон", "Телефон") would hide the first column's cells behind
        # the second's; the repeat is numbered as "Телефон 2", like exports number them.
        name, n = cell.strip(), 1
        while name and name in headers:
            n += 1
            name = f"{cell.strip()} {n}"
        headers.append(name)
    rows = []
    for row_number, cells in enumerate(records, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(
            (row_number, {h: (c or "").strip() for h, c in zip(headers, cells, strict=False) if h})
        )
    return Table(headers=headers, rows=rows)


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileReadError(f"{path}: not UTF-8 or Windows-1251 text")


def _csv_records(path: Path) -> Iterator[list[str]]:
    text = _decode(path)
    sample = text[:64_000]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # Strict: a quote left open would otherwise swallow the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row = line = 0  # the last row read whole, and its last line
    try:
        for cells in reader:
            row, line = row + 1, reader.line_num
            yield cells
    except csv.Error as exc:
        raise FileReadError(
            f"{path}: row {row + 1} (line {line + 1}) is not valid CSV ({exc}); "
            "check the quotes in that row"
        ) from None


def _xlsx_records(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise FileReadError(f"{path}: not a readable XLSX workbook ({exc})") from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else _cell_text(v) for v in row]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat() if not (value.hour or value.minute) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
