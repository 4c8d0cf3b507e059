"""The matcher's score and evidence, and in-file grouping, without a database."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tasks.lead_clusters import cluster_file
from tasks.lead_matching import compare
from tasks.lead_records import organisation_record, person_record
from tasks.normalise_persons import split_person_name

SAME, REVIEW = 0.85, 0.65

names = st.text(
    alphabet='абвгдеёжзиклмнопрстуфхцчшщэюяabcdefghijklmnopqrstuvwxyz -«»"', max_size=30
)
phones = st.lists(st.sampled_from(["+74951234567", "+78125551212", "+79161234567"]), max_size=2)
cities = st.sampled_from([None, "Москва", "Moscow", "Казань"])


def org(name, *, tax_id=None, phones=(), emails=(), website=None, city=None, address=None, row=0):
    record = organisation_record(
        name, tax_id=tax_id, phones=tuple(phones), emails=tuple(emails), website=website,
        city=city, address=address,
    )  # fmt: skip
    record.row_number = row
    return record


@given(names, names, phones, phones, cities, cities)
def test_scores_are_symmetric_and_bounded(n1, n2, p1, p2, c1, c2):
    a, b = org(n1, phones=p1, city=c1), org(n2, phones=p2, city=c2)
    ab, ba = compare(a, b), compare(b, a)
    assert 0.0 <= ab.score <= 1.0
    assert ab.score == ba.score


@given(names, names)
def test_the_same_inn_decides_alone_and_two_inns_are_two_companies(n1, n2):
    assert compare(org(n1, tax_id="7707083893"), org(n2, tax_id="7707083893")).score == 1.0
    assert compare(org(n1, tax_id="7707083893"), org(n1, tax_id="7736050003")).score == 0.0


def test_spellings_of_one_company_are_the_same():
    base = org("ООО «Ромашка»", phones=["+74951234567"], city="Москва")
    for spelling in ("Romashka LLC", "РОМАШКА ООО", "Ромашка", 'ООО "Ромашко"'):
        match = compare(org(spelling, phones=["+74951234567"], city="Moscow"), base)
        assert match.score >= SAME, (spelling, match)
        assert "same phone +74951234567" in match.evidence


def test_a_shared_domain_or_switchboard_alone_is_not_the_same_company():
    alfa = org("Альфа Логистик", website="alfa-group.ru", phones=["+74957770000"], city="Москва")
    beta = org(
        "Бета Ритейл", website="https://www.alfa-group.ru/", phones=["+74957770000"], city="Москва"
    )
    assert compare(alfa, beta).score < REVIEW


def test_the_same_name_without_anything_else_is_at_most_for_review():
    a, b = org("Ромашка", city="Москва"), org("Ромашка", city="Москва")
    assert REVIEW <= compare(a, b).score < SAME
    assert compare(org("Ромашка", city="Казань"), b).score < REVIEW


def test_a_free_mail_domain_is_no_evidence():
    a = org("Лютик", emails=["lutik@mail.ru"])
    b = org("Клевер", emails=["klever@mail.ru"])
    assert "domain" not in compare(a, b).evidence


def test_persons_with_swapped_name_order_and_the_same_birth_date():
    a = person_record(split_person_name("Петров Иван Сергеевич"), birth_date=date(1980, 5, 4))
    b = person_record(split_person_name("Иван Петров"), birth_date=date(1980, 5, 4))
    c = person_record(split_person_name("Иван Петров"), birth_date=date(1981, 5, 4))
    assert compare(a, b).score >= SAME
    assert compare(a, c).score == 0.0


def test_clusters_lead_with_the_first_row_and_never_join_two_inns():
    rows = [
        org("Ромашка", tax_id="7707083893", phones=["+74951234567"], city="Москва", row=2),
        org("Ромашка", tax_id="7736050003", phones=["+74951234567"], city="Москва", row=3),
        org("Romashka", phones=["+74951234567"], city="Moscow", row=4),
        org("Лютик", phones=["+78125551212"], row=5),
    ]
    clusters = cluster_file(rows, SAME, REVIEW)
    assert clusters.primary(3) == 3  # a second INN is a second company
    assert clusters.primary(4) == 2
    assert clusters.primary(5) == 5


def test_a_large_file_is_normalised_the_same_in_worker_processes(monkeypatch):
    from models.settings import get_settings
    from tasks import lead_import
    from tasks.lead_fields import map_columns

    columns = map_columns(["Название", "Телефон", "Город"])
    rows = [
        (n, {"Название": f"ООО «Фирма {n}»", "Телефон": f"8 495 100-{n:04d}", "Город": "Москва"})
        for n in range(2, 60)
    ]
    serial = lead_import.normalise_rows(columns, rows)
    monkeypatch.setattr(lead_import, "PARALLEL_FROM", 10)
    monkeypatch.setenv("IMPORT_WORKERS", "2")
    get_settings.cache_clear()
    try:
        parallel = lead_import.normalise_rows(columns, rows)
    finally:
        get_settings.cache_clear()
    assert [p.values for p in parallel] == [p.values for p in serial]
    assert [p.record.name_key for p in parallel] == [p.record.name_key for p in serial]


def test_an_entrepreneur_named_by_initials_is_the_same_business():
    file_row = org("ИП Лоролова А.С.", phones=["+79016119846"], city="Самара")
    base = org("Лоролова Анастасия Сергеевна", phones=["+79016119846"], city="Самара")
    base.is_entrepreneur = True
    assert file_row.is_entrepreneur
    assert compare(file_row, base).score >= SAME
    namesake = org("ИП Лоролова Е.С.", phones=["+79016119846"], city="Самара")
    assert compare(namesake, base).score < SAME
