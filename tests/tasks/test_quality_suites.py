"""The suites on real PostgreSQL: a clean base passes every expectation, and each deliberately
broken fixture fails exactly its own expectation, so a check that cannot fail shows up here.

Great Expectations reads through its own connections, so the base is committed once for the
module and every fixture undoes what it broke. Rules the schema also enforces (CHECK
constraints, unique indexes, foreign keys) are broken as data loaded around the constraint is:
the constraint is dropped for the test and restored after, or, for a foreign key, the row is
written with triggers off (session_replication_role = replica, as a restore does).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models import store
from models.registry import metadata
from models.settings import get_settings
from tasks import reassignment
from tasks.demo_data import load_demo_data
from tasks.quality_rules import RuleParams, all_rules
from tasks.quality_suites import QualityReport, run_suites
from tasks.stale_rule import business_today

T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def truncate(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def base(database_url) -> Iterator[Engine]:
    """A small demo base after the three-month rule ran, with healthy surveys and ledgers."""
    engine = store.make_engine(database_url)
    truncate(engine)
    with engine.begin() as conn:
        load_demo_data(conn, orgs=60, seed=5)
    with Session(engine) as session, session.begin():
        plan = reassignment.make_plan(
            session, line=None, stale_after="3 months", policy=None, as_of=None, dry_run=False
        )
        reassignment.apply_plan(session, plan.plan_id, "quality@example.com")
    with engine.begin() as conn:
        healthy_surveys_and_ledgers(conn)
    yield engine
    truncate(engine)
    engine.dispose()


def check(engine: Engine) -> QualityReport:
    url = engine.url.render_as_string(hide_password=False)
    params = RuleParams(as_of=business_today(), time_zone=get_settings().time_zone)
    return run_suites(url, params, None)


def one(conn, sql: str, **params):
    return conn.execute(sa.text(sql), params).one()


def healthy_surveys_and_ledgers(conn) -> None:
    """Rows of every ledger state, as the sender leaves them, and suppressions that must not
    count: one after its letter went, a bounce before a printed letter."""
    lead = one(conn, "select lead_id from leads order by lead_id limit 1")
    people = [r.person_id for r in conn.execute(sa.text("select person_id from persons limit 8"))]
    wave = conn.scalar(
        sa.text(
            "insert into survey_waves (name, opens_at, closes_at) "
            "values ('quality wave', :t0, :t1) returning survey_wave_id"
        ),
        {"t0": T0, "t1": T0 + timedelta(days=30)},
    )
    invitation = conn.scalar(
        sa.text(
            "insert into survey_invitations (survey_wave_id, lead_id, person_id, token) "
            "values (:w, :l, :p, :t) returning survey_invitation_id"
        ),
        {"w": wave, "l": lead.lead_id, "p": people[0], "t": secrets.token_hex(20)},
    )
    conn.execute(
        sa.text(
            "insert into survey_responses (survey_invitation_id, products_range, "
            "company_overall, nps) values (:i, 5, 1, 0)"
        ),
        {"i": invitation},
    )
    template = conn.scalar(
        sa.text(
            "insert into message_templates (name, subject, body_html, body_text) "
            "values ('quality', 'Hi', '<p>Hi</p>', 'Hi') returning template_id"
        )
    )
    email, paper = (
        conn.scalar(
            sa.text(
                "insert into campaigns (name, template_id, channel, status) "
                "values (:n, :t, cast(:c as channel), 'running') returning campaign_id"
            ),
            {"n": f"quality {channel}", "t": template, "c": channel},
        )
        for channel in ("email", "paper")
    )
    sent = dict(status="sent", claimed_at=T0, sent_at=T0 + timedelta(minutes=1), attempts=1)
    rows = [
        (email, people[1], "sent@mail.example", sent),
        (email, people[2], None, dict(status="skipped", last_error="no e-mail address")),
        (email, people[3], "pending@mail.example", dict(status="pending")),
        (email, people[4], "failed@mail.example", dict(status="failed", attempts=1,
                                                       last_error="550 no such user")),
        (email, people[5], "unknown@mail.example", dict(status="unknown", attempts=1,
                                                        last_error="connection lost")),
        (paper, people[6], None, dict(status="sent", sent_at=T0)),
    ]  # fmt: skip
    for campaign_id, person_id, address, state in rows:
        conn.execute(
            sa.text(
                "insert into campaign_sends (campaign_id, person_id, email, status, attempts, "
                "last_error, claimed_at, sent_at, unsubscribe_token) values (:c, :p, :e, "
                "cast(:status as send_status), :attempts, :last_error, :claimed_at, :sent_at, :t)"
            ),
            {
                "c": campaign_id, "p": person_id, "e": address, "t": secrets.token_hex(24),
                **{"attempts": 0, "last_error": None, "claimed_at": None, "sent_at": None},
                **state,
            },
        )  # fmt: skip
    conn.execute(
        sa.text(
            "insert into suppressions (email, person_id, reason, created_at) values "
            "('sent@mail.example', null, 'unsubscribed', :after), (null, :p, 'bounced', :before)"
        ),
        {"after": T0 + timedelta(days=1), "before": T0 - timedelta(days=1), "p": people[6]},
    )


def test_the_clean_base_passes_every_expectation(base):
    report = check(base)

    assert report.failed_names == set(), report.summary()
    assert {r.name for r in report.results} == {
        r.name for r in all_rules(RuleParams(as_of=business_today()))
    }
    assert all(r.error is None and r.unexpected == 0 for r in report.results)


def test_data_docs_hold_every_suite_and_never_the_password(base, tmp_path):
    if base.url.password:
        pytest.skip("this server checks passwords: a probe password would be refused")
    probe = "probe-Secret-4711"  # a trust-auth server ignores it; it must show up nowhere
    url = base.url.set(password=probe).render_as_string(hide_password=False)
    docs = tmp_path / "data-docs"
    params = RuleParams(as_of=business_today(), time_zone=get_settings().time_zone)

    report = run_suites(url, params, docs)

    assert report.failed_names == set() and report.docs_index == str(docs / "index.html")
    pages = [p for p in docs.rglob("*") if p.suffix in (".html", ".json")]
    paths = [p.relative_to(docs).parts for p in pages]
    assert {p[1] for p in paths if p[0] == "validations"} == {r.table for r in report.results}
    assert not [p for p in pages if probe in p.read_text(encoding="utf-8", errors="ignore")]
    assert probe not in report.model_dump_json()


# --- what each fixture breaks -------------------------------------------------------------


@contextmanager
def changed(engine: Engine, table: str, key: str, column: str, value, where: str = "true"):
    """One row's column set to `value` (the first row matching `where`), restored after."""
    with engine.begin() as conn:
        row = one(conn, f"select {key} as id, {column} as old from {table} t where {where} "
                        f"order by {key} limit 1")  # fmt: skip
        conn.execute(sa.text(f"update {table} set {column} = :v where {key} = :id"),
                     {"v": value, "id": row.id})  # fmt: skip
    try:
        yield row.id
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"update {table} set {column} = :v where {key} = :id"),
                         {"v": row.old, "id": row.id})  # fmt: skip


