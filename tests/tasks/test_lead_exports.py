"""Import-result files: formula injection, round trips through csv and openpyxl, atomic writes."""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from models.settings import get_settings
from tasks.lead_exports import safe_cell, write_csv, write_xlsx

ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tX", "'\tX"),
        ("\rX", "'X"),  # CR is dropped (openpyxl refuses it), the quote stays
        ("\x01=1+1", "'=1+1"),
        ("\x7fX", "'\x7fX"),
        ("+7 495 123-45-67", "'+7 495 123-45-67"),  # phones too, as OWASP recommends
    ],
)
def test_formula_like_text_is_quoted(text, expected):
    assert safe_cell(text) == expected


@pytest.mark.parametrize(
    "text", ["ООО «Ромашка»", "a=b", "x-1", "multi\nline", "tab\tinside", "'already quoted", ""]
)
def test_plain_text_is_untouched(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize(
    "value",
    [-5, 0, 3.5, -2.25, Decimal("-1.10"), True, date(2025, 3, 1), datetime(2025, 3, 1, 10, 30)],
)
def test_typed_values_pass_through(value):
    assert safe_cell(value) is value


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_control_characters_inside_text_are_removed():
    assert safe_cell("a\x00b\x08c\x0bd\x1fe\rf\tg\nh") == "abcdef\tg\nh"


def test_other_objects_are_written_as_checked_text():
    uuid = UUID("12345678-1234-5678-1234-567812345678")
    assert safe_cell(uuid) == str(uuid)
    assert safe_cell(Path("=cmd")) == "'=cmd"


@given(st.text())
def test_safe_cell_never_starts_a_formula_and_only_adds_a_quote(text):
    result = safe_cell(text)
    assert isinstance(result, str)
    assert not result or (result[0] not in "=+-@" and unicodedata.category(result[0]) != "Cc")
    cleaned = ILLEGAL.sub("", text)
    assert result in (cleaned, "'" + cleaned)
    if result != cleaned:
        assert result.removeprefix("'") == cleaned


ROWS = [
    ["ООО «Ромашка», филиал", 'He said "hi"', "line one\nline two", 7707083893],
    ["=1+1", "+7 495 123-45-67", None, 2.5],
    ["Ёжик", "", date(2025, 3, 1), datetime(2025, 3, 1, 10, 30)],
]


def test_csv_round_trip(tmp_path):
    path = write_csv(
        tmp_path / "nested" / "out.csv", ["Компания", "Комментарий", "Адрес", "Число"], ROWS
    )

    assert path == tmp_path / "nested" / "out.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv(path) == [
        ["Компания", "Комментарий", "Адрес", "Число"],
        ["ООО «Ромашка», филиал", 'He said "hi"', "line one\nline two", "7707083893"],
        ["'=1+1", "'+7 495 123-45-67", "", "2.5"],
        ["Ёжик", "", "2025-03-01", "2025-03-01 10:30:00"],
    ]
    assert leftovers(path.parent) == []


def test_aware_datetimes_are_written_in_the_crm_time_zone(tmp_path):
    moment = datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(get_settings().time_zone)).replace(tzinfo=None)

    csv_path = write_csv(tmp_path / "t.csv", ["at"], [[moment]])
    xlsx_path = write_xlsx(tmp_path / "t.xlsx", [("T", ["at"], [[moment]])])

    assert read_csv(csv_path)[1] == [local.isoformat(sep=" ")]
    assert openpyxl.load_workbook(xlsx_path)["T"]["A2"].value == local


def test_xlsx_round_trip(tmp_path):
    path = write_xlsx(
        tmp_path / "out.xlsx",
        [
            ("Принятые", ["Компания", "Комментарий", "Адрес", "Число"], ROWS),
            ("Отклонённые", ["Строка", "Причина"], iter([[3, "-не ИНН"], [7, "@dup"]])),
        ],
    )

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Принятые", "Отклонённые"]
    accepted, rejected = workbook.worksheets
    assert [c.value for c in accepted[1]] == ["Компания", "Комментарий", "Адрес", "Число"]
    assert accepted["A1"].font.b
    assert accepted.freeze_panes == "A2"
    values = [list(r) for r in accepted.iter_rows(min_row=2, values_only=True)]
    assert values == [
        ["ООО «Ромашка», филиал", 'He said "hi"', "line one\nline two", 7707083893],
        # openpyxl reads an empty inline string back as None
        ["'=1+1", "'+7 495 123-45-67", None, 2.5],
        ["Ёжик", None, datetime(2025, 3, 1), datetime(2025, 3, 1, 10, 30)],
    ]
    formula_like = accepted["A3"]
    assert formula_like.value.startswith("'")
    assert formula_like.data_type == "s"
    assert not any(c.data_type == "f" for row in accepted.iter_rows() for c in row)
    assert [list(r) for r in rejected.iter_rows(values_only=True)] == [
        ["Строка", "Причина"],
        [3, "'-не ИНН"],
        [7, "'@dup"],
    ]
    assert leftovers(tmp_path) == []


def test_xlsx_control_characters_do_not_break_openpyxl(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", [("C", ["h\x01"], [["a\x00b\x1fc\r"]])])
    sheet = openpyxl.load_workbook(path)["C"]
    assert [sheet["A1"].value, sheet["A2"].value] == ["h", "abc"]


def test_twenty_thousand_rows(tmp_path):
    rows = ([i, f"Компания {i}", f"-{i}", date(2025, 1, 1)] for i in range(20_000))
    headers = ["N", "Name", "Code", "Date"]

    csv_path = write_csv(tmp_path / "big.csv", headers, rows)
    xlsx_path = write_xlsx(
        tmp_path / "big.xlsx",
        [("Big", headers, ([i, f"Компания {i}", f"-{i}"] for i in range(20_000)))],
    )

    assert len(read_csv(csv_path)) == 20_001
    sheet = openpyxl.load_workbook(xlsx_path, read_only=True)["Big"]
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last == (19_999, "Компания 19999", "'-19999")
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    openpyxl_files = list(ALL_TEMP_FILES)
    path = write_csv(tmp_path / "out.csv", ["a"], [["old"]])

    def rows():
        yield ["new"]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_csv(path, ["a"], rows())
    with pytest.raises(RuntimeError):
        write_xlsx(tmp_path / "out.xlsx", [("S", ["a"], rows())])

    assert read_csv(path) == [["a"], ["old"]]
    assert not (tmp_path / "out.xlsx").exists()
    assert leftovers(tmp_path) == []
    # Nor the files openpyxl streams sheets into (it would remove them only at exit).
    assert not set(ALL_TEMP_FILES) - set(openpyxl_files)


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (["Leads [2025]: a/b\\c*?"], ["Leads 2025 abc"]),
        (["x" * 40], ["x" * 31]),
        (["'quoted'", "", "   "], ["quoted", "Sheet", "Sheet (2)"]),
        (["Лиды", "лиды", "ЛИДЫ"], ["Лиды", "лиды (2)", "ЛИДЫ (3)"]),
        (["y" * 40, "y" * 31], ["y" * 31, "y" * 27 + " (2)"]),
    ],
)
def test_sheet_titles_are_sanitised(tmp_path, titles, expected):
    path = write_xlsx(tmp_path / "t.xlsx", [(t, ["h"], []) for t in titles])
    assert openpyxl.load_workbook(path).sheetnames == expected


def test_no_sheets_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx(tmp_path / "t.xlsx", [])
