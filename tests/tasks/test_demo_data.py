import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.lines import DEFAULT_PROTECTED_STAGES, DEFAULT_STAGES, DEFAULT_WON_STAGE
from tasks.bulk_copy import Json, RowStream, copy_rows, render_rows, reset_identity
from tasks.demo_data import DemoCounts, DemoDataError, ensure_demo_team, load_demo_data
from tasks.tax_ids import is_valid_inn

AS_OF = date(2026, 11, 23)
MIDNIGHT = datetime(2026, 11, 23, tzinfo=UTC)
ORGS = 300


def scalar(conn, sql: str, **params):
    return conn.execute(sa.text(sql), params).scalar()


def count(conn, table: str) -> int:
    return scalar(conn, f"SELECT count(*) FROM {table}")


@pytest.fixture
def base(session):
    """A demo base of 300 organisations inside the test's rolled-back transaction."""
    conn = session.connection()
    return conn, load_demo_data(conn, orgs=ORGS, seed=42, as_of=AS_OF)


def test_counts_are_the_rows_in_the_store(base):
    conn, counts = base
    assert counts.organisations == ORGS
    for table, rows in counts.model_dump().items():
        assert count(conn, table) == rows, table
    assert counts.total == sum(counts.model_dump().values())


def test_three_lines_with_default_stages_and_a_lost_stage(base):
    conn, counts = base
    assert (counts.business_lines, counts.sales_stages) == (3, 3 * len(DEFAULT_STAGES))
    stages = conn.execute(
        sa.text(
            "SELECT l.name, s.name, s.is_won, s.is_lost, s.is_protected FROM sales_stages s "
            "JOIN business_lines l USING (line_id) ORDER BY l.name, s.position"
        )
    ).all()
    assert {line for line, *_ in stages} == {"Equipment", "Consumables", "Service"}
    equipment = [row[1:] for row in stages if row[0] == "Equipment"]
    assert [name for name, *_ in equipment] == list(DEFAULT_STAGES)
    assert [name for name, won, *_ in equipment if won] == [DEFAULT_WON_STAGE]
    assert [name for name, _, lost, _ in equipment if lost] == ["lost"]
    assert tuple(name for name, *_, protected in equipment if protected) == (
        DEFAULT_PROTECTED_STAGES
    )


def test_a_team_of_reps_heads_a_marketer_and_a_director(base):
    conn, _ = base
    roles = dict(
        conn.execute(
            sa.text("SELECT role, count(DISTINCT employee_id) FROM employee_lines GROUP BY role")
        ).all()
    )
    assert roles == {"rep": 12, "head_of_sales": 3, "marketer": 1, "director": 1}
    assert scalar(conn, "SELECT count(*) FROM employees WHERE NOT is_active") == 2
    on_leave = "SELECT count(*) FROM leave_periods WHERE :day BETWEEN starts_on AND ends_on"
    assert scalar(conn, on_leave, day=AS_OF) == 1
    heads = "SELECT count(DISTINCT line_id) FROM employee_lines WHERE role = 'head_of_sales'"
    assert scalar(conn, heads) == 3
    reps_in_two_lines = (
        "SELECT count(*) FROM (SELECT employee_id FROM employee_lines WHERE role = 'rep' "
        "GROUP BY employee_id HAVING count(*) > 1) x"
    )
    assert scalar(conn, reps_in_two_lines) == 1


def test_organisations_have_one_to_three_contacts_and_some_people_work_in_two(base):
    conn, counts = base
    per_org = conn.execute(
        sa.text(
            "SELECT o.organisation_id, count(e.person_id) FROM organisations o "
            "LEFT JOIN employments e USING (organisation_id) GROUP BY 1"
        )
    ).all()
    assert {n for _, n in per_org} <= {1, 2, 3} and len(per_org) == ORGS
    in_two = (
        "SELECT count(*) FROM (SELECT person_id FROM employments GROUP BY person_id "
        "HAVING count(*) > 1) x"
    )
    assert scalar(conn, in_two) >= 1
    assert ORGS < counts.persons < 3 * ORGS
    primaries = "SELECT count(*) FROM employments WHERE is_primary_contact"
    assert scalar(conn, primaries) == ORGS


