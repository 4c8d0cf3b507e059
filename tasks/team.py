"""The team in the store: employees upserted from a team file, and the team list."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models.employees import Employee, EmployeeLine, LeavePeriod
from models.leads import Lead
from models.lines import BusinessLine
from tasks.lines import ensure_lines
from tasks.team_file import RowProblem, TeamRow, parse_team_file


class TeamImport(BaseModel):
    employees: int
    created: int
    updated: int
    lines_created: list[str]
    problems: list[RowProblem]


def import_team(session: Session, path: Path) -> TeamImport:
    """Upsert employees by e-mail; their roles, lines and leave become what the file says."""
    rows, problems = parse_team_file(path)
    rows = _merge_by_email(rows, problems)
    if not rows:
        return TeamImport(employees=0, created=0, updated=0, lines_created=[], problems=problems)
    created_lines = ensure_lines(session, {line for r in rows for line in r.lines})
    ids = _upsert_employees(session, rows)
    _replace_roles(session, rows, ids)
    _replace_leave(session, [r for r in rows if r.leave is not None], ids)
    created = sum(1 for is_new in ids.values() if is_new[1])
    return TeamImport(
        employees=len(rows),
        created=created,
        updated=len(rows) - created,
        lines_created=created_lines,
        problems=problems,
    )


def _merge_by_email(rows: list[TeamRow], problems: list[RowProblem]) -> list[TeamRow]:
    """Several rows of one person (a rep in one line, head of another) become one employee."""
    merged: dict[str, TeamRow] = {}
    for row in rows:
        first = merged.get(row.email)
        if first is None:
            merged[row.email] = row
        elif first.full_name != row.full_name:
            problems.append(
                RowProblem(
                    row_number=row.row_number,
                    reason=(f"e-mail {row.email} is '{first.full_name}' in row {first.row_number}"),
                )
            )
        else:
            first.roles = sorted(set(first.roles) | set(row.roles))
            first.lines = sorted(set(first.lines) | set(row.lines))
    return list(merged.values())


def _upsert_employees(session: Session, rows: list[TeamRow]) -> dict[str, tuple[int, bool]]:
    stmt = insert(Employee).values(
        [
            dict(
                full_name=r.full_name,
                email=r.email,
                phone=r.phone,
                capacity=r.capacity,
                is_active=r.is_active,
            )
            for r in rows
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["email"],
        set_={
            **{c: stmt.excluded[c] for c in ("full_name", "phone", "capacity", "is_active")},
            "updated_at": sa.func.now(),
        },
    )
    # xmax = 0 only on a freshly inserted row: tells created from updated in the same statement.
    result = session.execute(
        stmt.returning(Employee.email, Employee.employee_id, sa.literal_column("xmax = 0"))
    )
    return {email: (employee_id, is_new) for email, employee_id, is_new in result}


def _replace_roles(session: Session, rows: list[TeamRow], ids) -> None:
    employee_ids = [ids[r.email][0] for r in rows]
    session.execute(sa.delete(EmployeeLine).where(EmployeeLine.employee_id.in_(employee_ids)))
    line_ids = dict(session.execute(sa.select(BusinessLine.name, BusinessLine.line_id)).all())
    values = [
        dict(employee_id=ids[r.email][0], line_id=line_ids[line], role=role)
        for r in rows
        for line in r.lines
        for role in r.roles
    ]
    if values:
        session.execute(insert(EmployeeLine).values(values).on_conflict_do_nothing())


def _replace_leave(session: Session, rows: list[TeamRow], ids) -> None:
    if not rows:
        return
    employee_ids = [ids[r.email][0] for r in rows]
    session.execute(sa.delete(LeavePeriod).where(LeavePeriod.employee_id.in_(employee_ids)))
    values = [
        dict(employee_id=ids[r.email][0], starts_on=start, ends_on=end)
        for r in rows
        for start, end in r.leave
    ]
    if values:
        session.execute(insert(LeavePeriod).values(values).on_conflict_do_nothing())


class TeamMember(BaseModel):
    employee_id: int
    full_name: str
    email: str
    is_active: bool
    capacity: int | None
    roles: str
    open_leads: int
    on_leave_today: bool


def list_team(session: Session, line: str | None = None) -> list[TeamMember]:
    roles = (
        sa.select(
            EmployeeLine.employee_id,
            sa.func.string_agg(
                BusinessLine.name + ":" + sa.cast(EmployeeLine.role, sa.Text),
                sa.literal_column("', '"),
            ).label("roles"),
        )
        .join(BusinessLine, BusinessLine.line_id == EmployeeLine.line_id)
        .where(sa.true() if line is None else BusinessLine.name == line)
        .group_by(EmployeeLine.employee_id)
        .subquery()
    )
    open_leads = (
        sa.select(sa.func.count())
        .where(Lead.owner_id == Employee.employee_id, Lead.status == "open")
        .scalar_subquery()
    )
    on_leave = sa.exists().where(
        LeavePeriod.employee_id == Employee.employee_id,
        sa.func.current_date().between(LeavePeriod.starts_on, LeavePeriod.ends_on),
    )
    stmt = (
        sa.select(
            Employee.employee_id,
            Employee.full_name,
            Employee.email,
            Employee.is_active,
            Employee.capacity,
            sa.func.coalesce(roles.c.roles, ""),
            open_leads,
            on_leave,
        )
        .join(roles, roles.c.employee_id == Employee.employee_id, isouter=line is None)
        .order_by(Employee.full_name)
    )
    fields = list(TeamMember.model_fields)
    return [TeamMember(**dict(zip(fields, row, strict=True))) for row in session.execute(stmt)]
