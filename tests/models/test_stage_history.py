"""The stage history is written by the database: a new lead's first stage, each change of
stage, nothing else; rows are never edited; leads that existed before migration 0008 get one
row each."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from models import store
from models.report_history import LeadStageChange, stage_changed_at
from tests import factories as f
from tests.conftest import create_database, drop_database

CREATED = datetime(2026, 3, 1, 9, tzinfo=UTC)


def history(session, lead) -> list[tuple]:
    rows = session.execute(
        sa.select(LeadStageChange.from_stage_id, LeadStageChange.to_stage_id,
                  LeadStageChange.changed_at)
        .where(LeadStageChange.lead_id == lead.lead_id)
        .order_by(LeadStageChange.lead_stage_change_id)
    )  # fmt: skip
    return [tuple(r) for r in rows]


@pytest.fixture
def line(session):
    line = f.line(session, stages=("first call", "meeting", "paid"))
    return line, {n: f.stage(session, line.line_id, n) for n in ("first call", "meeting", "paid")}


def test_a_new_lead_enters_its_stage_when_it_was_created(session, line):
    bl, stage = line
    lead = f.lead(session, bl.line_id, stage_id=stage["meeting"], created_at=CREATED)
    assert history(session, lead) == [(None, stage["meeting"], CREATED)]
    row = session.scalars(sa.select(LeadStageChange)).one()
    assert row.line_id == bl.line_id


def test_each_change_of_stage_is_recorded_and_nothing_else(session, line):
    bl, stage = line
    lead = f.lead(session, bl.line_id, created_at=CREATED)
    now = session.scalar(sa.select(sa.func.now()))
    session.execute(sa.text("update leads set stage_id = :s where lead_id = :id"),
                    {"s": stage["meeting"], "id": lead.lead_id})  # fmt: skip
    # The same stage again, another owner, a closing that keeps the stage: no change of stage.
    session.execute(sa.text("update leads set stage_id = stage_id, owner_id = null, "
                            "source = 'x' where lead_id = :id"), {"id": lead.lead_id})  # fmt: skip
    later = datetime(2026, 4, 2, 15, tzinfo=UTC)
    f.move_stage(session, lead, stage["paid"], later, status="won", closed_at=later)
    assert history(session, lead) == [
        (None, stage["first call"], CREATED),
        (stage["first call"], stage["meeting"], now),
        (stage["meeting"], stage["paid"], later),
    ]


def test_the_back_dating_setting_lasts_until_cleared(session, line):
    bl, stage = line
    lead = f.lead(session, bl.line_id, created_at=CREATED)
    stage_changed_at(session, datetime(2026, 3, 5, tzinfo=UTC))
    stage_changed_at(session, None)
    session.execute(sa.text("update leads set stage_id = :s where lead_id = :id"),
                    {"s": stage["meeting"], "id": lead.lead_id})  # fmt: skip
    assert history(session, lead)[-1][2] == session.scalar(sa.select(sa.func.now()))


def test_bulk_inserts_are_recorded_per_row_in_one_statement(session, line):
    bl, stage = line
    orgs = [f.organisation(session).organisation_id for _ in range(3)]
    session.execute(
        sa.text("insert into leads (organisation_id, line_id, stage_id, created_at) "
                "select o, :line, :stage, :at from unnest(cast(:orgs as bigint[])) as o"),
        {"line": bl.line_id, "stage": stage["meeting"], "at": CREATED, "orgs": orgs},
    )  # fmt: skip
    rows = session.execute(sa.select(LeadStageChange.to_stage_id, LeadStageChange.changed_at))
    assert sorted(rows) == [(stage["meeting"], CREATED)] * 3


def test_history_is_append_only_and_goes_with_its_lead(session, line):
    bl, _ = line
    lead = f.lead(session, bl.line_id, created_at=CREATED)
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), session.begin_nested():
        session.execute(sa.text("update lead_stage_changes set changed_at = now()"))
    session.execute(sa.text("delete from leads where lead_id = :id"), {"id": lead.lead_id})
    assert session.scalar(sa.select(sa.func.count()).select_from(LeadStageChange)) == 0


@pytest.mark.embedded
def test_the_migration_gives_existing_leads_their_current_stage_since_creation():
    url = create_database("crm_stage_history")
    engine = store.make_engine(url)
    try:
        store.upgrade(engine, "0007")
        with engine.begin() as conn:
            conn.execute(sa.text(
                "insert into business_lines (name) values ('L');"
                " insert into sales_stages (line_id, name, position)"
                " select line_id, s, p from business_lines,"
                " (values ('first call', 0), ('meeting', 1)) as v (s, p);"
                " insert into organisations (name) values ('A'), ('B');"
                " insert into leads (organisation_id, line_id, stage_id, created_at)"
                " select o.organisation_id, s.line_id, s.stage_id,"
                " cast('2026-01-0' || s.position + 1 as timestamptz)"
                " from organisations o join sales_stages s"
                " on (o.name = 'A') = (s.name = 'first call')"
            ))  # fmt: skip
        store.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "select s.name, h.from_stage_id, h.changed_at::date::text"
                " from lead_stage_changes h join sales_stages s on s.stage_id = h.to_stage_id"
                " order by 1"
            )).all()  # fmt: skip
        assert [tuple(r) for r in rows] == [
            ("first call", None, "2026-01-01"),
            ("meeting", None, "2026-01-02"),
        ]
    finally:
        engine.dispose()
        drop_database(url)


def test_a_loader_that_copies_the_history_writes_the_entries_itself(session, line):
    from models.report_history import history_copied

    bl, stage = line
    history_copied(session, True)
    lead = f.lead(session, bl.line_id, created_at=CREATED)
    history_copied(session, False)
    assert history(session, lead) == []
    later = f.lead(session, bl.line_id, created_at=CREATED)
    assert len(history(session, later)) == 1


def test_demo_leads_come_with_a_believable_history(session):
    from datetime import date

    from tasks.demo_data import load_demo_data

    conn = session.connection()
    counts = load_demo_data(conn, orgs=300, seed=42, as_of=date(2026, 11, 23))
    facts = conn.execute(sa.text("""
        with h as (
            select h.*, row_number() over w as n, count(*) over (partition by h.lead_id) as k,
                lag(h.to_stage_id) over w as previous, lag(h.changed_at) over w as previous_at
            from lead_stage_changes h
            window w as (partition by h.lead_id order by h.changed_at, h.lead_stage_change_id)
        )
        select
            count(distinct h.lead_id) = (select count(*) from leads) as every_lead,
            bool_and(h.n > 1 or h.changed_at = l.created_at and h.from_stage_id is null)
                as starts_when_created,
            bool_and(h.n = 1 or h.from_stage_id = h.previous and h.changed_at >= h.previous_at)
                as chained,
            bool_and(h.n < h.k or h.to_stage_id = l.stage_id) as ends_in_the_stage,
            bool_and(h.n < h.k or l.closed_at is null or h.k = 1 or h.changed_at = l.closed_at)
                as closed_by_the_last,
            count(distinct h.lead_id) filter (where h.k >= 3) as moved_twice,
            bool_and(s.position = 0 or h.n > 1) as from_the_first_stage
        from h
        join leads l on l.lead_id = h.lead_id
        join sales_stages s on s.stage_id = h.to_stage_id
    """)).mappings().one()  # fmt: skip
    assert counts.lead_stage_changes > counts.leads
    assert {k: v for k, v in facts.items() if k != "moved_twice"} == dict.fromkeys(
        ("every_lead", "starts_when_created", "chained", "ends_in_the_stage",
         "closed_by_the_last", "from_the_first_stage"), True)  # fmt: skip
    assert facts["moved_twice"] > counts.leads // 10