@contextmanager
def without_constraint(engine: Engine, table: str, name: str):
    """The schema's own guard taken away, as a restore that loads data first would."""
    with engine.begin() as conn:
        definition = conn.scalar(
            sa.text("select pg_get_constraintdef(oid) from pg_constraint where conname = :n"),
            {"n": name},
        )
        assert definition, name
        conn.execute(sa.text(f"alter table {table} drop constraint {name}"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"alter table {table} add constraint {name} {definition}"))


@contextmanager
def without_index(engine: Engine, name: str):
    """A unique index gone (or left INVALID by a failed concurrent build: it enforces nothing)."""
    with engine.begin() as conn:
        definition = conn.scalar(
            sa.text("select pg_get_indexdef(cast(:n as regclass))"), {"n": name}
        )
        conn.execute(sa.text(f"drop index {name}"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(definition))


@contextmanager
def inserted(engine: Engine, table: str, key: str, sql: str, replica: bool = False, **params):
    with engine.begin() as conn:
        if replica:
            conn.execute(sa.text("set local session_replication_role = replica"))
        new_id = conn.scalar(sa.text(f"{sql} returning {key}"), params)
    try:
        yield new_id
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"delete from {table} where {key} = :id"), {"id": new_id})


@contextmanager
def stacked(*managers):
    """Enter in order, leave in reverse: the data is repaired before its constraint returns."""
    if not managers:
        yield
        return
    with managers[0], stacked(*managers[1:]):
        yield


