"""The three-month rule at scale: find, plan and apply against a bare UPDATE ... FROM.

    .venv/bin/python benchmarks/bench_reassignment.py [--leads 1000000] [--stale 100000]

A scratch database gets 5 lines, 200 reps, `--leads` open leads with one history row each,
`--stale` of them past three months. Measured: the rule's find + plan (stored) and its apply;
the floor, in the same run, is one bare `UPDATE leads ... FROM` of the same leads' owners plus
the history insert, with nothing else. Target: within 3x the floor and under 30 s.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_rss_mb, scratch_engine, timed  # noqa: E402
from tasks import reassignment  # noqa: E402
from tasks.lines import add_line  # noqa: E402

AS_OF = date(2026, 11, 23)
LINES, REPS_PER_LINE = 5, 40

SEED_SQL = """
insert into employees (full_name, email, capacity)
select 'Rep ' || n, 'rep' || n || '@bench.example', case when n % 4 = 0 then 30000 end
from generate_series(1, :reps) as n;

insert into employee_lines (employee_id, line_id, role)
select e.employee_id, l.line_id, 'rep'
from employees as e
join (select line_id, row_number() over (order by line_id) - 1 as k from business_lines) as l
  on (e.employee_id - 1) % :lines = l.k;

insert into organisations (name)
select 'Org ' || n from generate_series(1, :leads) as n;

-- Every tenth lead (up to :stale) has been owned since July; the others since November.
insert into leads (organisation_id, line_id, owner_id, owned_since, stage_id)
select o.organisation_id, l.line_id, r.employee_id,
       case when o.organisation_id % 10 = 0 and o.organisation_id / 10 <= :stale
            then timestamptz '2026-07-01 10:00+03'
                 + (o.organisation_id % 1000) * interval '1 minute'
            else timestamptz '2026-11-01 10:00+03' end,
       (select stage_id from sales_stages s where s.line_id = l.line_id order by position limit 1)
from organisations as o
join (select line_id, row_number() over (order by line_id) - 1 as k from business_lines) as l
  on o.organisation_id % :lines = l.k
join lateral (
    select el.employee_id from employee_lines as el where el.line_id = l.line_id
    order by el.employee_id offset (o.organisation_id / :lines) % :per_line limit 1
) as r on true;

insert into ownership_changes (lead_id, to_owner_id, reason, changed_at)
select lead_id, owner_id, 'import', owned_since from leads;
"""

FLOOR_SQL = """
with changed as (
    update leads as l set owner_id = i.from_owner_id, owned_since = now()
    from reassignment_items as i
    where i.plan_id = :plan_id and i.lead_id = l.lead_id and i.to_owner_id is not null
    returning l.lead_id, i.to_owner_id as from_owner_id, i.from_owner_id as to_owner_id
)
insert into ownership_changes (lead_id, from_owner_id, to_owner_id, reason)
select lead_id, from_owner_id, to_owner_id, 'manual' from changed
"""


def seed(engine, leads: int, stale: int) -> float:
    def work():
        with Session(engine) as session, session.begin():
            for n in range(LINES):
                add_line(session, f"Line {n + 1}")
            for statement in SEED_SQL.split(";\n\n"):
                session.execute(
                    sa.text(statement),
                    {
                        "reps": LINES * REPS_PER_LINE,
                        "lines": LINES,
                        "leads": leads,
                        "stale": stale,
                        "per_line": REPS_PER_LINE,
                    },
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("vacuum analyze"))

    return timed(work)[0]


def main(args: argparse.Namespace) -> None:
    with scratch_engine("bench_reassign") as engine:
        seed_s = seed(engine, args.leads, args.stale)

        def plan():
            with Session(engine) as session, session.begin():
                return reassignment.make_plan(
                    session,
                    line=None,
                    stale_after="3 months",
                    policy=args.policy,
                    as_of=AS_OF,
                    dry_run=False,
                )

        def apply(plan_id):
            with Session(engine) as session, session.begin():
                return reassignment.apply_plan(session, plan_id, "bench@example.com")

        plan_s, summary = timed(plan)
        apply_s, applied = timed(lambda: apply(summary.plan_id))
        rss = peak_rss_mb()

        def floor():
            with engine.begin() as conn:
                return conn.execute(sa.text(FLOOR_SQL), {"plan_id": summary.plan_id}).rowcount

        floor_s, floor_rows = timed(floor)
        total = plan_s + apply_s
        print(
            f"base: {args.leads:,} open leads, {LINES * REPS_PER_LINE} reps in {LINES} lines, "
            f"seeded in {seed_s:.1f} s"
        )
        print(
            f"policy: {args.policy or 'per line (least_loaded)'}; stale found and planned: "
            f"{summary.stale:,} ({summary.to_pool} to the pool)"
        )
        print(f"find + plan (stored):   {plan_s:6.2f} s")
        print(f"apply (one statement):  {apply_s:6.2f} s   {applied:,} leads changed owner")
        print(f"rule total:             {total:6.2f} s")
        print(
            f"floor (bare UPDATE ... FROM + history insert, {floor_rows:,} rows): {floor_s:.2f} s"
        )
        print(f"ratio rule / floor: {total / floor_s:.2f}  (target <= 3, and total < 30 s)")
        print(f"peak RSS: {rss:,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--stale", type=int, default=100_000)
    parser.add_argument("--policy", choices=["round_robin", "least_loaded", "capacity"])
    main(parser.parse_args())
