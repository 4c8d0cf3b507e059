"""`dedupe_file`: one file's rows grouped into clusters, without a database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tasks.lead_dedupe import EXTRA, dedupe_file
from tasks.lead_fields import ColumnMapError

SAME, REVIEW = 0.85, 0.65


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        return list(reader.fieldnames), list(reader)


@pytest.fixture
def spellings(tmp_path) -> Path:
    return write(
        tmp_path / "companies.csv",
        "Компания,Телефон,Почта,Город,Заметка\n"
        "ООО «Ромашка»,+7 495 123-45-67,,Москва,первая\n"  # row 2
        "Romashka LLC,8 (495) 123 45 67,,Moscow,вторая\n"  # row 3: latin, other phone format
        "Лютик,+7 812 555-12-12,,Санкт-Петербург,другая\n"  # row 4: unrelated
        ",,,,без имени\n"  # row 5: invalid
        "РОМАШКА,,info@romashka.ru,Москва,третья\n",  # row 6: the same name, an e-mail
    )


def test_spellings_and_phone_formats_of_one_company_form_one_cluster(spellings, tmp_path):
    out = tmp_path / "clean.csv"
    result = dedupe_file(spellings, out, [], SAME, REVIEW)
    headers, rows = read_rows(out)
    assert headers == ["Компания", "Телефон", "Почта", "Город", "Заметка", *EXTRA]
    assert [r["Заметка"] for r in rows] == ["первая", "вторая", "другая", "без имени", "третья"]
    assert rows[1]["Компания"] == "Romashka LLC" and rows[1]["Город"] == "Moscow"
    by_note = {r["Заметка"]: r for r in rows}
    first, second = by_note["первая"], by_note["вторая"]
    assert (first["cluster_id"], first["is_primary"], first["match_reason"]) == ("2", "True", "")
    assert (second["cluster_id"], second["is_primary"]) == ("2", "False")
    assert float(second["match_score"]) >= SAME
    assert second["match_reason"].startswith("same as row 2: ")
    assert "same phone +74951234567" in second["match_reason"]
    other = by_note["другая"]
    assert (other["cluster_id"], other["is_primary"]) == ("4", "True")
    # The same name in the same city, nothing else shared: its own cluster, flagged as a maybe.
    near = by_note["третья"]
    assert (near["cluster_id"], near["is_primary"]) == ("6", "True")
    assert near["match_reason"] == "maybe row 2 (0.65: name 1.00 + same city)"
    assert result.rows == 5 and result.invalid == 1
    assert result.duplicates + result.clusters + result.invalid == result.rows


def test_invalid_rows_are_reported_not_clustered(spellings, tmp_path):
    out = tmp_path / "clean.csv"
    dedupe_file(spellings, out, [], SAME, REVIEW)
    _, rows = read_rows(out)
    invalid = next(r for r in rows if r["Заметка"] == "без имени")
    assert invalid["cluster_id"] == invalid["is_primary"] == invalid["match_score"] == ""
    assert invalid["match_reason"] == "invalid: no name: neither a company nor a person"


def test_input_cells_come_back_as_text_that_cannot_run(tmp_path):
    source = write(
        tmp_path / "in.csv",
        'Название,Телефон,Комментарий\nАльфа,+7 495 000-00-01,"=HYPERLINK(""http://x"",""y"")"\n',
    )
    out = tmp_path / "out.csv"
    dedupe_file(source, out, [], SAME, REVIEW)
    _, [row] = read_rows(out)
    assert row["Комментарий"] == '\'=HYPERLINK("http://x","y")'
    assert row["Телефон"] == "'+7 495 000-00-01"  # phones are quoted too (OWASP)


def test_map_names_columns_the_aliases_do_not_know(tmp_path):
    source = write(
        tmp_path / "odd.csv",
        "Site name;Contact number;Town\n"
        "Ромашка;+7 495 123-45-67;Москва\n"
        "Romashka;84951234567;Moscow\n"
        "Лютик;+7 812 555-12-12;Санкт-Петербург\n",
    )
    out = tmp_path / "out.csv"
    with pytest.raises(ColumnMapError, match="no column identifies a lead"):
        dedupe_file(source, out, [], SAME, REVIEW)
    assert not out.exists()

    result = dedupe_file(source, out, ["Site name=name", "contact number = phone"], SAME, REVIEW)
    assert (result.rows, result.clusters, result.duplicates, result.invalid) == (3, 2, 1, 0)
    headers, rows = read_rows(out)
    assert headers == ["Site name", "Contact number", "Town", *EXTRA]
    assert [(r["cluster_id"], r["is_primary"]) for r in rows] == [
        ("2", "True"), ("2", "False"), ("4", "True"),
    ]  # fmt: skip


def test_a_bad_map_item_names_itself(tmp_path):
    source = write(tmp_path / "x.csv", "Site name\nРомашка\n")
    with pytest.raises(ColumnMapError, match="--map 'Site name': expected COLUMN=FIELD"):
        dedupe_file(source, tmp_path / "o.csv", ["Site name"], SAME, REVIEW)
    with pytest.raises(ColumnMapError, match="unknown field 'company'"):
        dedupe_file(source, tmp_path / "o.csv", ["Site name=company"], SAME, REVIEW)