OPEN_OWNED = "t.status = 'open' and t.owner_id is not null"


def invalid_inn(engine: Engine, length: int) -> str:
    with engine.connect() as conn:
        for n in range(10):
            inn = str(n) * (length - 1) + str((n + 1) % 10)
            if not conn.scalar(sa.text("select inn_is_valid(:i)"), {"i": inn}):
                return inn
    raise AssertionError("no invalid INN found")


def inactive_owner(e: Engine):
    with e.connect() as conn:
        owner = conn.scalar(sa.text(f"select t.owner_id from leads t where {OPEN_OWNED} limit 1"))
    return changed(e, "employees", "employee_id", "is_active", False, f"employee_id = {owner}")


def rep_of_another_line(e: Engine):
    with e.connect() as conn:
        row = one(
            conn,
            f"""select t.lead_id, el.employee_id from leads t
                join employee_lines el on el.role = 'rep' and el.line_id <> t.line_id
                join employees e on e.employee_id = el.employee_id and e.is_active
                where {OPEN_OWNED} and not exists (
                    select 1 from employee_lines x
                    where x.employee_id = el.employee_id and x.line_id = t.line_id)
                order by t.lead_id limit 1""",
        )
    return changed(e, "leads", "lead_id", "owner_id", row.employee_id, f"lead_id = {row.lead_id}")


def second_open_lead(e: Engine):
    return stacked(
        without_index(e, "uq_leads_open_organisation_line"),
        inserted(
            e, "leads", "lead_id",
            f"""insert into leads (organisation_id, line_id, owner_id, stage_id)
                select t.organisation_id, t.line_id, t.owner_id, t.stage_id from leads t
                where {OPEN_OWNED} and t.organisation_id is not null
                order by t.lead_id limit 1""",
        ),
    )  # fmt: skip


def overdue_lead(e: Engine):
    where = f"""{OPEN_OWNED} and not t.is_frozen
        and not exists (select 1 from deals d where d.lead_id = t.lead_id)
        and t.stage_id in (select stage_id from sales_stages where not is_protected)"""
    five_months = datetime.now(UTC) - timedelta(days=152)
    return changed(e, "leads", "lead_id", "owned_since", five_months, where)


def orphan_employment(e: Engine):
    return inserted(
        e, "employments", "employment_id",
        """insert into employments (person_id, organisation_id)
           select (select max(person_id) + 1000 from persons), min(organisation_id)
           from organisations""",
        replica=True,
    )  # fmt: skip


def score_out_of_range(e: Engine):
    return stacked(
        without_constraint(e, "survey_responses", "ck_survey_responses_products_range_range"),
        changed(e, "survey_responses", "survey_response_id", "products_range", 7),
    )


def second_response(e: Engine):
    return stacked(
        without_constraint(e, "survey_responses", "uq_survey_responses_survey_invitation_id"),
        inserted(
            e, "survey_responses", "survey_response_id",
            "insert into survey_responses (survey_invitation_id, products_range) "
            "select survey_invitation_id, 4 from survey_responses limit 1",
        ),
    )  # fmt: skip


