"""`build-lead-list` as real Prefect flow runs: a file, the same file again, a warm source."""

from __future__ import annotations

import email
import email.policy
import json
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.orm import Session

from flows.build_lead_list import build_lead_list
from models.employees import Role
from models.settings import get_settings
from tasks.lead_delivery import XLSX
from tasks.warm_sources import WarmCriteria
from tests import factories as f

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEADERS = "ID;Название;ИНН;Телефон;E-mail;Город"


@pytest.fixture
def team(committed) -> dict:
    with Session(committed) as s, s.begin():
        line = f.line(s, "Опт")
        rep = f.employee(s, line.line_id, full_name="Анна Смирнова")
        other = f.employee(s, line.line_id, full_name="Борис Орлов")
        head = f.employee(s, line.line_id, role=Role.head_of_sales, full_name="Ольга Главная")
        held = f.organisation(s, name="Василёк", tax_id="7707083893")
        f.lead(s, line.line_id, other.employee_id, organisation_id=held.organisation_id)
        ids = {
            "rep": rep.email,
            "rep_id": rep.employee_id,
            "other_id": other.employee_id,
            "head": head.email,
            "line_id": line.line_id,
        }
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        eml.unlink()
    return ids


def lead_file(tmp_path: Path) -> Path:
    path = tmp_path / "autumn.csv"
    rows = [
        "1;ООО «Ромашка»;;+7 495 123-45-67;info@romashka.ru;Москва",
        "2;Romashka LLC;;8 (495) 123 45 67;;Moscow",
        "3;ООО Василек;7707083893;+7 495 000-00-01;;",
        "4;Лютик;;+7 812 555-12-12;;Санкт-Петербург",
        "5;Пион;;;;",
    ]
    path.write_text("\n".join([HEADERS, *rows]) + "\n", encoding="utf-8")
    return path


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def mail() -> dict[str, email.message.EmailMessage]:
    out = {}
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert message["To"] not in out, "one letter per recipient"
        out[message["To"]] = message
    return out


def newest_artifact(key: str):
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    # Tests restart the batch ids, so an earlier test's batch may share the key.
    assert artifacts, f"no artifact {key}"
    return max(artifacts, key=lambda artifact: artifact.created)


def test_a_file_becomes_leads_an_artifact_and_letters_and_is_safe_to_repeat(
    committed, team, tmp_path
):
    path = lead_file(tmp_path)
    summary = build_lead_list(source=str(path), line="Опт", rep=team["rep"], list_name="Осень")
    assert summary.counts == {
        "new": 2, "duplicate_in_file": 1, "held_by_other_rep": 1, "invalid": 1,
    }  # fmt: skip
    assert (summary.rows, summary.created, summary.already_imported) == (5, 2, False)
    assert summary.columns.startswith("ID -> external_id, Название -> name")

    with committed.connect() as conn:
        decisions = dict(
            conn.execute(
                sa.text("SELECT row_number, decision::text FROM import_rows WHERE batch_id = :b"),
                {"b": summary.batch_id},
            ).all()
        )
        owners = conn.execute(
            sa.text("SELECT owner_id FROM leads WHERE source = 'autumn.csv'")
        ).scalars()
        assert sorted(owners) == [team["rep_id"]] * 2
        stored = conn.scalar(
            sa.text("SELECT decisions_path FROM import_batches WHERE batch_id = :b"),
            {"b": summary.batch_id},
        )
    assert decisions == {
        2: "new", 3: "duplicate_in_file", 4: "held_by_other_rep", 5: "new", 6: "invalid",
    }  # fmt: skip
    assert stored == summary.decisions_csv and Path(stored).is_file()
    assert Path(summary.list_xlsx).is_file() and Path(summary.list_csv).is_file()

    artifact = newest_artifact(f"lead-list-{summary.batch_id}")
    assert f"**Batch {summary.batch_id}**: 5 rows, 2 new leads" in artifact.description
    assert summary.list_xlsx in artifact.description
    assert {"decision": "held_by_other_rep", "rows": 1} in json.loads(artifact.data)

    letters = mail()
    assert sorted(letters) == sorted([team["rep"], team["head"]])
    for message in letters.values():
        assert message["Subject"] == 'lead list "Осень" for Опт: 2 new of 5'
        [attachment] = message.iter_attachments()
        assert attachment.get_content_type() == XLSX
        assert attachment.get_filename() == Path(summary.list_xlsx).name
        workbook = openpyxl.load_workbook(BytesIO(attachment.get_payload(decode=True)))
        assert [r[0] for r in workbook["Prospects"].iter_rows(min_row=2, values_only=True)] == [
            2, 5,
        ]  # fmt: skip
    to_rep = letters[team["rep"]].get_body(("plain",)).get_content()
    assert "2 new leads are yours to work" in to_rep

    tables = ("organisations", "leads", "import_batches", "import_rows", "contact_lists")
    before = {t: count(committed, t) for t in tables}
    again = build_lead_list(source=str(path), line="Опт", rep=team["rep"])
    assert again.already_imported and again.batch_id == summary.batch_id
    assert (again.created, again.list_xlsx) == (0, summary.list_xlsx)
    assert again.decisions_csv == summary.decisions_csv
    assert {t: count(committed, t) for t in tables} == before
    assert len(mail()) == 2  # nobody is told twice
    note = newest_artifact(f"lead-list-{summary.batch_id}")
    assert "already imported earlier: nothing created" in note.description


