"""Team import: English/Russian headers, CSV and XLSX, re-import updates, bad rows reported."""

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from models.employees import Employee, EmployeeLine, LeavePeriod, Role
from models.errors import CrmError
from tasks.team import import_team, list_team
from tasks.team_file import _flag, _leave

TEAM_CSV = """name;email;role;lines;capacity;active;leave
Anna Smirnova;Anna@Example.com;rep;Equipment;120;yes;2026-12-01..2026-12-14
Boris Ivanov;boris@example.com;rep;Equipment, Service;;да;
Boris Ivanov;boris@example.com;head of sales;Consumables;;;
Olga Head;olga@example.com;head_of_sales;Equipment;;;
Broken Row;not-an-email;rep;Equipment;;;
No Role;norole@example.com;astronaut;Equipment;;;
Bad Cap;badcap@example.com;rep;Equipment;lots;;
"""


def _write(tmp_path, text, name="team.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _roles(session):
    return set(
        session.execute(
            sa.select(Employee.email, EmployeeLine.role).join(
                EmployeeLine, EmployeeLine.employee_id == Employee.employee_id
            )
        ).all()
    )


def test_import_creates_employees_lines_roles_and_reports_bad_rows(session, tmp_path):
    result = import_team(session, _write(tmp_path, TEAM_CSV))
    assert (result.employees, result.created, result.updated) == (3, 3, 0)
    assert result.lines_created == ["Consumables", "Equipment", "Service"]
    assert [(p.row_number, p.reason.split(":")[0]) for p in result.problems] == [
        (6, "not an e-mail address"),
        (7, "unknown role 'astronaut' (use one of"),
        (8, "capacity must be a whole number, got 'lots'"),
    ]
    anna = session.scalar(sa.select(Employee).where(Employee.email == "anna@example.com"))
    assert anna.capacity == 120 and anna.is_active
    assert session.execute(sa.select(LeavePeriod.starts_on, LeavePeriod.ends_on)).all() == [
        (date(2026, 12, 1), date(2026, 12, 14))
    ]
    assert ("boris@example.com", Role.head_of_sales) in _roles(session)
    boris_lines = session.scalars(
        sa.text(
            "select distinct l.name from employee_lines el join business_lines l using (line_id) "
            "join employees e using (employee_id) where e.email = 'boris@example.com' order by 1"
        )
    ).all()
    assert boris_lines == ["Consumables", "Equipment", "Service"]


def test_reimport_updates_in_place(session, tmp_path):
    import_team(session, _write(tmp_path, TEAM_CSV))
    changed = (
        "ФИО,E-mail,Роль,Направления,Лимит,Активен\n"
        "Anna Smirnova-Petrova,anna@example.com,rep,Service,80,нет\n"
    )
    result = import_team(session, _write(tmp_path, changed, "team2.csv", "cp1251"))
    assert (result.created, result.updated) == (0, 1)
    anna = session.scalar(sa.select(Employee).where(Employee.email == "anna@example.com"))
    assert (anna.full_name, anna.capacity, anna.is_active) == ("Anna Smirnova-Petrova", 80, False)
    assert session.scalar(sa.select(sa.func.count()).select_from(Employee)) == 3
    # Without a leave column the leave periods stay as they were.
    assert session.scalar(sa.select(sa.func.count()).select_from(LeavePeriod)) == 1
    members = {m.email: m for m in list_team(session)}
    assert members["anna@example.com"].roles == "Service:rep"


def test_xlsx_team_file(session, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "Email", "Role", "Lines", "Capacity"])
    ws.append(["Xenia Excel", "xenia@example.com", "marketer", "Equipment", 10])
    path = tmp_path / "team.xlsx"
    wb.save(path)
    result = import_team(session, path)
    assert result.created == 1
    assert _roles(session) == {("xenia@example.com", Role.marketer)}


def test_file_without_name_or_email_columns_is_refused(session, tmp_path):
    with pytest.raises(CrmError, match="no column for full_name, email"):
        import_team(session, _write(tmp_path, "who,what\nx,y\n"))


def test_empty_file_is_refused(session, tmp_path):
    with pytest.raises(CrmError, match="the file is empty"):
        import_team(session, _write(tmp_path, ""))


@given(st.dates(), st.integers(min_value=0, max_value=400))
def test_leave_periods_parse_back(start, days):
    end = date.fromordinal(min(start.toordinal() + days, date.max.toordinal()))
    assert _leave(f"{start.isoformat()}..{end.isoformat()}") == (start, end)


@given(st.text(max_size=8))
def test_active_flag_is_strict(text):
    try:
        value = _flag(text)
    except ValueError:
        return
    assert value is (text.strip().lower() not in {"0", "no", "n", "false", "нет", "-"})
