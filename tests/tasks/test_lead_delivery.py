"""What an import hands back: the decisions CSV, the checked workbook, and the letters with it."""

from __future__ import annotations

import csv
import email
import email.policy
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from models.employees import Role
from models.imports import Decision, ImportKind
from tasks.lead_delivery import DECISION_HEADERS, XLSX, lead_list_letters, write_outputs
from tasks.lead_import import import_prospects, read_source
from tasks.mail import send_letters
from tests import factories as f

HEADERS = ["ID", "Название", "ИНН", "Телефон", "E-mail", "Город", "Адрес"]
FORMULA = '=HYPERLINK("http://x","y")'
ROWS = [
    ["a1", "Ромашка", "", "+7 495 123-45-67", "", "Москва", FORMULA],  # 2: new
    ["a2", "Romashka LLC", "", "8 (495) 123 45 67", "", "Moskva", ""],  # 3: duplicate of 2
    ["a3", "ООО Василек", "7707083893", "+7 495 000-00-01", "", "", ""],  # 4: held by Boris
    ["a4", "Гранвик Строй", "", "+7 843 111-11-11", "", "Казань", ""],  # 5: to review
    ["=1+2", FORMULA, "", "+7 812 555-12-12", "", "Санкт-Петербург", ""],  # 6: new
    ["a6", "", "", "", "", "", ""],  # 7: invalid, no name
]


def write_leads(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(ROWS)
    return path


@pytest.fixture
def imported(session, tmp_path):
    line = f.line(session, name="Опт")
    rep = f.employee(session, line.line_id, full_name="Анна Смирнова")
    other = f.employee(session, line.line_id, full_name="Борис Орлов")
    head = f.employee(session, line.line_id, role=Role.head_of_sales, full_name="Ольга Главная")
    held = f.organisation(session, name="Василёк", tax_id="7707083893")
    f.lead(session, line.line_id, other.employee_id, organisation_id=held.organisation_id)
    f.organisation(session, name="Гранвик Строй", city="Казань", phones=["+78432000000"])
    result = f.import_file(session, write_leads(tmp_path), line, rep, list_name="Осень")
    conn = session.connection()
    outputs = write_outputs(
        conn, result.batch_id, result.prospects, result.decisions, tmp_path / "out"
    )
    return {"line": line, "rep": rep, "other": other, "head": head}, result, outputs


def read_csv(path: Path) -> list[dict[str, str]]:
    # Written with a BOM so Excel shows Cyrillic; utf-8-sig reads it back without one.
    with path.open(encoding="utf-8-sig", newline="") as source:
        return list(csv.DictReader(source))


def test_the_decisions_csv_has_one_row_per_input_row(imported):
    people, result, outputs = imported
    with outputs.decisions_csv.open(encoding="utf-8-sig", newline="") as source:
        header = next(csv.reader(source))
    assert tuple(header) == DECISION_HEADERS
    rows = read_csv(outputs.decisions_csv)
    by_row = {int(r["row_number"]): r for r in rows}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7]
    assert {n: r["decision"] for n, r in by_row.items()} == {
        2: "new", 3: "duplicate_in_file", 4: "held_by_other_rep",
        5: "needs_review", 6: "new", 7: "invalid",
    }  # fmt: skip
    assert by_row[2]["external_id"] == "a1"
    assert by_row[2]["owner"] == "Анна Смирнова" and by_row[2]["business_line"] == "Опт"
    assert by_row[2]["lead_id"] and by_row[2]["matched_organisation_id"] == ""
    assert by_row[3]["duplicate_of_row"] == "2"
    assert "duplicate of row 2" in by_row[3]["reason"]
    assert float(by_row[3]["score"]) >= 0.85
    held = by_row[4]
    assert held["owner"] == "Борис Орлов" and held["business_line"] == "Опт"
    assert held["matched_organisation_id"] == str(decision(result, 4).organisation_id)
    assert held["lead_id"] == str(decision(result, 4).lead_id)
    assert "held by Борис Орлов" in held["reason"]
    assert by_row[5]["score"] and "Гранвик Строй" in by_row[5]["reason"]
    assert by_row[7]["reason"].startswith("no name")


def decision(result, row: int):
    return next(d for d in result.decisions if d.row_number == row)