def test_one_lead_per_organisation_and_some_individual_clients(base):
    conn, counts = base
    per_org = "SELECT count(DISTINCT organisation_id) = count(organisation_id) FROM leads"
    assert scalar(conn, per_org) is True
    assert scalar(conn, "SELECT count(organisation_id) FROM leads") == ORGS
    individuals = scalar(conn, "SELECT count(person_id) FROM leads")
    assert 0 < individuals < ORGS * 0.2
    assert counts.leads == ORGS + individuals
    assert count(conn, "ownership_changes") >= scalar(
        conn, "SELECT count(*) FROM leads WHERE owner_id IS NOT NULL"
    )


def test_every_tax_id_is_valid_and_distinct(base):
    conn, _ = base
    ids = conn.execute(
        sa.text(
            "SELECT tax_id, 'org', legal_form FROM organisations "
            "UNION ALL SELECT tax_id, 'person', NULL FROM persons WHERE tax_id IS NOT NULL"
        )
    ).all()
    assert all(is_valid_inn(tax_id) for tax_id, *_ in ids)
    org_ids = [(tax_id, form) for tax_id, kind, form in ids if kind == "org"]
    assert len({tax_id for tax_id, _ in org_ids}) == ORGS
    assert {len(tax_id) for tax_id, form in org_ids if form == "ИП"} == {12}
    assert {len(tax_id) for tax_id, form in org_ids if form != "ИП"} == {10}
    # An entrepreneur's INN is the person's own: the same number on both rows.
    same = (
        "SELECT count(*) FROM organisations o JOIN employments e USING (organisation_id) "
        "JOIN persons p USING (person_id) WHERE o.legal_form = 'ИП' AND p.tax_id = o.tax_id"
    )
    assert scalar(conn, same) == scalar(
        conn, "SELECT count(*) FROM organisations WHERE legal_form = 'ИП'"
    )


def test_names_forms_phones_and_addresses_look_real(base):
    conn, _ = base
    forms = set(conn.execute(sa.text("SELECT DISTINCT legal_form FROM organisations")).scalars())
    assert {"ООО", "АО", "ИП", "LLC"} <= forms
    names = conn.execute(sa.text("SELECT name FROM organisations")).scalars().all()
    assert any(re.fullmatch(r"ООО «.+»", n) for n in names)
    assert any(re.search(r" (LLC|Ltd|GmbH)$", n) for n in names)
    phones = conn.execute(
        sa.text(
            "SELECT unnest(phones) FROM organisations UNION ALL SELECT unnest(phones) FROM persons"
        )
    ).scalars()
    assert all(re.fullmatch(r"\+7\d{10}", p) for p in phones)
    people = conn.execute(
        sa.text("SELECT first_name, middle_name, gender, locale FROM persons")
    ).all()
    assert any(middle and middle.endswith(("вич", "ична", "вна")) for _, middle, _, _ in people)
    assert {"male", "female"} == {gender for _, _, gender, _ in people}
    assert {"ru", "en"} == {locale for *_, locale in people}
    attributes = scalar(
        conn, "SELECT count(*) FROM organisations WHERE custom_attributes ? 'financial_standing'"
    )
    assert attributes == ORGS


def test_some_open_leads_are_stale_and_others_recent(base):
    conn, _ = base
    three_months_ago = MIDNIGHT - timedelta(days=91)
    stale = (
        "SELECT count(*) FROM leads l WHERE l.status = 'open' AND l.owned_since < :cutoff "
        "AND NOT EXISTS (SELECT 1 FROM deals d WHERE d.lead_id = l.lead_id "
        "AND d.won_at >= l.owned_since)"
    )
    recent = "SELECT count(*) FROM leads WHERE status = 'open' AND owned_since >= :cutoff"
    assert scalar(conn, stale, cutoff=three_months_ago) > 10
    assert scalar(conn, recent, cutoff=three_months_ago) > 10
    oldest = scalar(conn, "SELECT min(owned_since) FROM leads")
    assert MIDNIGHT - oldest > timedelta(days=365)


def test_won_and_lost_leads_agree_with_their_deals(base):
    conn, _ = base
    rows = conn.execute(
        sa.text(
            "SELECT l.status, s.name, d.won_at IS NOT NULL, d.lost_at IS NOT NULL, d.amount "
            "FROM leads l JOIN sales_stages s USING (stage_id) "
            "LEFT JOIN deals d USING (lead_id)"
        )
    ).all()
    assert {s for status, s, *_ in rows if status == "won"} == {"closed"}
    assert {s for status, s, *_ in rows if status == "lost"} == {"lost"}
    won_stages = {s for _, s, won, *_ in rows if won}
    assert won_stages == {"payment", "fulfilment", "closed"}
    assert all(not lost for status, _, _, lost, _ in rows if status != "lost")
    assert all(amount > 0 for *_, amount in rows if amount is not None)
    assert any(amount is not None and amount > Decimal(1_000_000) for *_, amount in rows)


