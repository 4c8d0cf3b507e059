"""Lead-list imports on a real PostgreSQL: every decision kind, re-import, the tricky pairs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.errors import CrmError
from models.imports import Decision, ImportKind
from models.suppressions import Suppression, SuppressionReason
from tasks.lead_import import ImportGateError, import_prospects
from tests import factories as f

HEADERS = "ID;Название;ИНН;Телефон;E-mail;Сайт;Город;Адрес;Контактное лицо"


def write_file(tmp_path: Path, *rows: str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((HEADERS, *rows)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def world(session):
    line = f.line(session, name="Опт")
    rep = f.employee(session, line.line_id, full_name="Анна Смирнова")
    other = f.employee(session, line.line_id, full_name="Борис Орлов")
    return line, rep, other


def run(session, path: Path, line, rep, **kw):
    return f.import_file(session, path, line, rep, **kw)


def decision_of(result, row: int):
    return next(d for d in result.decisions if d.row_number == row)


def test_new_rows_become_leads_of_the_rep(session, world, tmp_path):
    line, rep, _ = world
    path = write_file(
        tmp_path,
        "a1;ООО «Ромашка»;7707083893;+7 495 123-45-67;info@romashka.ru;romashka.ru;Москва;;"
        "Иванов Иван",
        "a2;Лютик;;8 (812) 555-12-12;;;Санкт-Петербург;;",
    )
    result = run(session, path, line, rep, list_name="Осень")
    assert result.counts == {"new": 2}
    leads = session.execute(
        sa.text(
            "SELECT owner_id, source, source_row, source_list_id FROM leads ORDER BY source_row"
        )
    ).all()
    assert [(o, s, r) for o, s, r, _ in leads] == [
        (rep.employee_id, "leads.csv", 2),
        (rep.employee_id, "leads.csv", 3),
    ]
    assert all(list_id == result.list_id for *_, list_id in leads)
    org = session.execute(
        sa.text(
            "SELECT name, legal_form, tax_id, phones FROM organisations WHERE tax_id IS NOT NULL"
        )
    ).one()
    assert org == ("Ромашка", "ООО", "7707083893", ["+74951234567"])
    contact = session.execute(
        sa.text(
            "SELECT p.last_name, p.first_name, e.work_email"
            " FROM employments e JOIN persons p USING (person_id)"
        )
    ).one()
    assert contact == ("Иванов", "Иван", "info@romashka.ru")
    history = session.scalar(
        sa.text("SELECT count(*) FROM ownership_changes WHERE reason = 'import'")
    )
    assert history == 2


def test_duplicates_inside_the_file_point_at_the_first_row(session, world, tmp_path):
    line, rep, _ = world
    path = write_file(
        tmp_path,
        "1;ООО «Ромашка»;;+7 495 123-45-67;;;Москва;;",
        "2;Romashka LLC;;8 (495) 123 45 67;;;Moskva;;",
        "3;РОМАШКА ООО;;;INFO@ROMASHKA.RU;;Москва;;",
        "4;Ромашка;;84951234567;info@romashka.ru;;Москва;;",
    )
    result = run(session, path, line, rep)
    assert decision_of(result, 2).decision == Decision.new
    for row in (3, 5):
        d = decision_of(result, row)
        assert d.decision == Decision.duplicate_in_file
        assert d.duplicate_of_row == 2
        assert "same phone +74951234567" in d.reason
    # Row 4 shares only an e-mail with row 5, which joins row 2: it is in the same group.
    assert decision_of(result, 4).duplicate_of_row == 2


def test_cyrillic_and_latin_spellings_of_a_client_meet(session, world, tmp_path):
    line, rep, _ = world
    f.organisation(
        session, name="Ромашка", legal_form="ООО", city="Москва", phones=["+74951234567"]
    )
    path = write_file(tmp_path, "1;Romashka LLC;;+7 (495) 123-45-67;;;Moscow;;")
    d = decision_of(run(session, path, line, rep), 2)
    assert d.decision == Decision.existing_client
    assert "name 1.00 + same phone +74951234567" in d.reason
    assert d.score >= 0.85


def test_a_lead_another_rep_holds_is_struck_out_with_holder_since_and_stage(
    session, world, tmp_path
):
    line, rep, other = world
    org = f.organisation(session, name="Василёк", tax_id="7707083893")
    since = datetime(2026, 9, 1, tzinfo=UTC)
    lead = f.lead(
        session,
        line.line_id,
        other.employee_id,
        organisation_id=org.organisation_id,
        owned_since=since,
    )
    path = write_file(tmp_path, "x;ООО Василек;7707083893;+7 495 000-00-01;;;;;")
    d = decision_of(run(session, path, line, rep), 2)
    assert d.decision == Decision.held_by_other_rep
    assert d.holder.owner_id == other.employee_id and d.lead_id == lead.lead_id
    assert "held by Борис Орлов since 2026-09-01, stage 'first call'" in d.reason
    assert "same INN 7707083893" in d.reason
    assert d.organisation_id == org.organisation_id


def test_already_yours_and_existing_client_of_another_line(session, world, tmp_path):
    line, rep, other = world
    mine = f.organisation(session, name="Одуванчик", emails=["hello@oduvan.ru"])
    f.lead(session, line.line_id, rep.employee_id, organisation_id=mine.organisation_id)
    retail = f.line(session, name="Розница")
    elsewhere = f.organisation(
        session, name="Клевер", phones=["+78125551212"], city="Санкт-Петербург"
    )
    f.lead(session, retail.line_id, other.employee_id, organisation_id=elsewhere.organisation_id)
    path = write_file(
        tmp_path,
        "1;Одуванчик;;;HELLO@oduvan.ru;;;;",
        "2;Клевер;;8 812 555 12 12;;;Санкт-Петербург;;",
    )
    result = run(session, path, line, rep)
    assert decision_of(result, 2).decision == Decision.already_yours
    d = decision_of(result, 3)
    assert d.decision == Decision.existing_client
    assert "worked by Борис Орлов in another line" in d.reason
    assert session.scalar(sa.text("SELECT count(*) FROM leads")) == 2


def test_two_companies_sharing_a_domain_or_a_phone_are_not_merged(session, world, tmp_path):
    line, rep, _ = world
    f.organisation(
        session,
        name="Альфа Логистик",
        website="https://alfa-group.ru",
        phones=["+74957770000"],
        city="Москва",
    )
    path = write_file(
        tmp_path,
        "1;Альфа Ритейл;;+7 495 777-00-00;sales@alfa-group.ru;alfa-group.ru;Москва;;",
        "2;Бета Строй;;+7 495 777-00-00;;;Москва;;",
        "3;Гамма Трейд;;+7 495 777-00-00;;;Москва;;",
    )
    result = run(session, path, line, rep)
    assert [d.decision for d in result.decisions] == [Decision.new] * 3, [
        d.reason for d in result.decisions
    ]


def test_a_person_in_two_organisations_is_one_person_with_two_employments(session, world, tmp_path):
    line, rep, _ = world
    path = write_file(
        tmp_path,
        "1;Ромашка;7707083893;+7 495 123-45-67;petrov@mail.ru;;Москва;;Петров Иван Сергеевич",
        "2;Лютик;;+7 812 555-12-12;petrov@mail.ru;;Санкт-Петербург;;Иван Петров",
        "3;Клевер;;+7 812 555-12-13;;;Санкт-Петербург;;Петров Иван",
    )
    run(session, path, line, rep)
    people = session.execute(
        sa.text(
            "SELECT p.person_id, o.name FROM employments e JOIN persons p USING (person_id)"
            " JOIN organisations o USING (organisation_id) ORDER BY o.name"
        )
    ).all()
    by_org = {name: person_id for person_id, name in people}
    # Rows 1 and 2 share an e-mail: one person at two organisations. Row 3 shares nothing with
    # them: a namesake is a different person until something says otherwise.
    assert by_org["Ромашка"] == by_org["Лютик"]
    assert by_org["Клевер"] != by_org["Ромашка"]
    assert session.scalar(sa.text("SELECT count(*) FROM persons")) == 2


def test_a_contact_of_a_known_organisation_is_linked_once(session, world, tmp_path):
    line, rep, _ = world
    existing = f.organisation(
        session, name="Незабудка", phones=["+73432223344"], city="Екатеринбург"
    )
    row = "1;Незабудка;;+7 343 222-33-44;;;Екатеринбург;;Сидорова Анна"
    d = decision_of(run(session, write_file(tmp_path, row, name="a.csv"), line, rep), 2)
    assert d.decision == Decision.existing_client
    linked = (
        session.execute(
            sa.text(
                "SELECT p.last_name FROM employments e JOIN persons p USING (person_id)"
                " WHERE e.organisation_id = :o"
            ),
            {"o": existing.organisation_id},
        )
        .scalars()
        .all()
    )
    assert linked == ["Сидорова"]
    # The same row in another file: the contact is already there, nobody new.
    run(
        session,
        write_file(tmp_path, row.replace("Сидорова Анна", "Анна Сидорова"), name="b.csv"),
        line,
        rep,
    )
    assert session.scalar(sa.text("SELECT count(*) FROM persons")) == 1
    assert session.scalar(sa.text("SELECT count(*) FROM employments")) == 1
    assert session.scalar(sa.text("SELECT count(*) FROM organisations")) == 1


def test_suppressed_invalid_and_review(session, world, tmp_path):
    line, rep, _ = world
    session.add(Suppression(email="stop@lotos.ru", reason=SuppressionReason.do_not_contact))
    f.organisation(session, name="Гранвик Строй", city="Казань", phones=["+78432000000"])
    session.flush()
    path = write_file(
        tmp_path,
        "1;Лотос;;;stop@lotos.ru;;;;",
        "2;;;;;;;;",
        "3;Пион;12345;+7 495 111-22-33;;;;;",
        "4;Тюльпан;;;;;Москва;;",
        "5;Гранвик Строй;;+7 843 111-11-11;;;Казань;;",
    )
    result = run(session, path, line, rep)
    assert decision_of(result, 2).decision == Decision.suppressed
    assert "stop@lotos.ru is do not contact" in decision_of(result, 2).reason
    assert decision_of(result, 4).decision == Decision.invalid
    assert "malformed tax id '12345'" in decision_of(result, 4).reason
    assert "no way to contact" in decision_of(result, 5).reason
    review = decision_of(result, 6)
    assert review.decision == Decision.needs_review
    assert review.candidates and "Гранвик Строй" in review.reason
    assert decision_of(result, 3).reason.startswith("no name")


def test_the_same_file_twice_creates_nothing_the_second_time(session, world, tmp_path):
    line, rep, _ = world
    path = write_file(tmp_path, "1;Ромашка;;+7 495 123-45-67;;;Москва;;")
    first = run(session, path, line, rep)
    again = run(session, path, line, rep)
    assert first.created == 1 and again.created == 0
    assert again.previous["batch_id"] == first.batch_id
    assert session.scalar(sa.text("SELECT count(*) FROM organisations")) == 1
    # The same rows in another file are recognised as the rep's own leads.
    other = write_file(tmp_path, "9;ООО Ромашка;;+74951234567;;;Москва;;", name="copy.csv")
    assert run(session, other, line, rep).counts == {"already_yours": 1}


def test_dry_run_writes_no_client(session, world, tmp_path):
    line, rep, _ = world
    path = write_file(tmp_path, "1;Ромашка;;+7 495 123-45-67;;;Москва;;")
    result = run(session, path, line, rep, dry_run=True)
    assert result.counts == {"new": 1}
    assert session.scalar(sa.text("SELECT count(*) FROM organisations")) == 0
    assert session.scalar(sa.text("SELECT is_dry_run FROM import_batches")) is True


def test_a_mostly_invalid_file_is_stopped_before_anything_is_written(session, world, tmp_path):
    line, rep, _ = world
    rows = [f"{i};Фирма {i};;;;;;;" for i in range(30)]
    with pytest.raises(ImportGateError, match="30 of 30 rows are invalid"):
        run(session, write_file(tmp_path, *rows), line, rep)
    assert session.scalar(sa.text("SELECT count(*) FROM import_batches")) == 0


def test_distribution_and_bad_rep(session, world, tmp_path):
    line, rep, other = world
    path = write_file(tmp_path, *(f"{i};Фирма {i};;+7 495 100-00-{i:02d};;;;;" for i in range(4)))
    result = run(session, path, line, None, distribution="round_robin")
    owners = [d.owner_id for d in result.decisions]
    assert sorted(owners) == sorted([rep.employee_id, other.employee_id] * 2)
    with pytest.raises(CrmError, match="no employee 'nobody'"):
        import_prospects(
            session.connection(),
            [],
            kind=ImportKind.lead_file,
            source_name="x",
            line=line.name,
            rep="nobody",
        )


def test_a_known_client_without_contacts_is_struck_out_not_invalid(session, world, tmp_path):
    line, rep, other = world
    org = f.organisation(session, name="Феникс", tax_id="7707083893")
    f.lead(session, line.line_id, other.employee_id, organisation_id=org.organisation_id)
    path = write_file(tmp_path, "1;Феникс ООО;7707083893;;;;Москва;;", "2;Астра;;;;;;;")
    result = run(session, path, line, rep)
    assert decision_of(result, 2).decision == Decision.held_by_other_rep
    assert decision_of(result, 3).decision == Decision.invalid
    assert decision_of(result, 3).reason == "no way to contact: no phone or e-mail"


def test_warm_source_strikes_out_what_active_reps_hold_and_takes_the_pool(session, world):
    from models.employees import Employee
    from tasks.warm_sources import WarmCriteria, warm_prospects

    line, rep, other = world
    orgs = [
        f.organisation(session, name=n, industry="Опт", city="Казань", phones=[f"+7843200000{i}"])
        for i, n in enumerate(["Ясень", "Дуб", "Клён", "Вяз"])
    ]
    f.organisation(session, name="Ольха", industry="Розница", city="Казань")
    gone = f.employee(session, line.line_id, full_name="Ушедший Сотрудник")
    f.lead(session, line.line_id, other.employee_id, organisation_id=orgs[0].organisation_id)
    pooled = f.lead(session, line.line_id, None, organisation_id=orgs[1].organisation_id)
    left = f.lead(session, line.line_id, gone.employee_id, organisation_id=orgs[2].organisation_id)
    session.get(Employee, gone.employee_id).is_active = False
    session.flush()
    conn = session.connection()
    criteria = WarmCriteria(industry=["Опт"], city=["Казань"])
    prospects = warm_prospects(conn, criteria, line.line_id)
    assert [p.values["name"] for p in prospects] == ["Ясень", "Дуб", "Клён", "Вяз"]
    result = import_prospects(
        conn, prospects, kind=ImportKind.warm_source, source_name=criteria.describe(),
        line=line.name, rep=rep.email, criteria=criteria.model_dump(mode="json"),
    )  # fmt: skip
    assert [d.decision for d in result.decisions] == [
        Decision.held_by_other_rep, Decision.new, Decision.new, Decision.new,
    ]  # fmt: skip
    owners = dict(
        session.execute(
            sa.text("SELECT organisation_id, owner_id FROM leads WHERE status = 'open'")
        ).all()
    )
    assert owners[orgs[1].organisation_id] == rep.employee_id
    assert owners[orgs[2].organisation_id] == rep.employee_id
    assert owners[orgs[3].organisation_id] == rep.employee_id
    moved = session.execute(
        sa.text("SELECT lead_id, from_owner_id FROM ownership_changes WHERE reason = 'assigned'")
    ).all()
    assert sorted(moved) == sorted([(pooled.lead_id, None), (left.lead_id, gone.employee_id)])
    assert session.scalar(sa.text("SELECT count(*) FROM organisations")) == 5


def test_client_base_import_merges_duplicates_and_reads_owners(session, world, tmp_path):
    line, rep, other = world
    path = tmp_path / "export.csv"
    path.write_text(
        "Наименование,ИНН,Телефон,Ответственный,Ответственный с\n"
        "ООО Ромашка,7707083893,+7 495 123-45-67,Борис Орлов,2026-05-01\n"
        "Ромашка,7707083893,,Борис Орлов,2026-05-01\n"
        "Лютик,,+7 812 555-12-12,Некто,\n",
        encoding="utf-8",
    )
    result = run(session, path, line, None, kind=ImportKind.client_base)
    assert [d.decision for d in result.decisions] == [
        Decision.new, Decision.duplicate_in_file, Decision.new,
    ]  # fmt: skip
    leads = session.execute(
        sa.text("SELECT source_row, owner_id, owned_since::date FROM leads ORDER BY source_row")
    ).all()
    assert [(r, o) for r, o, _ in leads] == [(2, other.employee_id), (4, None)]
    assert str(leads[0][2]) == "2026-05-01"
    assert "'Некто' is not an employee" in decision_of(result, 4).reason


def test_what_could_not_be_kept_is_said_in_the_reason(session, world, tmp_path):
    line, rep, _ = world
    path = write_file(tmp_path, "1;Ромашка;;+7 495 123-45-67, 12;;;Москва;;")
    d = decision_of(run(session, path, line, rep), 2)
    assert d.decision == Decision.new
    assert d.reason.startswith("new prospect (phone '+7 495 123-45-67, 12'")