def test_letters_that_could_not_be_sent_go_out_on_the_rerun_once(
    committed, team, tmp_path, monkeypatch
):
    path = lead_file(tmp_path)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "9")  # nothing listens: the send fails after the import
    get_settings.cache_clear()
    try:
        with pytest.raises(Exception, match="(?i)connect|refused"):
            build_lead_list(source=str(path), line="Опт", rep=team["rep"])
    finally:
        monkeypatch.delenv("SMTP_HOST")
        monkeypatch.delenv("SMTP_PORT")
        get_settings.cache_clear()
    assert count(committed, "import_batches") == 1 and not mail()
    rerun = build_lead_list(source=str(path), line="Опт", rep=team["rep"])
    assert rerun.already_imported and rerun.created == 0
    assert sorted(mail()) == sorted([team["rep"], team["head"]])
    build_lead_list(source=str(path), line="Опт", rep=team["rep"])
    assert len(mail()) == 2


def test_a_warm_source_takes_the_pool_and_strikes_out_what_a_rep_holds(committed, team):
    with Session(committed) as s, s.begin():
        orgs = [
            f.organisation(
                s, name=name, industry="Опт", city="Казань", phones=[f"+7843200000{i}"]
            ).organisation_id
            for i, name in enumerate(["Ясень", "Дуб", "Клён"])
        ]
        f.organisation(s, name="Ольха", industry="Розница", city="Казань")
        f.lead(s, team["line_id"], team["other_id"], organisation_id=orgs[0])
        pooled = f.lead(s, team["line_id"], None, organisation_id=orgs[1]).lead_id

    criteria = WarmCriteria(industry=["Опт"], city=["Казань"])
    summary = build_lead_list(source=criteria, line="Опт", rep=team["rep"])
    assert summary.counts == {"held_by_other_rep": 1, "new": 2}
    assert summary.columns is None and summary.created == 2
    with committed.connect() as conn:
        owners = dict(
            conn.execute(
                sa.text(
                    "SELECT organisation_id, owner_id FROM leads"
                    " WHERE line_id = :l AND organisation_id = any(:o)"
                ),
                {"l": team["line_id"], "o": orgs},
            ).all()
        )
        batch = conn.execute(
            sa.text("SELECT kind::text, source_name, criteria FROM import_batches")
        ).one()
        moved = conn.scalar(
            sa.text("SELECT to_owner_id FROM ownership_changes WHERE lead_id = :l"),
            {"l": pooled},
        )
    assert owners == {
        orgs[0]: team["other_id"], orgs[1]: team["rep_id"], orgs[2]: team["rep_id"],
    }  # fmt: skip
    assert moved == team["rep_id"]
    assert batch == (
        "warm_source",
        "warm: industry=['Опт'], city=['Казань']",
        criteria.model_dump(mode="json"),
    )
    assert sorted(mail()) == sorted([team["rep"], team["head"]])
    assert newest_artifact(f"lead-list-{summary.batch_id}").description.startswith(
        f"**Batch {summary.batch_id}**: 3 rows, 2 new leads"
    )


def test_long_warm_criteria_still_give_the_list_a_name_that_fits(committed, team):
    with Session(committed) as s, s.begin():
        f.organisation(s, name="Ясень", industry="Опт", phones=["+78432000001"])
    industries = ["Опт", *(f"Оптовая торговля товарами группы {n:02d}" for n in range(12))]
    criteria = WarmCriteria(industry=industries)
    assert len(criteria.describe()) > 300
    summary = build_lead_list(source=criteria, line="Опт", rep=team["rep"], notify=False)
    assert summary.created == 1
    with committed.connect() as conn:
        name = conn.scalar(
            sa.text("SELECT name FROM contact_lists WHERE list_id = :l"), {"l": summary.list_id}
        )
    assert len(name) == 200 and name.startswith("warm: industry=['Опт', ")
    assert name.endswith(")") and " (Опт, 20" in name
    assert mail() == {}