def sent_to_suppressed(e: Engine):
    """The healthy fixture's unsubscribe that came a day after the letter, moved before it."""
    return changed(
        e, "suppressions", "suppression_id", "created_at", T0 - timedelta(hours=1),
        "email = 'sent@mail.example'",
    )  # fmt: skip


BROKEN: list[tuple[str, str, Callable[[Engine], object]]] = [
    ("persons.emails_well_formed", "a doubled @",
     lambda e: changed(e, "persons", "person_id", "emails", ["ivan.petrov@@mail.example"])),
    ("persons.phones_well_formed", "a phone as typed",
     lambda e: changed(e, "persons", "person_id", "phones", ["8 (916) 123-45-67"])),
    ("persons.tax_id_valid", "wrong check digits",
     lambda e: stacked(without_constraint(e, "persons", "ck_persons_tax_id_valid"),
                       changed(e, "persons", "person_id", "tax_id", invalid_inn(e, 12)))),
    ("persons.tax_id_valid", "a company's INN on a person",
     lambda e: stacked(without_constraint(e, "persons", "ck_persons_tax_id_personal"),
                       changed(e, "persons", "person_id", "tax_id", "7707083893"))),
    ("organisations.emails_well_formed", "no top-level domain",
     lambda e: changed(e, "organisations", "organisation_id", "emails", ["sales@romashka"])),
    ("organisations.phones_well_formed", "too short",
     lambda e: changed(e, "organisations", "organisation_id", "phones", ["+7495"])),
    ("organisations.tax_id_valid", "wrong check digits",
     lambda e: stacked(without_constraint(e, "organisations", "ck_organisations_tax_id_valid"),
                       changed(e, "organisations", "organisation_id", "tax_id",
                               invalid_inn(e, 10)))),
    ("employments.work_email_well_formed", "(at) for @",
     lambda e: changed(e, "employments", "employment_id", "work_email",
                       "ivan.petrov(at)romashka.example")),
    ("employments.work_phone_well_formed", "no country code",
     lambda e: changed(e, "employments", "employment_id", "work_phone", "495-123-45-67")),
    ("employments.no_orphans", "a person that does not exist", orphan_employment),
    ("leads.owner_is_active_rep_of_line", "an owner who left", inactive_owner),
    ("leads.owner_is_active_rep_of_line", "a rep of another line", rep_of_another_line),
    ("leads.one_open_lead_per_client_per_line", "two open leads", second_open_lead),
    ("leads.stale_only_where_protected", "five months with its owner", overdue_lead),
    ("survey_responses.scores_in_range", "a 7 on a 1-5 scale", score_out_of_range),
    ("survey_responses.one_per_invitation", "two responses", second_response),
    ("campaign_sends.known_state", "skipped without a reason",
     lambda e: changed(e, "campaign_sends", "campaign_send_id", "last_error", None,
                       "status = 'skipped'")),
    ("campaign_sends.known_state", "sent_at on a pending row",
     lambda e: changed(e, "campaign_sends", "campaign_send_id", "sent_at", T0,
                       "status = 'pending'")),
    ("campaign_sends.none_sent_to_suppressed", "unsubscribed before the letter went",
     sent_to_suppressed),
]  # fmt: skip


def test_every_expectation_has_a_broken_fixture():
    names = {r.name for r in all_rules(RuleParams(as_of=business_today()))}
    assert {name for name, _, _ in BROKEN} == names


@pytest.mark.parametrize(
    ("expected", "broken"),
    [(name, make) for name, _, make in BROKEN],
    ids=[f"{name}: {why}" for name, why, _ in BROKEN],
)
def test_a_broken_fixture_fails_exactly_its_expectation(base, expected, broken):
    with broken(base):
        report = check(base)
    assert report.failed_names == {expected}, report.summary()
    failed = next(r for r in report.results if r.name == expected)
    assert failed.error is None and failed.unexpected and failed.sample


def test_every_fixture_undid_what_it_broke(base):
    assert check(base).failed_names == set()
