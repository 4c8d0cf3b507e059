"""Every figure of the management report against the hand count of tests/report_base.py
(the week of 4-10 May 2026); the days are hours counted on a calendar, over 24."""

from datetime import date

import pytest

from tasks.report_management import ManagementOptions, management_report
from tasks.report_period import Period
from tests.report_base import management_base

WEEK = Period(first_day=date(2026, 5, 4), last_day=date(2026, 5, 10))
ZERO = dict.fromkeys(
    ("open_leads", "new_leads", "calls", "emails", "meetings", "meetings_planned",
     "meetings_held", "no_shows", "meetings_cancelled", "meetings_open", "overdue_contacts",
     "stuck_leads", "won_deals", "leads_taken", "leads_received"), 0,
)  # fmt: skip


@pytest.fixture
def base(session):
    return management_base(session)


@pytest.fixture
def report(session, base):
    return management_report(session, WEEK)


def figures(row: dict) -> dict:
    return {k: row[k] for k in ZERO}


def workload(report, line: str, employee: str | None, is_total: bool = False) -> dict:
    rows = [r for r in report.table("workload").rows
            if r["line"] == line and r["is_total"] == is_total
            and (is_total or r["employee"] == employee)]  # fmt: skip
    assert len(rows) == 1, rows
    return rows[0]


def test_workload_per_rep(report):
    anna = workload(report, "Equipment", "Anna Rep")
    # L1 counts for Anna: the change to Boris came after the period.
    assert figures(anna) == ZERO | dict(
        open_leads=2, calls=1, emails=1, meetings=1, meetings_planned=3, meetings_held=1,
        no_shows=1, meetings_cancelled=1, overdue_contacts=1, won_deals=2, leads_taken=1,
    )  # fmt: skip
    assert anna["no_show_rate"] == pytest.approx(0.5)
    boris = workload(report, "Equipment", "Boris Rep")
    assert figures(boris) == ZERO | dict(
        open_leads=3, new_leads=1, calls=1, emails=1, overdue_contacts=1, stuck_leads=1,
        leads_taken=1, leads_received=1,
    )  # fmt: skip
    assert boris["no_show_rate"] is None  # no meeting planned: no rate, not 0%
    pool = workload(report, "Equipment", "Unassigned pool")
    assert figures(pool) == ZERO | dict(open_leads=1, stuck_leads=1, leads_received=1)
    assert figures(workload(report, "Service", "Sergey Rep")) == ZERO | dict(
        open_leads=1, new_leads=1, calls=1
    )
    assert figures(workload(report, "Nobody", "Nina Rep")) == ZERO | dict(
        open_leads=1, new_leads=1, calls=1
    )


def test_workload_totals_per_line_and_all_lines(report):
    equipment = workload(report, "Equipment", None, is_total=True)
    assert figures(equipment) == dict(
        open_leads=6, new_leads=1, calls=2, emails=2, meetings=1, meetings_planned=3,
        meetings_held=1, no_shows=1, meetings_cancelled=1, meetings_open=0, overdue_contacts=2,
        stuck_leads=2, won_deals=2, leads_taken=2, leads_received=2,
    )  # fmt: skip
    assert equipment["no_show_rate"] == pytest.approx(0.5)
    everything = workload(report, "All lines", None, is_total=True)
    assert everything["line_id"] is None
    assert figures(everything) == figures(equipment) | dict(open_leads=8, new_leads=3, calls=4)
    # Nobody but the reps and the pool: heads and directors logged nothing.
    names = {r["employee"] for r in report.table("workload").rows if not r["is_total"]}
    assert names == {"Anna Rep", "Boris Rep", "Unassigned pool", "Sergey Rep", "Nina Rep"}


FUNNEL = ("first call", "meeting", "proposal", "paid", "lost")


def funnel(report, line: str) -> dict[str, dict]:
    return {r["stage"]: r for r in report.table("funnel").rows if r["line"] == line}


def column(rows: dict[str, dict], key: str) -> list:
    return [rows[stage][key] for stage in FUNNEL]