def test_a_year_of_activity_history_with_plans_and_no_shows(base):
    conn, counts = base
    kinds = dict(
        conn.execute(sa.text("SELECT status, count(*) FROM activities GROUP BY status")).all()
    )
    assert {"done", "planned", "no_show"} <= set(kinds)
    assert 1 < counts.activities / counts.leads < 4
    future = "SELECT count(*) FROM activities WHERE status = 'planned' AND planned_at > :now"
    assert scalar(conn, future, now=MIDNIGHT) == kinds["planned"]
    span = scalar(conn, "SELECT max(held_at) - min(held_at) FROM activities")
    assert span > timedelta(days=300)
    assert scalar(conn, "SELECT count(next_contact_date) FROM activities") > 0
    # History stays with the lead: before a handover the contacts are the previous owner's,
    # after it the new owner's.
    by_previous_owner = (
        "SELECT count(*) FILTER (WHERE coalesce(a.held_at, a.planned_at) < c.changed_at), "
        "count(*) FILTER (WHERE coalesce(a.held_at, a.planned_at) >= c.changed_at) "
        "FROM activities a JOIN ownership_changes c ON c.lead_id = a.lead_id "
        "AND c.reason <> 'import' AND a.employee_id = c.from_owner_id"
    )
    before, after = conn.execute(sa.text(by_previous_owner)).one()
    assert before > 0 and after == 0


def test_marketing_and_survey_rows(base):
    conn, counts = base
    assert counts.professional_holidays >= 10 and counts.contact_lists == 3
    weekday_rules = "SELECT count(*) FROM professional_holidays WHERE week_of_month = -1"
    assert scalar(conn, weekday_rules) >= 1
    reasons = set(conn.execute(sa.text("SELECT DISTINCT reason FROM suppressions")).scalars())
    assert reasons and reasons <= {"unsubscribed", "bounced", "do_not_contact"}
    kinds = set(conn.execute(sa.text("SELECT DISTINCT kind FROM useful_dates")).scalars())
    assert kinds == {"family_date", "company_anniversary"}
    tokens = conn.execute(sa.text("SELECT token FROM survey_invitations")).scalars().all()
    assert tokens and len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[0-9a-f]{48}", t) for t in tokens)
    assert 0 < counts.survey_responses <= counts.survey_invitations
    assert count(conn, "list_members") > 0


def content_hash(conn) -> str:
    """Organisations, persons, employments and leads, with team ids replaced by names."""
    queries = (
        "SELECT o.* FROM organisations o ORDER BY organisation_id",
        "SELECT p.* FROM persons p ORDER BY person_id",
        "SELECT person_id, organisation_id, position, work_email, is_primary_contact "
        "FROM employments ORDER BY person_id, organisation_id",
        "SELECT l.lead_id, l.organisation_id, l.person_id, b.name, s.name, e.email, "
        "l.owned_since, l.status, l.closed_at FROM leads l JOIN business_lines b USING (line_id) "
        "JOIN sales_stages s USING (stage_id) LEFT JOIN employees e ON e.employee_id = l.owner_id "
        "ORDER BY lead_id",
    )
    digest = hashlib.sha256()
    for query in queries:
        for row in conn.execute(sa.text(query)).mappings():
            digest.update(repr({k: v for k, v in row.items() if k != "created_at"}).encode())
    return digest.hexdigest()


def load_and_hash(engine, seed: int) -> str:
    with engine.connect() as conn:
        transaction = conn.begin()
        load_demo_data(conn, orgs=120, seed=seed, as_of=AS_OF)
        digest = content_hash(conn)
        transaction.rollback()
    return digest


def test_same_seed_same_base_other_seed_other_base(engine):
    first = load_and_hash(engine, seed=42)
    assert load_and_hash(engine, seed=42) == first
    assert load_and_hash(engine, seed=7) != first