def test_the_workbook_has_prospects_struck_out_and_to_review(imported):
    _, _, outputs = imported
    workbook = openpyxl.load_workbook(outputs.list_xlsx)
    assert workbook.sheetnames == ["Prospects", "Struck out", "To review"]
    sheets = {
        name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames
    }
    prospects = sheets["Prospects"]
    assert prospects[0][:3] == ("Row", "Company or person", "Legal form")
    assert [r[0] for r in prospects[1:]] == [2, 6]
    # Phones start with "+", so like every formula-like text they carry the quote (OWASP).
    assert prospects[1][1] == "Ромашка" and prospects[1][4] == "'+74951234567"
    assert prospects[1][11] == "Анна Смирнова" and isinstance(prospects[1][12], int)
    struck = {r[0]: r for r in sheets["Struck out"][1:]}
    assert sorted(struck) == [3, 4, 7]
    assert struck[3][2] == "duplicate_in_file"
    _, name, kind, holder, since, stage, reason = struck[4]
    assert (kind, holder, stage) == ("held_by_other_rep", "Борис Орлов", "first call")
    assert since is not None and "same INN 7707083893" in reason
    assert struck[7][2] == "invalid"
    review = sheets["To review"][1:]
    assert [(r[0], r[1]) for r in review] == [(5, "Гранвик Строй")]
    assert review[0][2] < 0.85


def test_a_formula_cell_comes_out_as_text_in_xlsx_and_csv(imported):
    _, _, outputs = imported
    sheet = openpyxl.load_workbook(outputs.list_xlsx)["Prospects"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    address = rows[2][8]
    assert address.value == "'" + FORMULA and address.data_type == "s"
    # The name goes through the organisation-name normaliser, which drops the leading "=":
    # whatever is left, it is text that no spreadsheet evaluates.
    name = rows[6][1]
    assert name.data_type == "s" and not name.value.startswith(("=", "+", "-", "@"))
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate

    listed = {r["Row"]: r for r in read_csv(outputs.list_csv)}
    assert listed["2"]["Address"] == "'" + FORMULA
    assert not listed["6"]["Company or person"].startswith(("=", "+", "-", "@"))
    decisions = {r["row_number"]: r for r in read_csv(outputs.decisions_csv)}
    assert decisions["6"]["external_id"] == "'=1+2"


def test_letters_go_to_the_rep_and_the_head_with_the_workbook(session, imported, mailbox):
    people, result, outputs = imported
    conn = session.connection()
    letters = lead_list_letters(conn, result.batch_id, outputs.list_xlsx)
    rep, head = people["rep"], people["head"]
    assert sorted(letter.to for letter in letters) == sorted([rep.email, head.email])
    by_to = {letter.to: letter for letter in letters}
    assert by_to[rep.email].subject == 'lead list "Осень" for Опт: 2 new of 6'
    assert "2 new leads are yours to work" in by_to[rep.email].text
    assert "yours to work" not in by_to[head.email].text
    assert by_to[head.email].text.startswith("Ольга Главная,")
    for letter in letters:
        [attachment] = letter.attachments
        assert attachment.filename == outputs.list_xlsx.name
        assert attachment.content == outputs.list_xlsx.read_bytes()

    outcomes = send_letters(letters)
    assert all(o.is_sent for o in outcomes), outcomes
    received = {}
    for eml in mailbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        received[message["To"]] = message
    assert sorted(received) == sorted([rep.email, head.email])
    for message in received.values():
        assert message["Subject"] == 'lead list "Осень" for Опт: 2 new of 6'
        [part] = message.iter_attachments()
        assert part.get_filename() == outputs.list_xlsx.name
        assert part.get_content_type() == XLSX
        workbook = openpyxl.load_workbook(BytesIO(part.get_payload(decode=True)))
        assert workbook.sheetnames == ["Prospects", "Struck out", "To review"]
    body = received[rep.email].get_body(("plain",)).get_content()
    assert "held by other rep: 1" in body and "new: 2" in body


def test_a_dry_run_still_writes_the_files_and_tells_the_rep(session, tmp_path):
    line = f.line(session, name="Опт")
    rep = f.employee(session, line.line_id, full_name="Анна Смирнова")
    source = read_source(write_leads(tmp_path))
    conn = session.connection()
    result = import_prospects(
        conn, source.prospects, kind=ImportKind.lead_file, source_name=source.name,
        line=line.name, rep=rep.email, dry_run=True,
    )  # fmt: skip
    outputs = write_outputs(conn, result.batch_id, result.prospects, result.decisions, tmp_path)
    new = [d for d in result.decisions if d.decision == Decision.new]
    assert len(new) == 4 and all(d.lead_id is None for d in new)
    assert len(read_csv(outputs.decisions_csv)) == len(ROWS)
    [letter] = lead_list_letters(conn, result.batch_id, outputs.list_xlsx)
    assert letter.to == rep.email and letter.subject.startswith("Dry run: ")
    assert "nothing was written to the client base" in letter.text
