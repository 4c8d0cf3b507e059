"""A report as data: tables of SQL rows with their columns, cut per audience by business line.

Every row carries its `line_id`; rows of no line (NULL) are figures over all lines, which only
readers of every line (directors) may see. A head of sales gets `report.for_lines({their
lines})`: nothing of another line, and no all-lines totals either, as those hold other lines'
numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from models.settings import get_settings
from tasks.lead_exports import write_csv, write_xlsx

Format = Literal["int", "pct", "score", "nps", "days", "money", "text", "datetime", "date"]


class Column(BaseModel):
    key: str
    title: str
    fmt: Format = "int"


class Table(BaseModel):
    name: str  # file and sheet name: workload.csv
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]

    def for_lines(self, line_ids: set[int] | None) -> Table:
        """Only the rows of these lines (None: every row, all-lines totals included)."""
        if line_ids is None:
            return self
        rows = [r for r in self.rows if r.get("line_id") in line_ids]
        return self.model_copy(update={"rows": rows})

    def where(self, **values) -> list[dict[str, Any]]:
        return [r for r in self.rows if all(r.get(k) == v for k, v in values.items())]

    def cells(self, row: dict[str, Any]) -> list[Any]:
        return [_plain(row.get(c.key), c.fmt) for c in self.columns]


class Person(BaseModel):
    name: str
    email: str


class LineInfo(BaseModel):
    line_id: int
    name: str
    heads: list[Person]
    has_data: bool = True


class Report(BaseModel):
    kind: Literal["management", "satisfaction"]
    key: str  # folder name: management-2026-05-04--2026-05-10
    title: str
    subtitle: str
    lines: list[LineInfo]
    tables: dict[str, Table]
    notes: list[str] = []
    # Lines outside the audience's reach are dropped by for_lines; this stays True for a cut.
    is_all_lines: bool = True

    @property
    def is_empty(self) -> bool:
        return not any(line.has_data for line in self.lines)

    def for_lines(self, line_ids: set[int] | None) -> Report:
        if line_ids is None:
            return self
        return self.model_copy(
            update={
                "lines": [line for line in self.lines if line.line_id in line_ids],
                "tables": {k: t.for_lines(line_ids) for k, t in self.tables.items()},
                "is_all_lines": False,
            }
        )

    def table(self, name: str) -> Table:
        return self.tables[name]


def columns(*specs: str) -> list[Column]:
    """Columns from "key[:fmt] Title" specs, so a table's columns read as one list."""
    out = []
    for spec in specs:
        key, title = spec.split(" ", 1)
        key, _, fmt = key.partition(":")
        out.append(Column(key=key, title=title, fmt=fmt or "int"))
    return out


def records(result) -> list[dict[str, Any]]:
    """SQL rows as plain dicts (small aggregates: the cost is per figure, not per base row)."""
    return [dict(row._mapping) for row in result]


# --- Files -----------------------------------------------------------------------------------


def write_tables(folder: Path, tables: Iterable[Table]) -> list[Path]:
    """One CSV per table and one XLSX with a sheet per table; returns the paths written."""
    tables = list(tables)
    paths = [
        write_csv(folder / f"{t.name}.csv", [c.title for c in t.columns], map(t.cells, t.rows))
        for t in tables
    ]
    sheets = [(t.title, [c.title for c in t.columns], list(map(t.cells, t.rows))) for t in tables]
    paths.append(write_xlsx(folder / "report.xlsx", sheets))
    return paths


def _plain(value: Any, fmt: Format) -> Any:
    """A cell for a file: numbers stay numbers (rounded as shown), the rest as text."""
    if value is None:
        return None
    if fmt in ("pct", "score", "days", "nps") and isinstance(value, Decimal | float):
        return round(float(value), {"pct": 4, "score": 2, "days": 1, "nps": 1}[fmt])
    if isinstance(value, dict):
        return money_text(value)
    return value


# --- Display ---------------------------------------------------------------------------------


def show(value: Any, fmt: Format = "text") -> str:
    """A figure as a person reads it in the letter: 1 234, 12.5%, 3.87, 4.2 d."""
    if value is None:
        return "—"
    if fmt == "int":
        return f"{int(value):,}".replace(",", "\u202f")
    if fmt == "pct":
        return f"{float(value) * 100:.1f}%"
    if fmt == "score":
        return f"{float(value):.2f}"
    if fmt == "nps":
        return f"{float(value):+.0f}"
    if fmt == "days":
        return f"{float(value):.1f}"
    if fmt == "money":
        return money_text(value) if isinstance(value, dict) else _amount(value)
    if fmt == "datetime" and isinstance(value, datetime):
        return value.astimezone(ZoneInfo(get_settings().time_zone)).strftime("%Y-%m-%d %H:%M")
    if fmt == "date" and isinstance(value, date | datetime):
        shown = value.astimezone(ZoneInfo(get_settings().time_zone)) if isinstance(
            value, datetime) else value  # fmt: skip
        return shown.strftime("%Y-%m-%d")
    return str(value)


def _amount(value: Any) -> str:
    return f"{Decimal(value):,.2f}".replace(",", "\u202f")


def money_text(amounts: dict[str, Any]) -> str:
    """Amounts per currency: "1 200 000.00 RUB; 3 000.00 EUR" (currencies never add up)."""
    if not amounts:
        return "—"
    return "; ".join(f"{_amount(v)} {k}" for k, v in sorted(amounts.items()))