def test_refuses_a_base_with_organisations_and_reset_replaces_it(session):
    conn = session.connection()
    load_demo_data(conn, orgs=50, seed=1, as_of=AS_OF)
    with pytest.raises(DemoDataError, match="already holds 50 organisations; use --reset"):
        load_demo_data(conn, orgs=20, seed=1, as_of=AS_OF)
    counts = load_demo_data(conn, orgs=20, seed=2, as_of=AS_OF, reset=True)
    assert count(conn, "organisations") == counts.organisations == 20
    assert count(conn, "employees") == counts.employees == 17
    assert scalar(conn, "SELECT min(organisation_id) FROM organisations") == 1
    new_id = scalar(
        conn, "INSERT INTO organisations (name) VALUES ('New') RETURNING organisation_id"
    )
    assert new_id == 21


def test_loads_after_existing_rows_and_moves_the_sequences(session):
    conn = session.connection()
    conn.execute(sa.text("INSERT INTO persons (first_name) VALUES ('Existing')"))
    before = scalar(conn, "SELECT max(person_id) FROM persons")
    counts = load_demo_data(conn, orgs=10, seed=1, as_of=AS_OF)
    assert scalar(conn, "SELECT min(person_id) FROM persons WHERE first_name <> 'Existing'") == (
        before + 1
    )
    new_id = scalar(conn, "INSERT INTO persons (first_name) VALUES ('Next') RETURNING person_id")
    assert new_id == before + counts.persons + 1


def test_ensure_demo_team_creates_only_what_is_absent(session):
    conn = session.connection()
    team = ensure_demo_team(conn, seed=5, as_of=AS_OF)
    again = ensure_demo_team(conn, seed=6, as_of=AS_OF)
    assert team.created["employees"] == 17 and team.created["business_lines"] == 3
    assert again.created == {"business_lines": 0, "sales_stages": 0}
    assert again.lines == team.lines
    assert [len(line.reps) for line in team.lines] == [3, 4, 4]
    assert count(conn, "employees") == 17


def test_negative_count_is_refused(session):
    with pytest.raises(DemoDataError):
        load_demo_data(session.connection(), orgs=-1)


def test_zero_organisations_loads_only_the_team(session):
    counts = load_demo_data(session.connection(), orgs=0, as_of=AS_OF)
    assert counts.organisations == counts.leads == 0 and counts.employees == 17
    assert isinstance(counts, DemoCounts)


# The COPY helper the loader is built on.

AWKWARD = [
    "tab\there",
    "two\nlines",
    "back\\slash",
    "\\N",
    "",
    "NULL",
    'q"uote',
    "a,b",
    "{x}",
    "cr\r",
]


@pytest.mark.parametrize("format", ["text", "csv"])
def test_copy_rows_round_trips_awkward_values(session, format):
    conn = session.connection()
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE awkward (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            "s text, a text[], j jsonb, n numeric, b boolean, t timestamptz)"
        )
    )
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    rows = [
        (i, s, [s, None, "x"], {"k": s, "n": [1, None]}, Decimal("1.50"), i % 2 == 0, when)
        for i, s in enumerate(AWKWARD, 1)
    ]
    rows.append((99, None, [], Json(["list", 1]), None, None, None))
    sent = copy_rows(conn, "awkward", ["id", "s", "a", "j", "n", "b", "t"], iter(rows), format)
    back = conn.execute(sa.text("SELECT id, s, a, j, n, b, t FROM awkward ORDER BY id")).all()
    expected = [
        row[:3] + (row[3].value if isinstance(row[3], Json) else row[3],) + row[4:] for row in rows
    ]
    assert sent == len(rows)
    assert [tuple(r) for r in back] == expected
    assert reset_identity(conn, "awkward", "id") == 99
    assert scalar(conn, "INSERT INTO awkward (s) VALUES ('next') RETURNING id") == 100


def test_row_stream_serves_any_read_size():
    rows = [(i, f"строка {i}", i % 3 == 0) for i in range(10_000)]
    stream = RowStream(iter(rows))
    payload = b"".join(iter(lambda: stream.read(1000), b""))
    assert payload == render_rows(rows) and stream.rows == len(rows)
    assert payload.startswith("0\tстрока 0\tt\n1\tстрока 1\tf\n".encode())


def test_reset_identity_never_moves_a_sequence_backwards(session):
    conn = session.connection()
    conn.execute(sa.text("CREATE TEMP TABLE seq_t (id bigint GENERATED BY DEFAULT AS IDENTITY)"))
    conn.execute(sa.text("INSERT INTO seq_t DEFAULT VALUES; INSERT INTO seq_t DEFAULT VALUES"))
    conn.execute(sa.text("DELETE FROM seq_t"))
    assert reset_identity(conn, "seq_t", "id") == 2
