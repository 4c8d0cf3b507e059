"""Lead files as they really arrive: empty, in Windows-1251, odd columns, broken quotes, too big.

Each refusal names the file (and the row when one row is the problem) and writes nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from models.imports import Decision
from models.settings import get_settings
from tasks.lead_fields import ColumnMapError
from tasks.lead_import import ImportGateError, read_source
from tasks.reading import FileReadError
from tests import factories as f

HEADERS = "ID;Название;ИНН;Телефон;E-mail;Город;Адрес"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def leads(tmp_path: Path, *rows: str, name: str = "leads.csv", encoding: str = "utf-8") -> Path:
    return write(tmp_path / name, "\n".join((HEADERS, *rows)) + "\n", encoding)


@pytest.fixture
def world(session):
    line = f.line(session, name="Опт")
    rep = f.employee(session, line.line_id, full_name="Анна Смирнова")
    return line, rep


def run(session, path: Path, line, rep):
    return f.import_file(session, path, line, rep)


def written(session) -> dict[str, int]:
    tables = ("import_batches", "organisations", "leads", "contact_lists")
    return {t: session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in tables}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("\n\n  \n", "the file is empty"),
        (HEADERS + "\n", "no rows under the header; nothing to import"),
        (HEADERS + "\n;;;;;;\n\n", "no rows under the header; nothing to import"),
    ],
    ids=["zero bytes", "blank lines", "header only", "header and blank rows"],
)
def test_an_empty_file_is_refused_by_name(tmp_path, content, message):
    path = write(tmp_path / "leads.csv", content)
    with pytest.raises(FileReadError, match=message) as error:
        read_source(path)
    assert str(error.value).startswith(f"{path}: ")


def test_a_windows_1251_file_is_read_as_cyrillic(session, world, tmp_path):
    line, rep = world
    path = leads(
        tmp_path,
        "1;ООО «Ромашка»;7707083893;+7 495 123-45-67;;Москва;ул. Тверская, 1",
        "2;Лютик;;8 (812) 555-12-12;;Санкт-Петербург;",
        encoding="cp1251",
    )
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = run(session, path, line, rep)
    assert result.counts == {"new": 2}
    rows = session.execute(
        sa.text("SELECT name, legal_form, city, address FROM organisations ORDER BY name")
    ).all()
    assert rows == [
        ("Лютик", None, "Санкт-Петербург", None),
        ("Ромашка", "ООО", "Москва", "ул. Тверская, 1"),
    ]


def test_no_recognisable_column_names_the_file_the_headers_and_the_way_out(tmp_path):
    path = write(tmp_path / "export.csv", "foo;bar;baz\n1;2;3\n")
    with pytest.raises(ColumnMapError) as error:
        read_source(path)
    message = str(error.value)
    assert message.startswith(f"{path}: no column identifies a lead (need one of: name, ")
    assert "headers: 'foo', 'bar', 'baz'" in message
    assert "use --map 'COLUMN=FIELD'" in message
    assert read_source(path, ["bar=name", "baz=phone"]).prospects[0].values["name"] == "2"


def test_a_row_with_500_cells_keeps_its_first_columns_and_drops_the_rest(session, world, tmp_path):
    line, rep = world
    wide = ";".join(["2", "Лютик", "", "+7 812 555-12-12", "", "Казань", ""] + ["x"] * 493)
    path = leads(tmp_path, "1;Ромашка;;+7 495 123-45-67;;Москва;", wide)
    source = read_source(path)
    assert len(wide.split(";")) == 500
    lutik = source.prospects[1]
    assert (lutik.values["name"], lutik.values["city"]) == ("Лютик", "Казань")
    assert lutik.custom == {} and not lutik.problems
    assert run(session, path, line, rep).counts == {"new": 2}


def test_formula_cells_are_read_as_plain_text(session, world, tmp_path):
    line, rep = world
    hyperlink = '=HYPERLINK("http://x","y")'
    path = tmp_path / "leads.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS.split(";"))
        writer.writerow(["=1+1", "Ромашка", "", "+7 495 123-45-67", "", "@SUM(A1)", hyperlink])
    result = run(session, path, line, rep)
    assert [d.decision for d in result.decisions] == [Decision.new]
    assert result.decisions[0].external_id == "=1+1"
    # Stored as the text it was; the files people open quote it (see test_lead_delivery).
    row = session.execute(sa.text("SELECT name, city, address FROM organisations")).one()
    assert row == ("Ромашка", "@SUM(A1)", hyperlink)


def test_an_xlsx_formula_is_read_by_its_value_never_its_text(tmp_path):
    path = tmp_path / "leads.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Название", "Телефон", "Город"])
    workbook.active.append(['=HYPERLINK("http://x","Ромашка")', "+7 495 123-45-67", "Москва"])
    workbook.active.append(["Лютик", "+7 812 555-12-12", "=1+1"])
    workbook.save(path)
    # openpyxl stores no computed value, so the formulas read as empty cells.
    first, second = read_source(path).prospects
    assert first.problems == ["no name: neither a company nor a person"]
    assert second.values["name"] == "Лютик" and second.values["city"] is None


def test_an_unterminated_quote_stops_the_file_at_its_row(session, world, tmp_path):
    line, rep = world
    path = leads(
        tmp_path,
        "1;Ромашка;;+7 495 123-45-67;;Москва;",
        '2;"Лютик;;+7 812 555-12-12;;Санкт-Петербург;',
        "3;Клевер;;+7 812 555-12-13;;Санкт-Петербург;",
        "4;Астра;;+7 812 555-12-14;;Санкт-Петербург;",
    )
    # Read leniently, rows 3 to 5 would vanish into one name cell of row 3.
    with pytest.raises(FileReadError) as error:
        read_source(path)
    assert str(error.value) == (
        f"{path}: row 3 (line 3) is not valid CSV (unexpected end of data); "
        "check the quotes in that row"
    )
    assert written(session) == dict.fromkeys(written(session), 0)


def test_a_quote_closed_early_is_reported_at_its_row_after_a_multiline_cell(tmp_path):
    path = leads(
        tmp_path,
        '1;Ромашка;;+7 495 123-45-67;;Москва;"Тверская, 1\nофис 5"',
        '2;"Лютик" Плюс;;+7 812 555-12-12;;;',
    )
    with pytest.raises(FileReadError, match=r"row 3 \(line 4\) is not valid CSV \("):
        read_source(path)


def test_quotes_inside_an_unquoted_cell_and_multiline_cells_are_fine(tmp_path):
    path = leads(
        tmp_path,
        '1;Ромашка;;+7 495 123-45-67;;Москва;"Тверская, 1\nофис 5"',
        '2;Лютик "Плюс";;+7 812 555-12-12;;;',
        "3;Клевер;;+7 812 555-12-13;;;",
    )
    prospects = read_source(path).prospects
    assert [p.row_number for p in prospects] == [2, 3, 4]
    assert prospects[0].values["address"] == "Тверская, 1\nофис 5"
    assert prospects[2].values["name"] == "Клевер"


def test_repeated_column_headers_each_keep_their_cells(tmp_path):
    path = write(
        tmp_path / "2gis.csv",
        "Название;Телефон;Телефон;Город\nРомашка;+7 495 123-45-67;;Москва\n"
        "Лютик;;+7 812 555-12-12;Санкт-Петербург\n",
    )
    source = read_source(path)
    assert source.columns.fields == {
        "Название": "name", "Телефон": "phone", "Телефон 2": "phone", "Город": "city",
    }  # fmt: skip
    assert [p.values["phones"] for p in source.prospects] == [["+74951234567"], ["+78125551212"]]


@pytest.fixture
def one_mb_limit(monkeypatch):
    monkeypatch.setenv("MAX_IMPORT_MB", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, one_mb_limit):
    row = "1;Ромашка;;+7 495 123-45-67;;Москва;" + "x" * 1000
    path = leads(tmp_path, *[row] * 1100)
    assert 1.0 < path.stat().st_size / 1024 / 1024 < 1.5
    with pytest.raises(FileReadError) as error:
        read_source(path)
    assert str(error.value) == (
        f"{path}: 1.1 MB is over the 1 MB limit (MAX_IMPORT_MB); split the file"
    )


@pytest.mark.parametrize("name", ["leads.xls", "leads.pdf", "leads"])
def test_an_unsupported_file_type_is_refused_by_name(tmp_path, name):
    path = write(tmp_path / name, "Название\nРомашка\n")
    with pytest.raises(FileReadError, match="unsupported file type") as error:
        read_source(path)
    assert str(error.value).startswith(f"{path}: unsupported file type '{path.suffix}'")


def test_a_missing_file_is_refused_by_name(tmp_path):
    with pytest.raises(FileReadError, match="no such file"):
        read_source(tmp_path / "nope.csv")


def test_a_mostly_invalid_file_is_stopped_by_the_gate_and_writes_nothing(session, world, tmp_path):
    line, rep = world
    good = [f"{i};Фирма {i};;+7 495 100-00-{i:02d};;;" for i in range(5)]
    no_contact = [f"{i};Контора {i};;;;;" for i in range(5, 20)]
    bad_tax = [f"{i};Артель {i};12345;+7 495 200-00-{i:02d};;;" for i in range(20, 25)]
    path = leads(tmp_path, *good, *no_contact, *bad_tax)
    with pytest.raises(ImportGateError) as error:
        run(session, path, line, rep)
    message = str(error.value)
    assert message.startswith("leads.csv: 20 of 25 rows are invalid (80%, over the 50% allowed")
    assert "no way to contact (15)" in message and "malformed tax id '12345' (5)" in message
    assert message.endswith("Nothing was written")
    assert written(session) == dict.fromkeys(written(session), 0)


def test_cells_longer_than_the_base_keeps_are_cut_not_fatal(session, world, tmp_path):
    line, rep = world
    path = write(
        tmp_path / "long.csv",
        "ID;Название;Телефон;Город;Индекс;ОПФ;Рубрика\n"
        f"{'9' * 120};Ромашка;+7 495 123-45-67;{'Г' * 150};Postal code 123456;"
        f"Общество с ограниченной ответственностью (ООО);{'Кафе, ' * 40}\n",
    )
    [prospect] = read_source(path).prospects
    assert {"external_id cut to 100 characters", "city cut to 100 characters"} <= set(
        prospect.notes
    )
    result = run(session, path, line, rep)
    assert result.counts == {"new": 1}
    row = session.execute(
        sa.text("SELECT external_id, city, postcode, legal_form, industry FROM organisations")
    ).one()
    assert row == (
        "9" * 100, "Г" * 100, "Postal code", "Общество с ограниченной ответственностью",
        ("Кафе, " * 40)[:100].rstrip(),
    )  # fmt: skip
