"""Reports at scale: the management report of a month over a large base, against its queries.

    .venv/bin/python benchmarks/bench_reports.py [--leads 1000000] [--small 100000] [--repeat 2]

A scratch database gets five lines of 40 reps (heads for four, a director) and `--leads` leads
with ten activities each, two years of history, stage changes (about 3.8 a lead), owner
changes, deals and 160,000 campaign letters in the month reported (benchmarks/_report_data.py,
all loaded with COPY). The indexes the report queries need (migrations 0007 and 0008,
REPORT_INDEXES) are dropped for the load and built again after it, then VACUUM ANALYZE.

Measured, for October 2026 and every line, first on `--small` leads and then on all of them:
  * full: the management report as the flow makes it: every query, the tables laid out, the
    charts drawn, HTML, CSV and XLSX written for all lines and for each line, and each
    recipient's letter rendered with its charts and attachments (not sent);
  * floor: the bare aggregate queries alone (the same named SQL in one repeatable-read
    transaction, rows fetched), nothing rendered.
Printed: seconds (best of `--repeat`), the ratio full / floor, the time of each query, and the
peak memory of each phase (the process's resident high-water mark, reset before it): the report
holds aggregates, so the figure should not grow with the base. Targets: within 1.5x the floor,
under 60 s, memory independent of table size.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _report_data as data  # noqa: E402
from benchmarks._common import scratch_engine, timed  # noqa: E402

# The indexes the report queries need (models/sql/reports.sql), as migration 0007 makes them.
REPORT_INDEXES = (
    # Contacts held in a period (rep_workload), and plans not yet held at its end (lead_facts).
    "create index ix_activities_held_at on activities (held_at)",
    # Meetings planned for a period (rep_workload).
    "create index ix_activities_meetings_planned_at on activities (planned_at)"
    " where kind = 'meeting'",
    # Each lead's last contact and its next-contact date, read backwards, index only
    # (lead_facts).
    "create index ix_activities_lead_contacts on activities (lead_id, held_at)"
    " include (next_contact_date) where status = 'done' and kind <> 'note'",
    # Contacts planned and not logged (lead_facts).
    "create index ix_activities_planned on activities (planned_at) where status = 'planned'",
    # Leads created in a period (rep_workload) and closed in it (stage_funnel).
    "create index ix_leads_created_at on leads (created_at)",
    "create index ix_leads_closed_at on leads (closed_at) where closed_at is not null",
    # Campaign letters of a period (campaign_effect).
    "create index ix_campaign_sends_letter_at on campaign_sends ((coalesce(sent_at, claimed_at)))"
    " where status in ('sent', 'failed', 'unknown')",
    # Migration 0008: each lead's stage at the end of the period and since when, read
    # backwards index only (lead_facts); the stay a change ends (stage_funnel).
    "create index ix_lead_stage_changes_lead_changed_at on lead_stage_changes"
    " (lead_id, changed_at, lead_stage_change_id) include (to_stage_id)",
    # The stage changes of a period (stage_funnel).
    "create index ix_lead_stage_changes_changed_at on lead_stage_changes (changed_at)",
)
# Campaign letters: four campaigns, each to 4 of 5 of these persons.
PERSONS = 50_000


def _status_mb(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024


def peak_mb() -> float:
    return _status_mb("VmHWM")


def reset_peak() -> float:
    """Linux: the resident high-water mark starts again from the current size (returned)."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def indexes(engine, create: bool) -> float:
    def run():
        with engine.begin() as conn:
            for ddl in REPORT_INDEXES:
                name = ddl.split()[2]
                conn.execute(sa.text(ddl if create else f"drop index if exists {name}"))

    seconds, _ = timed(run)
    if create:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    return seconds


def load(engine, team, first: int, last: int) -> float:
    from models.report_history import history_copied

    def run():
        with engine.begin() as conn:
            # The generated rows are consistent by construction: skip the per-row foreign-key
            # triggers (a superuser setting; without it the load is only slower).
            with contextlib.suppress(sa.exc.DBAPIError), conn.begin_nested():
                conn.execute(sa.text("set local session_replication_role = replica"))
            # The stage history is generated with the leads (several changes for many of
            # them) and copied; the insert trigger, which would add each lead's first entry
            # (+65% on the leads' COPY, measured), leaves it to the load.
            history_copied(conn, True)
            for start in range(first, last + 1, 100_000):
                data.load_leads(conn, team, start, min(start + 99_999, last))

    seconds, _ = timed(run)
    return seconds


