"""The demo team: three business lines with their stages, reps, heads, a marketer, a director.

Everything here is created only when absent, so the team survives a reload of the client base
and a second call changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from models.employees import Employee, EmployeeLine, LeavePeriod, Role
from models.lines import BusinessLine, SalesStage, default_stage_rows
from tasks.demo_names import RU_FEMALE, RU_MALE, RU_SURNAMES, TEAM_DOMAIN, female_surname, latin

DEMO_LINES = ("Equipment", "Consumables", "Service")
# Reps per line as (line, active, on leave now); the last Consumables rep also sells Service.
_REPS = (
    ("Equipment", True, False),
    ("Equipment", True, False),
    ("Equipment", True, False),
    ("Equipment", False, False),
    ("Consumables", True, False),
    ("Consumables", True, True),
    ("Consumables", True, False),
    ("Consumables", False, False),
    ("Consumables", True, False),
    ("Service", True, False),
    ("Service", True, False),
    ("Service", True, False),
)
_SHARED_REP = (8, "Service")


@dataclass(frozen=True)
class Stage:
    stage_id: int
    position: int
    is_won: bool
    is_lost: bool
    is_protected: bool


@dataclass(frozen=True)
class LineTeam:
    line_id: int
    name: str
    stages: tuple[Stage, ...]
    reps: tuple[int, ...]  # active reps, including one on leave
    former_reps: tuple[int, ...]
    head_id: int | None


@dataclass(frozen=True)
class DemoTeam:
    lines: tuple[LineTeam, ...]
    marketer_id: int | None
    director_id: int | None
    created: dict[str, int] = field(default_factory=dict)


def ensure_demo_team(conn: sa.Connection, seed: int, as_of: date | None = None) -> DemoTeam:
    """Create the demo lines, stages and team where absent; return the team as it stands."""
    as_of = as_of or date.today()
    created = {"business_lines": 0, "sales_stages": 0}
    new_lines = conn.execute(
        insert(BusinessLine)
        .values([{"name": name} for name in DEMO_LINES])
        .on_conflict_do_nothing()
        .returning(BusinessLine.line_id)
    ).scalars()
    stages = [stage for line_id in new_lines for stage in default_stage_rows(line_id)]
    created["business_lines"] = len({s["line_id"] for s in stages})
    if stages:
        created["sales_stages"] = conn.execute(sa.insert(SalesStage), stages).rowcount
    line_ids = dict(
        conn.execute(
            sa.select(BusinessLine.name, BusinessLine.line_id).where(
                BusinessLine.name.in_(DEMO_LINES)
            )
        ).all()
    )
    has_team = conn.scalar(
        sa.select(sa.func.count())
        .select_from(EmployeeLine)
        .where(EmployeeLine.line_id.in_(line_ids.values()))
    )
    if not has_team:
        created |= _create_team(conn, random.Random(seed), line_ids, as_of)
    return _read_team(conn, line_ids, created)


def _team_members(rng: random.Random) -> list[tuple[str, str]]:
    """(full name, e-mail) for the 17 people: director, marketer, three heads, twelve reps."""
    people, emails = [], set()
    while len(people) < 5 + len(_REPS):
        surname = rng.choice(RU_SURNAMES)
        if rng.random() < 0.5:
            first, patronymic = rng.choice(RU_MALE)[0], rng.choice(RU_MALE)[1]
        else:
            first, patronymic = rng.choice(RU_FEMALE), rng.choice(RU_MALE)[2]
            surname = female_surname(surname)
        email = f"{latin(first)[0]}.{latin(surname)}@{TEAM_DOMAIN}"
        if email not in emails:
            emails.add(email)
            people.append((f"{surname} {first} {patronymic}", email))
    return people


def _create_team(
    conn: sa.Connection, rng: random.Random, line_ids: dict[str, int], as_of: date
) -> dict[str, int]:
    people = _team_members(rng)
    active = [True] * 5 + [is_active for _, is_active, _ in _REPS]
    rows = [
        dict(
            full_name=name,
            email=email,
            phone=f"+79{rng.randrange(10**9):09d}",
            is_active=is_active,
        )
        for (name, email), is_active in zip(people, active, strict=True)
    ]
    inserted = conn.execute(
        insert(Employee).values(rows).on_conflict_do_nothing().returning(Employee.employee_id)
    ).all()
    ids = dict(
        conn.execute(
            sa.select(Employee.email, Employee.employee_id).where(
                Employee.email.in_([email for _, email in people])
            )
        ).all()
    )
    staff = [ids[email] for _, email in people]
    director, marketer, heads, reps = staff[0], staff[1], staff[2:5], staff[5:]
    roles = [(director, line_id, Role.director) for line_id in line_ids.values()]
    roles += [(marketer, line_id, Role.marketer) for line_id in line_ids.values()]
    roles += [
        (head, line_ids[name], Role.head_of_sales)
        for head, name in zip(heads, DEMO_LINES, strict=True)
    ]
    roles += [
        (rep, line_ids[line], Role.rep) for rep, (line, _, _) in zip(reps, _REPS, strict=True)
    ]
    roles.append((reps[_SHARED_REP[0]], line_ids[_SHARED_REP[1]], Role.rep))
    conn.execute(
        insert(EmployeeLine)
        .values([dict(employee_id=e, line_id=ln, role=r) for e, ln, r in roles])
        .on_conflict_do_nothing()
    )
    leave = [
        dict(employee_id=rep, starts_on=as_of - timedelta(3), ends_on=as_of + timedelta(11))
        for rep, (_, _, on_leave) in zip(reps, _REPS, strict=True)
        if on_leave
    ]
    leave.append(
        dict(employee_id=reps[1], starts_on=as_of - timedelta(120), ends_on=as_of - timedelta(107))
    )
    conn.execute(insert(LeavePeriod).values(leave).on_conflict_do_nothing())
    return {"employees": len(inserted), "employee_lines": len(roles), "leave_periods": len(leave)}


def _read_team(conn: sa.Connection, line_ids: dict[str, int], created: dict) -> DemoTeam:
    stage_rows = conn.execute(
        sa.select(
            SalesStage.line_id,
            SalesStage.stage_id,
            SalesStage.position,
            SalesStage.is_won,
            SalesStage.is_lost,
            SalesStage.is_protected,
        )
        .where(SalesStage.line_id.in_(line_ids.values()))
        .order_by(SalesStage.line_id, SalesStage.position)
    ).all()
    role_rows = conn.execute(
        sa.select(EmployeeLine.line_id, EmployeeLine.role, Employee.employee_id, Employee.is_active)
        .join(Employee, Employee.employee_id == EmployeeLine.employee_id)
        .where(EmployeeLine.line_id.in_(line_ids.values()))
        .order_by(Employee.employee_id)
    ).all()

    def people(line_id: int, role: Role, active: bool) -> tuple[int, ...]:
        return tuple(
            r.employee_id
            for r in role_rows
            if r.line_id == line_id and r.role == role and r.is_active == active
        )

    lines = tuple(
        LineTeam(
            line_id=line_ids[name],
            name=name,
            stages=tuple(Stage(*row[1:]) for row in stage_rows if row.line_id == line_ids[name]),
            reps=people(line_ids[name], Role.rep, True),
            former_reps=people(line_ids[name], Role.rep, False),
            head_id=next(iter(people(line_ids[name], Role.head_of_sales, True)), None),
        )
        for name in DEMO_LINES
    )
    anyone = {r.role: r.employee_id for r in reversed(role_rows) if r.is_active}
    return DemoTeam(lines, anyone.get(Role.marketer), anyone.get(Role.director), created)
