"""Answers from an external survey tool's CSV or XLSX: bad rows reported, the rest written once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from models.errors import CrmError
from tasks import survey_waves
from tasks.reading import FileReadError
from tasks.survey_import import import_responses
from tests.conftest import write_file
from tests.survey_base import invited, survey_base


@pytest.fixture
def wave(session):
    base = survey_base(session)
    ref = survey_waves.open_wave(
        session, name="Q4", line=None, open_days=28, now=datetime.now(UTC), create=True
    )
    survey_waves.invite(session, ref)
    tokens = invited(session, ref.survey_wave_id)
    return base, {name: tokens.get(pid) for name, pid in base.persons.items()}


def stored(session) -> dict[str, tuple]:
    rows = session.execute(
        sa.text(
            "select p.first_name, r.logistics, r.company_overall, r.nps, r.comment, "
            "r.source::text from survey_responses r join survey_invitations i "
            "using (survey_invitation_id) join persons p using (person_id)"
        )
    )
    return {name: tuple(rest) for name, *rest in rows}


def test_rows_by_token_or_address_are_imported_and_bad_rows_reported(session, wave, tmp_path):
    base, tokens = wave
    path = write_file(
        tmp_path / "export.csv",
        "Token;E-mail;Логистика;Компания в целом;NPS;Комментарий;Браузер\n"
        f"{tokens['Иван']};;5;4;9;Отлично\n"
        ";OLGA@vector.ru;3;;7;\n"
        ";kirill@vector.ru;4;4;8;not invited\n"
        f"{tokens['Анна']};;7;4;9;out of range\n"
        ";nobody@example.com;4;4;9;\n"
        f"{'f' * 64};;4;4;9;forged\n"
        f"{tokens['Анна']};;4,0;x;;\n"
        ";;4;4;;no respondent\n"
        f"{tokens['Глеб']};;;;;\n"
        ";olga@vector.ru;2;;;the second row of Ольга\n",
    )

    report = import_responses(session.connection(), path, "Q4")

    assert (report.rows, report.added, report.changed, report.unchanged) == (10, 2, 0, 0)
    assert report.ignored_columns == ["Браузер"]
    assert stored(session) == {
        "Иван": (5, 4, 9, "Отлично", "import"),
        "Ольга": (3, None, 7, None, "import"),
    }
    assert [(p.row_number, p.reason) for p in report.problems] == [
        (4, "nobody invited in this wave has the address kirill@vector.ru"),
        (5, "logistics '7' is not a whole number from 1 to 5"),
        (6, "nobody invited in this wave has the address nobody@example.com"),
        (7, f"no invitation of this wave has the token '{'f' * 64}'"),
        (8, "company_overall 'x' is not a whole number from 1 to 5"),
        (9, "no token and no e-mail: the respondent is unknown"),
        (10, "no answers"),
        (11, "the same respondent as row 3"),
    ]


def test_importing_the_same_file_again_changes_nothing(session, wave, tmp_path):
    base, tokens = wave
    path = write_file(
        tmp_path / "export.csv",
        f"token,logistics,nps\n{tokens['Иван']},5,9\n{tokens['Ольга']},2,3\n",
    )
    first = import_responses(session.connection(), path, "Q4")
    before = session.execute(sa.text("select * from survey_responses order by 1")).all()

    again = import_responses(session.connection(), path, "Q4")

    assert (first.added, again.added, again.changed, again.unchanged) == (2, 0, 0, 2)
    assert session.execute(sa.text("select * from survey_responses order by 1")).all() == before
    path.write_text(f"token,logistics,nps\n{tokens['Ольга']},3,3\n", encoding="utf-8")
    changed = import_responses(session.connection(), path, "Q4")
    assert (changed.added, changed.changed) == (0, 1)
    assert stored(session)["Ольга"][0] == 3


def test_an_xlsx_export_with_english_headers(session, wave, tmp_path):
    base, tokens = wave
    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Range", "Stable quality", "Would recommend", "Comment"])
    sheet.append(["anna@example.ru", 4, 5, 10, "Good"])
    sheet.append(["gleb@sever.ru", 0, 5, 10, "zero is out of range"])
    path = tmp_path / "export.xlsx"
    book.save(path)

    report = import_responses(session.connection(), path, "Q4")

    assert report.added == 1
    assert [p.row_number for p in report.problems] == [3]
    row = session.execute(
        sa.text("select products_range, products_quality, nps, comment from survey_responses")
    ).one()
    assert tuple(row) == (4, 5, 10, "Good")


def test_a_file_it_cannot_use_is_refused_whole(session, wave, tmp_path):
    no_respondent = write_file(tmp_path / "a.csv", "logistics,nps\n4,9\n")
    no_answers = write_file(tmp_path / "b.csv", "email,name\nx@y.ru,X\n")
    with pytest.raises(FileReadError, match="no column for the respondent"):
        import_responses(session.connection(), no_respondent, "Q4")
    with pytest.raises(FileReadError, match="no column with answers"):
        import_responses(session.connection(), no_answers, "Q4")
    with pytest.raises(CrmError, match="no survey wave 'Q9'"):
        import_responses(session.connection(), write_file(tmp_path / "c.csv", "email,nps\n"), "Q9")