def test_stage_funnel_entries_and_conversion_from_the_history(report):
    rows = funnel(report, "Equipment")
    assert list(rows) == list(FUNNEL)
    # Entered in the period: first call L4 (created 5 May); meeting L8 (5 May), L2 (6 May);
    # proposal L6 (4 May), L8 (9 May); paid L6 (won 8 May); lost L7 (7 May). L4's move to
    # meeting and L12's creation on 12 May are after the period.
    assert column(rows, "entered") == [1, 2, 2, 1, 1]
    # Of them, by the end of the period in a later stage (lost does not count): L8 from
    # meeting to proposal, L6 from proposal to paid; L4 moved only on 12 May.
    assert column(rows, "moved_on") == [0, 1, 1, None, None]
    assert column(rows, "conversion_to_next") == [0, 0.5, 0.5, None, None]


def test_stage_funnel_leads_in_each_stage_at_the_end_of_the_period(report):
    rows = funnel(report, "Equipment")
    # Open at the end, in the stage they were in then: L1, L4 (meeting only since 12 May), L5;
    # L2; L3, L8. L6 and L7 closed in the period.
    assert column(rows, "in_stage") == [3, 1, 2, 0, 0]
    # More than 30 days in the stage at the end: L1 (39.5 days) and L5 (99); L3 (70.5).
    assert column(rows, "stuck_in_stage") == [2, 0, 1, 0, 0]
    # Days since the last contact of those: L1 4.5, L4 5.625, L5 99 | L2 3 d 13 h | L3 70 d
    # 14 h, L8 3.5.
    idle = [float(v) if v is not None else None for v in column(rows, "median_days_idle")]
    assert idle == pytest.approx([5.625, 3 + 13 / 24, (70 + 14 / 24 + 3.5) / 2, None, None])


def test_stage_funnel_median_time_in_stage(report):
    rows = funnel(report, "Equipment")
    # Every stay in the stage during the period, from entering it to the next change, or to
    # the end of the period for the leads still there:
    # first call: ended in the period L6 78 d (15 Feb - 4 May), L8 120 (5 Jan - 5 May),
    #   L2 65 d 22 h (1 Mar 12:00 - 6 May 10:00), L7 17 (20 Apr - 7 May); still there L1 39.5,
    #   L4 5.625, L5 99; the median of the seven is L2's.
    # meeting: L8 4 d (5 - 9 May), L2 4 d 14 h (6 May 10:00 - the end); L3's stay ended in
    #   March, before the period.
    # proposal: L6 4 d (4 - 8 May), L3 70.5, L8 1.5.
    # paid: nobody stays (L6 closed there); lost: not a stage to stay in.
    days = [float(v) if v is not None else None for v in column(rows, "median_days_in_stage")]
    assert days == pytest.approx([65 + 22 / 24, (4 + 4 + 14 / 24) / 2, 4.0, None, None])


def test_stage_funnel_of_the_other_lines(report):
    service = funnel(report, "Service")["first call"]
    assert (service["entered"], service["moved_on"], service["in_stage"]) == (1, 0, 1)
    assert float(service["median_days_in_stage"]) == pytest.approx(4.5)  # L9 from 6 May 12:00
    assert funnel(report, "Nobody")["first call"]["entered"] == 1


def test_stage_funnel_threshold(session, base):
    strict = management_report(session, WEEK, options=ManagementOptions(stuck_after_days=5))
    # Longer than 5 days in the stage: L1, L4, L5 | none (L2 4 d 14 h) | L3.
    assert column(funnel(strict, "Equipment"), "stuck_in_stage") == [3, 0, 1, 0, 0]


def test_stuck_leads_longest_first(report, base):
    rows = [r for r in report.table("stuck_leads").rows if r["line"] == "Equipment"]
    assert [r["lead_id"] for r in rows] == [base.leads["L5"], base.leads["L3"]]
    assert [round(float(r["days_idle"]), 3) for r in rows] == [99.0, round(70 + 14 / 24, 3)]
    assert [r["owner"] for r in rows] == [None, "Boris Rep"]
    assert [r["stage"] for r in rows] == ["first call", "proposal"]
    assert [float(r["days_in_stage"]) for r in rows] == [99.0, 70.5]
    assert not [r for r in report.table("stuck_leads").rows if r["line"] != "Equipment"]


def test_a_stricter_threshold_finds_more_stuck_leads(session, base):
    strict = management_report(session, WEEK, options=ManagementOptions(stuck_after_days=5))
    # Idle longer than 5 days: L3, L5 and L4 (5.625 days since it was created).
    assert workload(strict, "Equipment", None, is_total=True)["stuck_leads"] == 3


