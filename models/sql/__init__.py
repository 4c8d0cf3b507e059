"""Named SQL: `models/sql/<domain>.sql` files of `-- name: <query>` blocks."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa

_HEADER = re.compile(r"^-- name: (\S+)\s*$", re.MULTILINE)


@cache
def queries(domain: str) -> dict[str, sa.TextClause]:
    """Every named query of `<domain>.sql`, as text clauses with bound parameters."""
    text = (Path(__file__).parent / f"{domain}.sql").read_text(encoding="utf-8")
    parts = _HEADER.split(text)[1:]
    return {name: sa.text(body.strip()) for name, body in zip(parts[::2], parts[1::2], strict=True)}


def query(domain: str, name: str) -> sa.TextClause:
    return queries(domain)[name]
