"""Self-check of the lead-dedup benchmark data: deterministic, valid, and its truth consistent."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from benchmarks._lead_data import (
    JUNK_SHARE,
    LEAD_FILE_HEADERS,
    BaseOrg,
    FileRow,
    base_org,
    base_orgs,
    lead_file,
)
from tasks.tax_ids import is_valid_inn

BASE = 20_000
ROWS = 5_000
E164 = re.compile(r"^\+7\d{10}$")


@pytest.fixture(scope="module")
def orgs() -> list[BaseOrg]:
    return list(base_orgs(BASE))


@pytest.fixture(scope="module")
def rows() -> list[FileRow]:
    return list(lead_file(ROWS, base_size=BASE))


def test_same_seed_same_output():
    assert list(base_orgs(300)) == list(base_orgs(300))
    assert list(base_orgs(300, seed=8)) != list(base_orgs(300))
    assert list(lead_file(500, base_size=1000)) == list(lead_file(500, base_size=1000))
    assert list(lead_file(500, base_size=1000, seed=12)) != list(lead_file(500, base_size=1000))


def test_base_org_is_the_ith_of_base_orgs(orgs):
    for index in (0, 1, 2, 777, 12_345, BASE - 1):
        assert base_org(index) == orgs[index]
        assert orgs[index].index == index


def test_tax_ids_valid_unique_and_shared_as_asked(orgs):
    tax_ids = [org.tax_id for org in orgs if org.tax_id is not None]
    assert all(is_valid_inn(tax_id) for tax_id in tax_ids)
    assert len(set(tax_ids)) == len(tax_ids)
    assert 0.82 < len(tax_ids) / BASE < 0.88
    # A company has 10 digits; an entrepreneur 12, as in the register.
    for org in orgs:
        assert org.tax_id is None or len(org.tax_id) == (12 if org.legal_form == "ИП" else 10)


def test_fields_are_well_formed(orgs):
    for org in orgs:
        assert org.name and org.name == org.name.strip()
        assert 1 <= len(org.phones) <= 2 and all(E164.match(phone) for phone in org.phones)
        assert len(org.emails) <= 2 and all(e == e.lower() and "@" in e for e in org.emails)
        assert org.website is None or re.fullmatch(r"[a-z0-9-]+\.[a-z]+", org.website)
        assert org.contact is None or all(org.contact)
        assert len(org.postcode) == 6 and org.postcode.isdigit()
    assert 0.55 < sum(org.website is not None for org in orgs) / BASE < 0.7
    assert 0.65 < sum(org.contact is not None for org in orgs) / BASE < 0.8


def test_hard_negatives_exist_and_names_rarely_collide(orgs):
    domains = Counter(org.website for org in orgs if org.website)
    phones = Counter(org.phones[0] for org in orgs)
    assert any(count > 1 for count in domains.values())  # sister companies of a holding
    assert any(count > 1 for count in phones.values())  # tenants of one head office
    names = Counter(org.name for org in orgs)
    assert 1 - len(names) / BASE < 0.01
    # Namesakes exist, and in another city than the company they share the name with.
    by_name = defaultdict(set)
    for org in orgs:
        by_name[org.name].add(org.city)
    assert any(len(cities) > 1 for cities in by_name.values())


def test_file_rows_have_nine_cells_and_ids(rows):
    assert len(LEAD_FILE_HEADERS) == 9
    assert len(rows) == ROWS
    for row in rows:
        assert len(row.cells) == 9 and all(isinstance(cell, str) for cell in row.cells)
        assert re.fullmatch(r"[a-z0-9]+-\d{6,}", row.cells[0])
    assert len({row.cells[0] for row in rows}) == ROWS


def test_truth_shares(rows):
    base_rows = sum(row.truth_base is not None for row in rows)
    assert abs(base_rows / ROWS - 0.3) < 0.03
    extra = ROWS - len({row.truth_cluster for row in rows})
    assert abs(extra / ROWS - 0.1) < 0.02
    junk = sum(row.truth_cluster >= BASE + ROWS for row in rows)
    assert abs(junk / ROWS - JUNK_SHARE) < 0.01


def test_clusters_consistent(rows):
    base_of_cluster: dict[int, int | None] = {}
    for row in rows:
        assert base_of_cluster.setdefault(row.truth_cluster, row.truth_base) == row.truth_base
        if row.truth_base is not None:
            assert row.truth_cluster == row.truth_base < BASE
        else:
            assert row.truth_cluster >= BASE


def test_rows_are_recoverable_and_varied(rows):
    company_rows = [row for row in rows if row.truth_cluster < BASE + ROWS]
    for row in company_rows:
        _, name, tax_id, phone, email, _, city, _, _ = row.cells
        assert tax_id or phone or email or (name and city)
        if tax_id:
            assert is_valid_inn(tax_id)
    # Repeats of a company are spelled differently each time.
    spellings = defaultdict(list)
    for row in company_rows:
        spellings[row.truth_cluster].append(row.cells[1:])
    repeated = [cells for cells in spellings.values() if len(cells) > 1]
    assert len(repeated) > 300
    assert all(len(set(cells)) == len(cells) for cells in repeated)
    base_rows = [row for row in company_rows if row.truth_base is not None]
    dropped_tax = sum(not row.cells[2] for row in base_rows) / len(base_rows)
    assert 0.4 < dropped_tax < 0.6  # dropped in ~40%, and ~15% never had one
