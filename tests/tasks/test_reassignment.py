"""The three-month rule against a real PostgreSQL: the clock, the plan, the apply."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.deals import Deal
from models.employees import Employee, LeavePeriod, Role
from models.errors import CrmError
from models.leads import Lead, OwnershipChange, OwnershipReason
from models.reassignment import ReassignmentItem
from tasks import reassignment, reassignment_notify
from tasks.reassignment import TargetChange
from tasks.stale_rule import parse_stale_after
from tests import factories as f

MSK = ZoneInfo("Europe/Moscow")


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.fixture
def team(session):
    bl = f.line(session, "Equipment", stages=("first call", "contract", "paid"))
    session.execute(sa.text("update sales_stages set is_protected = (name = 'contract')"))
    reps = [f.employee(session, bl.line_id, full_name=f"Rep {n}") for n in "ABCD"]
    return bl, reps


def lead_since(session, bl, owner, since, **kw):
    return f.lead(session, bl.line_id, owner.employee_id, owned_since=since, **kw)


def make(session, as_of, line="Equipment", **kw):
    return reassignment.make_plan(
        session,
        line=line,
        stale_after=kw.pop("stale_after", "3 months"),
        policy=kw.pop("policy", None),
        as_of=as_of,
        dry_run=kw.pop("dry_run", False),
    )


def planned(session, plan_id) -> dict[int, int | None]:
    rows = session.execute(
        sa.select(ReassignmentItem.lead_id, ReassignmentItem.to_owner_id).where(
            ReassignmentItem.plan_id == plan_id
        )
    )
    return dict(rows.tuples().all())


@pytest.mark.parametrize(
    ("since", "day_before", "stale_day"),
    [
        (msk(2026, 1, 31, 10), date(2026, 4, 29), date(2026, 4, 30)),
        (msk(2025, 11, 30, 18), date(2026, 2, 27), date(2026, 2, 28)),
        (msk(2027, 11, 30, 9), date(2028, 2, 28), date(2028, 2, 29)),
        # 22:30 UTC on 31 Jan is already 1 Feb in Moscow: the business date decides.
        (datetime(2026, 1, 31, 22, 30, tzinfo=UTC), date(2026, 4, 30), date(2026, 5, 1)),
    ],
)
def test_stale_exactly_three_calendar_months_later(session, team, since, day_before, stale_day):
    bl, (a, *_) = team
    lead = lead_since(session, bl, a, since)
    # Dry runs may look ahead, so the leap-year case can be checked before 2028.
    assert lead.lead_id not in planned(session, make(session, day_before, dry_run=True).plan_id)
    assert lead.lead_id in planned(session, make(session, stale_day, dry_run=True).plan_id)


def test_won_deal_during_ownership_keeps_the_lead(session, team):
    bl, (a, *_) = team
    kept = lead_since(session, bl, a, msk(2026, 1, 10))
    taken = lead_since(session, bl, a, msk(2026, 1, 10))
    stage = f.first_stage(session, bl.line_id).stage_id
    session.add_all(
        [
            Deal(lead_id=kept.lead_id, amount=100, stage_id=stage, won_at=msk(2026, 3, 1)),
            Deal(lead_id=taken.lead_id, amount=100, stage_id=stage, won_at=msk(2025, 12, 1)),
        ]
    )
    session.flush()
    assert set(planned(session, make(session, date(2026, 5, 1)).plan_id)) == {taken.lead_id}


def test_protected_and_frozen_leads_are_listed_not_moved(session, team):
    bl, (a, *_) = team
    contract = session.scalar(sa.text("select stage_id from sales_stages where name='contract'"))
    lead_since(session, bl, a, msk(2026, 1, 1), stage_id=contract)
    lead_since(session, bl, a, msk(2026, 1, 1), is_frozen=True)
    stale = lead_since(session, bl, a, msk(2026, 1, 1))
    summary = make(session, date(2026, 5, 1))
    assert (summary.stale, summary.protected, summary.frozen) == (1, 1, 1)
    assert sorted(x.verdict for x in summary.left_alone) == ["frozen", "protected"]
    assert set(planned(session, summary.plan_id)) == {stale.lead_id}


def test_apply_moves_once_restarts_clock_and_writes_history(session, team):
    bl, (a, b, c, d) = team
    leads = [lead_since(session, bl, a, msk(2026, 1, 1)) for _ in range(3)]
    summary = make(session, date(2026, 5, 1), policy="round_robin")
    assert reassignment.apply_plan(session, summary.plan_id, "head@example.com") == 3
    assert reassignment.apply_plan(session, summary.plan_id, "head@example.com") == 0
    session.expire_all()
    owners = [session.get(Lead, x.lead_id).owner_id for x in leads]
    assert sorted(owners) == sorted([b.employee_id, c.employee_id, d.employee_id])
    history = session.execute(
        sa.select(OwnershipChange.reason, OwnershipChange.from_owner_id).where(
            OwnershipChange.lead_id.in_([x.lead_id for x in leads])
        )
    )
    assert history.all() == [(OwnershipReason.stale_rule, a.employee_id)] * 3
    assert all(session.get(Lead, x.lead_id).owned_since > msk(2026, 5, 1) for x in leads)
    # Reassigned today: not stale again for three months.
    assert make(session, datetime.now(MSK).date() + timedelta(days=80), dry_run=True).stale == 0


def test_two_plans_of_the_same_leads_change_each_lead_once(session, team):
    bl, (a, *_) = team
    leads = [lead_since(session, bl, a, msk(2026, 1, 1)) for _ in range(4)]
    first, second = make(session, date(2026, 5, 1)), make(session, date(2026, 5, 1))
    assert reassignment.apply_plan(session, first.plan_id, "x@example.com") == 4
    assert reassignment.apply_plan(session, second.plan_id, "x@example.com") == 0
    changes = session.scalar(
        sa.select(sa.func.count())
        .select_from(OwnershipChange)
        .where(OwnershipChange.lead_id.in_([x.lead_id for x in leads]))
    )
    assert changes == 4


def test_owner_changed_by_a_person_meanwhile_wins(session, team):
    bl, (a, b, *_) = team
    lead = lead_since(session, bl, a, msk(2026, 1, 1))
    summary = make(session, date(2026, 5, 1))
    session.execute(
        sa.update(Lead)
        .where(Lead.lead_id == lead.lead_id)
        .values(owner_id=b.employee_id, owned_since=msk(2026, 5, 1, 12))
    )
    assert reassignment.apply_plan(session, summary.plan_id, "x@example.com") == 0


def test_leave_inactive_previous_owner_and_full_reps_get_nothing(session, team):
    bl, (a, b, c, d) = team
    session.add(
        LeavePeriod(
            employee_id=b.employee_id, starts_on=date(2026, 4, 20), ends_on=date(2026, 5, 10)
        )
    )
    c.is_active = False
    e = f.employee(session, bl.line_id, full_name="Rep E", capacity=0)
    leads = [lead_since(session, bl, a, msk(2026, 1, 1)) for _ in range(5)]
    history = OwnershipChange(
        lead_id=leads[0].lead_id,
        from_owner_id=d.employee_id,
        to_owner_id=a.employee_id,
        reason=OwnershipReason.manual,
    )
    session.add(history)
    session.flush()
    fresh = f.employee(session, bl.line_id, full_name="Rep F")
    targets = planned(session, make(session, date(2026, 5, 1)).plan_id)
    assert set(targets.values()) <= {d.employee_id, fresh.employee_id}
    assert targets[leads[0].lead_id] == fresh.employee_id
    assert e.employee_id not in targets.values()


def test_edits_apply_and_bad_edits_are_refused(session, team):
    bl, (a, b, c, d) = team
    x, y = (lead_since(session, bl, a, msk(2026, 1, 1)) for _ in range(2))
    summary = make(session, date(2026, 5, 1))
    refused = reassignment.change_targets(
        session,
        summary.plan_id,
        [TargetChange(lead_id=x.lead_id, to_employee_id=a.employee_id)],
        "head@example.com",
    )
    assert refused == [f"lead {x.lead_id}: employee {a.employee_id} already owns it"]
    reassignment.change_targets(
        session,
        summary.plan_id,
        [
            TargetChange(lead_id=x.lead_id, to_employee_id=c.employee_id),
            TargetChange(lead_id=y.lead_id, to_employee_id=None),
        ],
        "head@example.com",
    )
    reassignment.apply_plan(session, summary.plan_id, "head@example.com")
    session.expire_all()
    assert session.get(Lead, x.lead_id).owner_id == c.employee_id
    assert session.get(Lead, y.lead_id).owner_id is None


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"line": "Nope"}, "unknown business line 'Nope'"),
        ({"stale_after": "-3 months"}, "positive period"),
        ({"stale_after": "soon"}, "must look like"),
        ({"policy": "lottery"}, "unknown policy 'lottery'"),
    ],
)
def test_bad_parameters_are_refused_before_anything_changes(session, team, kw, message):
    bl, (a, *_) = team
    lead_since(session, bl, a, msk(2026, 1, 1))
    with pytest.raises(CrmError, match=message):
        make(session, date(2026, 5, 1), **kw)


def test_line_without_eligible_rep_is_refused(session):
    bl = f.line(session, "Lonely")
    owner = f.employee(session, bl.line_id, is_active=False)
    f.lead(session, bl.line_id, owner.employee_id, owned_since=msk(2026, 1, 1))
    with pytest.raises(CrmError, match="'Lonely' has no eligible rep"):
        make(session, date(2026, 5, 1), line="Lonely")


def test_parse_stale_after():
    assert parse_stale_after("3 months").model_dump() == {"months": 3, "days": 0}
    assert parse_stale_after("1 month 2 weeks").model_dump() == {"months": 1, "days": 14}
    assert parse_stale_after("90 days").model_dump() == {"months": 0, "days": 90}


def test_warnings_once_per_lead_per_ownership(session, team):
    bl, (a, *_) = team
    lead = lead_since(session, bl, a, msk(2026, 1, 10))
    period = parse_stale_after("3 months")

    def record(day):
        return reassignment_notify.record_warnings(
            session, line_id=None, stale_after=period, as_of=day, days_ahead=14
        )

    assert record(date(2026, 3, 20)) == 0
    assert record(date(2026, 3, 27)) == 1
    assert record(date(2026, 3, 28)) == 0
    letters, carried = reassignment_notify.warning_letters(
        session, reassignment_notify.claim_warnings(session), period
    )
    assert len(letters) == 1 and letters[0].to == a.email
    assert (
        letters[0].subject
        == "1 of your leads goes back to the line on 2026-04-10 unless a deal is won"
    )
    assert carried[a.email] == [(lead.lead_id, lead.owned_since)]
    assert reassignment_notify.claim_warnings(session) == []
    # A new ownership is a new clock, and so a new warning.
    session.execute(
        sa.update(Lead).where(Lead.lead_id == lead.lead_id).values(owned_since=msk(2026, 4, 1))
    )
    assert record(date(2026, 6, 20)) == 1


def test_apply_rechecks_what_changed_since_planning(session, team):
    bl, (a, b, c, d) = team
    protected, moved_on, fine = (lead_since(session, bl, a, msk(2026, 1, 1)) for _ in range(3))
    summary = make(session, date(2026, 5, 1), policy="round_robin")
    contract = session.scalar(sa.text("select stage_id from sales_stages where name='contract'"))
    protected.stage_id = contract
    target = session.get(Employee, planned(session, summary.plan_id)[moved_on.lead_id])
    target.is_active = False
    session.flush()
    assert reassignment.apply_plan(session, summary.plan_id, "x@example.com") == 1
    session.expire_all()
    assert session.get(Lead, protected.lead_id).owner_id == a.employee_id
    assert session.get(Lead, moved_on.lead_id).owner_id == a.employee_id
    assert session.get(Lead, fine.lead_id).owner_id != a.employee_id


def test_future_as_of_only_for_a_dry_run(session, team):
    future = datetime.now(MSK).date() + timedelta(days=3)
    with pytest.raises(CrmError, match="in the future"):
        make(session, future)
    assert make(session, future, dry_run=True).stale == 0


def test_one_letter_per_person_with_every_part_they_played(session, team):
    bl, (a, b, c, d) = team
    head = f.employee(session, bl.line_id, role=Role.head_of_sales, full_name="Head")
    for owner in (a, a, b, b):
        lead_since(session, bl, owner, msk(2026, 1, 1))
    summary = make(session, date(2026, 5, 1), policy="round_robin")
    reassignment.apply_plan(session, summary.plan_id, head.email)
    letters = reassignment_notify.plan_letters(session, summary.plan_id)
    recipients = [x.to for x in letters]
    assert len(recipients) == len(set(recipients))
    assert head.email in recipients and a.email in recipients
    both = [x for x in letters if "handed to other reps" in x.subject and "received" in x.subject]
    assert both, [x.subject for x in letters]


def test_no_warning_for_a_lead_frozen_or_won_since(session, team):
    bl, (a, *_) = team
    frozen, won = (lead_since(session, bl, a, msk(2026, 1, 10)) for _ in range(2))
    period = parse_stale_after("3 months")
    reassignment_notify.record_warnings(
        session, line_id=None, stale_after=period, as_of=date(2026, 3, 27), days_ahead=14
    )
    frozen.is_frozen = True
    session.add(Deal(lead_id=won.lead_id, amount=1, stage_id=won.stage_id, won_at=msk(2026, 3, 28)))
    session.flush()
    assert reassignment_notify.claim_warnings(session) == []