def measure(engine, repeat: int) -> dict:
    from models.sql import query
    from tasks.report_delivery import audience, report_letter
    from tasks.report_management import (
        MANAGEMENT_QUERIES,
        ManagementOptions,
        management_report,
        query_params,
    )
    from tasks.report_period import Period
    from tasks.report_render import save_report
    from tasks.report_steps import SNAPSHOT

    period = Period(first_day=data.PERIOD[0], last_day=data.PERIOD[1])
    params = query_params(period, None, ManagementOptions())
    per_query: dict[str, float] = {}

    def floor():
        with Session(engine) as session, session.begin():
            session.connection(execution_options=SNAPSHOT)
            for name in ("report_lines", *MANAGEMENT_QUERIES):
                started = time.perf_counter()
                result = session.execute(query("reports", name), params)
                if result.returns_rows:
                    result.all()
                per_query[name] = time.perf_counter() - started

    def full():
        with Session(engine) as session, session.begin():
            session.connection(execution_options=SNAPSHOT)
            report = management_report(session, period)
            people = audience(session, report)
        saved = save_report(report)
        letters = [report_letter(report, saved, r) for r in people.recipients]
        return report, letters

    floor()  # warm the cache: both are then measured on the same footing
    runs = {"floor": [], "full": []}
    peaks = {"floor": 0.0, "full": 0.0}
    growth = {"floor": 0.0, "full": 0.0}
    result = None
    for _ in range(repeat):
        for name, action in (("full", full), ("floor", floor)):
            before = reset_peak()
            seconds, out = timed(action)
            runs[name].append(seconds)
            peaks[name] = max(peaks[name], peak_mb())
            growth[name] = max(growth[name], peak_mb() - before)
            result = out if name == "full" else result
    report, letters = result
    return {
        "floor": min(runs["floor"]),
        "full": min(runs["full"]),
        "peak_floor": peaks["floor"],
        "peak_full": peaks["full"],
        "growth_floor": growth["floor"],
        "growth_full": growth["full"],
        "per_query": dict(per_query),
        "rows": sum(len(t.rows) for t in report.tables.values()),
        "letters": len(letters),
        "letter_mb": sum(len(a.content) for x in letters for a in x.attachments) / 2**20,
    }


def show(label: str, leads: int, m: dict) -> None:
    print(
        f"{label}: {leads:,} leads, {leads * data.ACTIVITIES_PER_LEAD:,} activities: full report "
        f"{m['full']:.2f} s, floor {m['floor']:.2f} s, ratio {m['full'] / m['floor']:.2f}; "
        f"peak RSS full {m['peak_full']:.0f} MB (+{m['growth_full']:.0f} MB in the run), "
        f"floor {m['peak_floor']:.0f} MB (+{m['growth_floor']:.0f} MB); "
        f"{m['rows']:,} table rows, {m['letters']} letters "
        f"({m['letter_mb']:.1f} MB attached)"
    )
    print("  queries: " + ", ".join(f"{k} {v:.2f} s" for k, v in m["per_query"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    small = min(args.small, args.leads)
    # Saved reports go to a scratch folder, not the project's.
    os.environ["CRM_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-reports-")
    from models.settings import get_settings

    get_settings.cache_clear()
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")  # fmt: skip
    with scratch_engine("bench_reports") as engine:
        with engine.begin() as conn:
            team = data.Team(conn)
        indexes(engine, False)
        seconds = load(engine, team, 1, small)
        with engine.begin() as conn:
            persons = min(PERSONS, small)  # they work in the organisations loaded first
            data.load_campaigns(conn, team, persons, persons * 4 // 5)
        print(f"loaded {small:,} leads in {seconds:.1f} s; report indexes in "
              f"{indexes(engine, True):.1f} s")  # fmt: skip
        show("small", small, measure(engine, args.repeat))
        if args.leads > small:
            indexes(engine, False)
            seconds = load(engine, team, small + 1, args.leads)
            print(f"loaded {args.leads - small:,} more leads in {seconds:.1f} s; report indexes "
                  f"in {indexes(engine, True):.1f} s")  # fmt: skip
            show("full size", args.leads, measure(engine, args.repeat))
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
