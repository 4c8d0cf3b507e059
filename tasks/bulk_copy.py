"""Bulk loading with PostgreSQL COPY: rows streamed from an iterator, escaped once, here.

Every helper takes the caller's SQLAlchemy Connection and never commits: the COPY joins the
transaction the caller owns, so a failed load leaves nothing behind.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from itertools import islice
from typing import IO, Any, Literal
from uuid import UUID

import sqlalchemy as sa

CopyFormat = Literal["text", "csv"]
# Large reads keep the per-call overhead of the driver's read loop negligible.
READ_SIZE = 1 << 20
_ROWS_PER_BATCH = 4096
_NULL = "\\N"
_BOOLS = {True: "t", False: "f", None: _NULL}
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class Json:
    """Marks a value for a json/jsonb column when it is not a dict (a list, a string...)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def to_pg_text(value: Any) -> str | None:
    """A Python value in PostgreSQL's text input form; None stays None (NULL)."""
    if value is None or isinstance(value, str) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return to_pg_text(value.value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return array_literal(value)
    if isinstance(value, dict | Json):
        return _json(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"cannot COPY a value of type {type(value).__name__}")


def array_literal(items: Sequence[Any]) -> str:
    """A PostgreSQL array literal; every string element is quoted, so '', 'NULL' and ',' survive."""
    if all(type(i) is str and '"' not in i and "\\" not in i for i in items):
        return '{"' + '","'.join(items) + '"}' if items else "{}"
    return "{" + ",".join(_array_element(item) for item in items) + "}"


def _json(value: Any) -> str:
    payload = value.value if isinstance(value, Json) else value
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _array_element(item: Any) -> str:
    if item is None:
        return "NULL"
    if isinstance(item, list | tuple):
        return array_literal(item)
    text = to_pg_text(item)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _csv_field(value: Any) -> str:
    text = to_pg_text(value)
    # Unquoted empty is NULL in CSV; anything quoted, even "", is a value.
    return "" if text is None else '"' + text.replace('"', '""') + '"'


def _clean(texts: Sequence[str]) -> bool:
    """True when no string needs a COPY text escape: one scan of all of them in C."""
    joined = "".join(texts)
    return not ("\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined)


def _text_column(values: Sequence[Any]) -> Sequence[str]:
    """One column of a batch in COPY text form.

    Columns are encoded whole because per-value Python calls dominate the cost of a bulk
    load: a clean text column passes through untouched, ints and booleans go through map().
    """
    types = set(map(type, values))
    if types == {str}:
        return values if _clean(values) else [v.translate(_TEXT_ESCAPES) for v in values]
    if types <= {int, type(None)}:
        return [_NULL if v is None else str(v) for v in values]
    if types <= {bool, type(None)}:
        return [_BOOLS[v] for v in values]
    kinds = types - {type(None)}
    convert = _CONVERTERS.get(kinds.pop()) if len(kinds) == 1 else None
    texts = [v if v is None else (convert or to_pg_text)(v) for v in values]
    if _clean([t for t in texts if t is not None]):
        return [_NULL if t is None else t for t in texts]
    return [_NULL if t is None else t.translate(_TEXT_ESCAPES) for t in texts]


_CONVERTERS = {str: str, list: array_literal, tuple: array_literal, dict: _json, Json: _json}


def encode_batch(rows: Sequence[Sequence[Any]], format: CopyFormat = "text") -> str:
    """A batch of rows as COPY lines, newline after each."""
    if not rows:
        return ""
    if format == "csv":
        return "".join(",".join(map(_csv_field, row)) + "\n" for row in rows)
    if format != "text":
        raise ValueError(f"COPY format must be 'text' or 'csv', got {format!r}")
    columns = [_text_column(column) for column in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def encode_lines(rows: Iterable[Sequence[Any]], format: CopyFormat = "text") -> Iterator[str]:
    """COPY text for `rows`, a batch at a time, so memory stays bounded for any row count."""
    rows = iter(rows)
    while batch := list(islice(rows, _ROWS_PER_BATCH)):
        yield encode_batch(batch, format)


def render_rows(rows: Sequence[Sequence[Any]], format: CopyFormat = "text") -> bytes:
    """All rows as one COPY payload, for callers that prepare data ahead of the load."""
    return "".join(encode_lines(rows, format)).encode("utf-8")


class RowStream(io.RawIOBase):
    """A read-only binary file over rows: COPY pulls them batch by batch, none are kept."""

    def __init__(self, rows: Iterable[Sequence[Any]], format: CopyFormat = "text") -> None:
        self.rows = 0
        self._chunks = encode_lines(self._counted(rows), format)
        self._pending = bytearray()

    def _counted(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in rows:
            self.rows += 1
            yield row

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = READ_SIZE if size is None or size < 0 else size
        while len(self._pending) < want:
            text = next(self._chunks, None)
            if text is None:
                break
            self._pending += text.encode("utf-8")
        if size is None or size < 0:
            want = len(self._pending)
        out = bytes(self._pending[:want])
        del self._pending[:want]
        return out


def copy_statement(conn: sa.Connection, table: str, columns: Sequence[str], format: str) -> str:
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    # ENCODING pins the payload to UTF-8 whatever the session's client_encoding is.
    return f"COPY {quote(table)} ({names}) FROM STDIN WITH (FORMAT {format}, ENCODING 'UTF8')"


def copy_file(
    conn: sa.Connection,
    table: str,
    columns: Sequence[str],
    data: bytes | IO[bytes],
    format: CopyFormat = "text",
) -> None:
    """COPY an already-encoded UTF-8 payload (bytes or a binary file) into `table`."""
    source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    if not conn.in_transaction():
        # Make the caller's conn.commit() cover the COPY, as autobegin does for execute().
        conn.begin()
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.copy_expert(copy_statement(conn, table, columns, format), source, size=READ_SIZE)


def copy_rows(
    conn: sa.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    format: CopyFormat = "text",
) -> int:
    """Stream `rows` (tuples in `columns` order) into `table`; returns how many were sent."""
    stream = RowStream(rows, format)
    copy_file(conn, table, columns, stream, format)
    return stream.rows


def reset_identity(conn: sa.Connection, table: str, column: str) -> int:
    """After explicit ids were loaded, move the identity past max(column); never backwards.

    Never backwards: a value another open transaction already drew must not be drawn again.
    Returns the sequence's new last value (0 for an empty table with an unused sequence).
    """
    quote = conn.dialect.identifier_preparer.quote
    top = conn.execute(
        sa.text(
            f"SELECT GREATEST((SELECT max({quote(column)}) FROM {quote(table)}), "
            "coalesce(pg_sequence_last_value(seq), 0), 0), seq "
            "FROM (SELECT pg_get_serial_sequence(:table, :column)::regclass AS seq) s"
        ),
        {"table": quote(table), "column": column},
    ).one()
    value, sequence = int(top[0]), top[1]
    if sequence is None:
        raise ValueError(f"{table}.{column} has no identity sequence")
    conn.execute(
        sa.text("SELECT setval(CAST(:seq AS regclass), :value, :called)"),
        {"seq": sequence, "value": max(value, 1), "called": value > 0},
    )
    return value
