"""`crm leads import`, `crm clients import` and `crm dedupe` as a user runs them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app
from tests import factories as f
from tests.cli.test_cli import crm

runner = CliRunner()


@pytest.fixture
def team(committed) -> dict:
    with Session(committed) as s, s.begin():
        line = f.line(s, "Опт")
        anna = f.employee(s, line.line_id, full_name="Анна Смирнова")
        boris = f.employee(s, line.line_id, full_name="Борис Орлов")
        return {"anna": anna.email, "anna_id": anna.employee_id, "boris_id": boris.employee_id}


def lead_file(tmp_path: Path) -> Path:
    path = tmp_path / "autumn.csv"
    path.write_text(
        "Site name;Телефон;Город\n"
        "ООО «Ромашка»;+7 495 123-45-67;Москва\n"
        "Romashka LLC;8 (495) 123 45 67;Moscow\n"
        "Лютик;+7 812 555-12-12;Санкт-Петербург\n",
        encoding="utf-8",
    )
    return path


def leads_of(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT source_row, owner_id FROM leads ORDER BY 1")).all()


def value_after(output: str, prefix: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(prefix))[len(prefix) :]


@pytest.mark.usefixtures("prefect_harness")
def test_leads_import_prints_the_mapping_counts_and_where_the_files_are(committed, team, tmp_path):
    path = lead_file(tmp_path)
    args = ["leads", "import", str(path), "--line", "Опт", "--rep", team["anna"]]
    result = runner.invoke(app, [*args, "--map", "Site name=name", "--no-notify"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "columns: Site name -> name, Телефон -> phone, Город -> city" in lines
    assert any(line.endswith(": 3 rows: duplicate in file 1, new 2") for line in lines), lines
    assert "new leads: 2" in lines
    decisions = Path(value_after(result.output, "decisions: "))
    with decisions.open(encoding="utf-8-sig", newline="") as source:
        assert [r["decision"] for r in csv.DictReader(source)] == [
            "new", "duplicate_in_file", "new",
        ]  # fmt: skip
    checked = value_after(result.output, "checked list: ")
    xlsx, _, rest = checked.partition(" (and ")
    assert xlsx.endswith("-lead-list.xlsx") and Path(xlsx).is_file()
    assert Path(rest.rstrip(")")).is_file()
    assert leads_of(committed) == [(2, team["anna_id"]), (4, team["anna_id"])]


@pytest.mark.usefixtures("prefect_harness")
def test_leads_import_dry_run_writes_the_files_and_no_lead(committed, team, tmp_path):
    path = lead_file(tmp_path)
    result = runner.invoke(
        app,
        ["leads", "import", str(path), "--line", "Опт", "--rep", team["anna"],
         "--map", "site name=name", "--dry-run", "--no-notify"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "duplicate in file 1, new 2 (dry run: nothing written to the base)" in result.output
    assert Path(value_after(result.output, "decisions: ")).is_file()
    assert leads_of(committed) == []


@pytest.mark.usefixtures("prefect_harness")
def test_clients_import_reads_each_owner_from_the_named_column(committed, team, tmp_path):
    path = tmp_path / "old-crm.csv"
    path.write_text(
        "Наименование,Телефон,Куратор\n"
        "ООО Ромашка,+7 495 123-45-67,Борис Орлов\n"
        "Ромашка,84951234567,Борис Орлов\n"
        f"Лютик,+7 812 555-12-12,{team['anna'].upper()}\n"
        "Клевер,+7 812 555-12-13,Некто\n",
        encoding="utf-8",
    )
    args = ["clients", "import", str(path), "--line", "Опт", "--owner-column", "Куратор"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Куратор -> owner" in value_after(result.output, "columns: ")
    assert ": 4 rows: duplicate in file 1, new 3" in result.output
    assert leads_of(committed) == [(2, team["boris_id"]), (4, team["anna_id"]), (5, None)]


def one_line_error(result) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("crm: error: ")
    return result.stderr.strip().removeprefix("crm: error: ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--map", "Site name"], "--map 'Site name': expected COLUMN=FIELD, e.g. 'Site name=name'"),
        (
            ["--map", "Site name=company"],
            "--map 'Site name=company': unknown field 'company' (fields: ",
        ),
        (["--line", "Розница"], "unknown business line 'Розница' (known: Опт)"),
        (["--rep", "nobody"], "no employee 'nobody' (give their e-mail or full name)"),
    ],
    ids=["map without =", "map to no field", "unknown line", "unknown rep"],
)
def test_a_mistake_in_the_command_is_one_line_and_starts_no_run(
    committed, team, tmp_path, args, expected
):
    given = {"--line": "Опт", "--rep": team["anna"], "--map": "Site name=name"}
    given.update(zip(args[::2], args[1::2], strict=True))
    options = [item for pair in given.items() for item in pair]
    message = one_line_error(crm("leads", "import", str(lead_file(tmp_path)), *options))
    assert message.startswith(expected), message
    with committed.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM import_batches")) == 0


def test_leads_import_of_a_missing_file_is_one_line(committed, team, tmp_path):
    missing = tmp_path / "nope.csv"
    message = one_line_error(
        crm("leads", "import", str(missing), "--line", "Опт", "--rep", team["anna"])
    )
    assert message == f"{missing}: no such file"


def test_dedupe_writes_the_clustered_file(database_url, tmp_path):
    path = lead_file(tmp_path)
    out = tmp_path / "clean" / "autumn-clean.csv"
    result = runner.invoke(app, ["dedupe", str(path), "-o", str(out), "--map", "Site name=name"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"3 rows, 2 distinct, 1 duplicates, 0 invalid: {out}"
    with out.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.DictReader(source))
    assert [(r["Site name"], r["cluster_id"], r["is_primary"]) for r in rows] == [
        ("ООО «Ромашка»", "2", "True"), ("Romashka LLC", "2", "False"), ("Лютик", "4", "True"),
    ]  # fmt: skip


def test_dedupe_without_a_usable_column_is_one_line_naming_the_file(database_url, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Site name;Город\nРомашка;Москва\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    message = one_line_error(crm("dedupe", str(path), "-o", str(out), "--map", "Город=city"))
    assert message.startswith(f"{path}: no column identifies a lead")
    assert not out.exists()
