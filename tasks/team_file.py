"""Reading a team file: one employee (or one of their roles) per row, in English or Russian."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from models.employees import Role
from tasks.reading import FileReadError, read_table

# Header aliases, compared case-insensitively, in English and Russian.
COLUMNS = {
    "full_name": ("full_name", "name", "employee", "фио", "сотрудник", "имя"),
    "email": ("email", "e-mail", "почта", "эл. почта"),
    "phone": ("phone", "телефон"),
    "role": ("role", "roles", "роль"),
    "lines": ("lines", "line", "business lines", "направления", "направление"),
    "capacity": ("capacity", "max leads", "лимит"),
    "active": ("active", "is_active", "активен"),
    "leave": ("leave", "leave periods", "отпуск"),
}
ROLE_ALIASES = {
    "rep": Role.rep, "sales rep": Role.rep, "менеджер по продажам": Role.rep,
    "head_of_sales": Role.head_of_sales, "head of sales": Role.head_of_sales,
    "руководитель отдела продаж": Role.head_of_sales,
    "marketer": Role.marketer, "маркетолог": Role.marketer,
    "manager": Role.manager, "руководитель": Role.manager,
    "director": Role.director, "директор": Role.director,
}  # fmt: skip
TRUE_WORDS = {"1", "yes", "y", "true", "да", "+"}
FALSE_WORDS = {"0", "no", "n", "false", "нет", "-"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LEAVE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|–|—|to)\s*(\d{4}-\d{2}-\d{2})$")


class TeamRow(BaseModel):
    row_number: int
    full_name: str
    email: str
    phone: str | None
    roles: list[Role]
    lines: list[str]
    capacity: int | None
    is_active: bool
    leave: list[tuple[date, date]] | None


class RowProblem(BaseModel):
    row_number: int
    reason: str


def parse_team_file(path: Path) -> tuple[list[TeamRow], list[RowProblem]]:
    table = read_table(path)
    mapping = _map_headers(table.headers)
    missing = [f for f in ("full_name", "email") if f not in mapping]
    if missing:
        raise FileReadError(
            f"{path}: no column for {', '.join(missing)} (headers: {table.headers})"
        )
    good, problems = [], []
    for row_number, raw in table.rows:
        values = {field: raw.get(header, "") for field, header in mapping.items()}
        try:
            good.append(_parse_row(row_number, values))
        except ValueError as exc:
            problems.append(RowProblem(row_number=row_number, reason=str(exc)))
    return good, problems


def _map_headers(headers: list[str]) -> dict[str, str]:
    mapping = {}
    for header in headers:
        key = header.strip().lower()
        for field, aliases in COLUMNS.items():
            if key in aliases and field not in mapping:
                mapping[field] = header
    return mapping


def _parse_row(row_number: int, v: dict[str, str]) -> TeamRow:
    name, email = v.get("full_name", "").strip(), v.get("email", "").strip().lower()
    if not name:
        raise ValueError("no name")
    if not EMAIL.match(email):
        raise ValueError(f"not an e-mail address: '{email}'")
    return TeamRow(
        row_number=row_number,
        full_name=name,
        email=email,
        phone=v.get("phone") or None,
        roles=_split(v.get("role") or "rep", _role),
        lines=_split(v.get("lines", ""), str),
        capacity=_capacity(v.get("capacity", "")),
        is_active=_flag(v.get("active", "")),
        leave=_split(v["leave"], _leave) if "leave" in v else None,
    )


def _split(text: str, parse):
    return [parse(part.strip()) for part in re.split(r"[;,]", text) if part.strip()]


def _role(text: str) -> Role:
    role = ROLE_ALIASES.get(text.lower())
    if role is None:
        raise ValueError(f"unknown role '{text}' (use one of: {', '.join(r.value for r in Role)})")
    return role


def _capacity(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise ValueError(f"capacity must be a whole number, got '{text}'")
    return int(text)


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if not word or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"active must be yes or no, got '{text}'")


def _leave(text: str) -> tuple[date, date]:
    match = LEAVE.match(text)
    if not match:
        raise ValueError(f"leave period must look like 2026-12-01..2026-12-14, got '{text}'")
    start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    if end < start:
        raise ValueError(f"leave period ends before it starts: '{text}'")
    return start, end