def test_deals_won_per_rep_and_currency(report):
    rows = {(r["line"], r["owner"], r["currency"]): (r["won_deals"], r["amount"])
            for r in report.table("deals_won").rows}  # fmt: skip
    assert rows == {
        ("Equipment", "Anna Rep", "EUR"): (1, 5000),
        ("Equipment", "Anna Rep", "RUB"): (1, 100000),
        ("Equipment", "Total", "EUR"): (1, 5000),
        ("Equipment", "Total", "RUB"): (1, 100000),
        ("All lines", "Total", "EUR"): (1, 5000),
        ("All lines", "Total", "RUB"): (1, 100000),
    }


def test_campaign_effect(report, base):
    rows = {(r["campaign"], r["line"]): r for r in report.table("campaigns").rows}
    keys = ("sent", "delivered", "failed", "unknown", "unsubscribed", "new_leads",
            "meetings_held", "won_deals")  # fmt: skip

    def of(campaign, line):
        return tuple(rows[campaign, line][k] for k in keys)

    # Olga's letter went before the period; the deal of 12 May is after its end.
    assert of("Equipment news", "Equipment") == (4, 2, 1, 1, 1, 0, 1, 1)
    assert rows["Equipment news", "Equipment"]["won_amounts"] == {"EUR": 5000}
    assert of("Equipment news", "All lines") == (4, 2, 1, 1, 1, 0, 1, 1)
    # A campaign of no line: what followed in each line, and over all of them.
    assert of("Company news", "Equipment") == (1, 1, 0, 0, 0, 0, 1, 1)
    assert of("Company news", "Service") == (1, 1, 0, 0, 0, 1, 0, 0)
    assert of("Company news", "Nobody") == (1, 1, 0, 0, 0, 0, 0, 0)
    assert of("Company news", "All lines") == (1, 1, 0, 0, 0, 1, 1, 1)
    assert rows["Company news", "Service"]["won_amounts"] == {}
    assert len(rows) == 6


def test_reassignments_by_reason(report):
    rows = {(r["line"], r["reason"]): (r["changes"], r["leads"], r["to_pool"])
            for r in report.table("reassignments").rows}  # fmt: skip
    # The change of 12 May is after the period; imports are not reassignments.
    assert rows == {
        ("Equipment", "released"): (1, 1, 1),
        ("Equipment", "stale_rule"): (1, 1, 0),
        ("Equipment", "Total"): (2, 2, 1),
        ("All lines", "Total"): (2, 2, 1),
    }


def test_summary_picks_the_line_totals(report):
    rows = {r["line"]: r for r in report.table("summary").rows}
    assert list(rows) == ["Equipment", "Nobody", "Service", "All lines"]
    assert rows["Equipment"]["open_leads"] == 6 and rows["Equipment"]["reassigned"] == 2
    assert rows["Equipment"]["won_amount"] == {"EUR": 5000, "RUB": 100000}
    assert rows["Service"]["won_amount"] == {} and rows["All lines"]["open_leads"] == 8
    assert all(line.has_data for line in report.lines) and not report.is_empty


def test_one_line_only(session, base):
    report = management_report(session, WEEK, line="Service")
    assert [line.name for line in report.lines] == ["Service"]
    lines = {r["line"] for t in report.tables.values() for r in t.rows}
    assert lines <= {"Service", "All lines"}
    assert workload(report, "All lines", None, is_total=True)["open_leads"] == 1
    assert [c["campaign"] for c in report.table("campaigns").rows] == ["Company news"] * 2


def test_a_period_with_no_data_says_so(session, base):
    quiet = Period(first_day=date(2025, 1, 6), last_day=date(2025, 1, 12))
    report = management_report(session, quiet)
    assert report.is_empty and not any(line.has_data for line in report.lines)
    assert figures(workload(report, "All lines", None, is_total=True)) == ZERO
    assert not report.table("deals_won").rows and not report.table("campaigns").rows
    assert report.title == "Management report, week 2 of 2025 (6–12 Jan)"


def test_an_empty_store_makes_an_empty_report(session):
    report = management_report(session, WEEK)
    assert report.lines == [] and report.is_empty
    assert [r["line"] for r in report.table("summary").rows] == ["All lines"]
