"""A large sales base for bench_reports.py, generated column-wise with numpy and loaded with COPY.

Five lines of 40 reps (a head of sales for four of them, a director), organisations and one lead
each, two years of history before AS_OF: statuses, stages decreasing along the funnel, each
lead's stage history (every stage on its way, about 3.8 changes a lead), owner history with 5%
reassigned leads, ACTIVITIES_PER_LEAD activities per lead (calls, e-mails,
meetings with no-shows and cancellations, notes, next-contact dates, planned contacts ahead and
some missed), deals for won and some open leads, and campaign letters in the report's month.
Leads are loaded in ranges, so a smaller base can be measured first and then grown.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks.bulk_copy import copy_file
from tasks.lines import add_line

AS_OF = date(2026, 11, 1)  # the monthly run for October 2026, on its first morning
LINES, REPS_PER_LINE, ACTIVITIES_PER_LEAD = 5, 40, 10
HISTORY_DAYS, DAY = 730, 1440
START = AS_OF - timedelta(days=HISTORY_DAYS)
NOW = HISTORY_DAYS * DAY  # minutes since START
PERIOD = (date(2026, 10, 1), date(2026, 10, 31))
_DAYS = [(START + timedelta(days=d)).isoformat() for d in range(HISTORY_DAYS + 60)]
_HOURS = [f"{m // 60:02d}:{m % 60:02d}" for m in range(DAY)]
_KINDS = np.array(["call", "email", "meeting", "note"])
_KIND_P = [0.50, 0.28, 0.17, 0.05]
_NULL = "\\N"


def stamp(minutes: np.ndarray) -> list[str]:
    return [f"{_DAYS[m // DAY]} {_HOURS[m % DAY]}+00" for m in minutes.tolist()]


def day(minutes: np.ndarray) -> list[str]:
    return [_DAYS[m // DAY] for m in minutes.tolist()]


def _nullable(values: list[str], present: np.ndarray) -> list[str]:
    return [v if p else _NULL for v, p in zip(values, present.tolist(), strict=True)]


def _copy(conn: sa.Connection, table: str, columns: dict[str, list]) -> None:
    """COPY text of whole columns (all values already text; no escaping is needed here)."""
    texts = [list(map(str, c)) if not isinstance(c[0], str) else c for c in columns.values()]
    payload = "".join(line + "\n" for line in map("\t".join, zip(*texts, strict=True)))
    copy_file(conn, table, list(columns), payload.encode("utf-8"))


class Team:
    def __init__(self, conn: sa.Connection) -> None:
        with Session(bind=conn) as session:
            for n in range(LINES):
                add_line(session, f"Line {n + 1}")
            session.flush()
        conn.execute(
            sa.text(
                "insert into employees (full_name, email)"
                " select 'Rep ' || n, 'rep' || n || '@bench.example'"
                " from generate_series(1, :reps) as n;"
                " insert into employee_lines (employee_id, line_id, role)"
                " select e.employee_id, l.line_id, 'rep' from employees e"
                " join (select line_id, row_number() over (order by line_id) - 1 as k"
                "       from business_lines) l on (e.employee_id - 1) / :per_line = l.k;"
                " insert into employees (full_name, email)"
                " select 'Head ' || n, 'head' || n || '@bench.example'"
                " from generate_series(1, 4) n;"
                " insert into employee_lines (employee_id, line_id, role)"
                " select e.employee_id, l.line_id, 'head_of_sales' from employees e"
                " join business_lines l on l.name = 'Line ' || substr(e.full_name, 6)"
                " where e.full_name like 'Head %';"
                " insert into employees (full_name, email)"
                " values ('Director', 'dir@bench.example');"
                " insert into employee_lines (employee_id, line_id, role)"
                " select e.employee_id, min(l.line_id), 'director' from employees e,"
                " business_lines l where e.email = 'dir@bench.example' group by 1"
            ),
            {"reps": LINES * REPS_PER_LINE, "per_line": REPS_PER_LINE},
        )
        self.line_ids = np.array(
            conn.execute(sa.text("select line_id from business_lines order by line_id"))
            .scalars()
            .all()
        )
        self.reps = np.array(
            conn.execute(
                sa.text(
                    "select employee_id from employee_lines where role = 'rep'"
                    " order by line_id, employee_id"
                )
            )
            .scalars()
            .all()
        ).reshape(LINES, REPS_PER_LINE)
        stages = (
            conn.execute(sa.text("select stage_id from sales_stages order by line_id, position"))
            .scalars()
            .all()
        )
        self.stages = np.array(stages).reshape(LINES, -1)  # first call ... closed, lost


def load_leads(conn: sa.Connection, team: Team, first: int, last: int, seed: int = 7) -> int:
    """Organisations, leads, owner history, activities and deals of leads first..last."""
    rng = np.random.default_rng(seed + first)
    ids = np.arange(first, last + 1)
    n = len(ids)
    _copy(conn, "organisations", {"organisation_id": ids, "name": [f"Org {i}" for i in ids]})
    line = ids % LINES
    rep = (ids // LINES) % REPS_PER_LINE
    owner = team.reps[line, rep]
    pooled = ids % 20 == 0
    created = rng.integers(0, NOW - DAY, n)
    u = rng.random(n)
    won, lost = u < 0.15, (u >= 0.15) & (u < 0.23)
    closed = ~(won | lost)
    closed_at = created + (rng.random(n) * (NOW - created)).astype(np.int64)
    position = np.minimum(rng.geometric(0.3, n) - 1, 6)
    position = np.where(won, 7, np.where(lost, 8, position))
    end = np.where(closed, NOW, closed_at)
    moved = (ids % 20 == 7) & closed  # reassigned by the three-month rule, open
    moved_at = created + ((end - created) // 2)
    owned_since = np.where(moved, moved_at, created)
    _copy(conn, "leads", {
        "lead_id": ids, "organisation_id": ids, "line_id": team.line_ids[line],
        "owner_id": _nullable(list(map(str, owner)), ~pooled),
        "owned_since": stamp(owned_since), "stage_id": team.stages[line, position],
        "status": np.where(won, "won", np.where(lost, "lost", "open")).tolist(),
        "closed_at": _nullable(stamp(closed_at), ~closed), "created_at": stamp(created),
    })  # fmt: skip
    _stage_history(conn, rng, ids, team.line_ids[line], team.stages[line], position, lost,
                   closed, created, end)  # fmt: skip
    previous = team.reps[line, (rep + 1) % REPS_PER_LINE]
    owned = ~pooled
    first_owner = np.where(moved, previous, owner)
    _copy(conn, "ownership_changes", {
        "lead_id": np.concatenate([ids[owned], ids[moved & owned]]),
        "from_owner_id": [_NULL] * int(owned.sum()) + list(map(str, previous[moved & owned])),
        "to_owner_id": np.concatenate([first_owner[owned], owner[moved & owned]]),
        "reason": ["import"] * int(owned.sum()) + ["stale_rule"] * int((moved & owned).sum()),
        "changed_at": stamp(created[owned]) + stamp(moved_at[moved & owned]),
    })  # fmt: skip
    # A pool lead's past contacts were made by the line's first rep.
    _activities(conn, rng, ids, np.where(pooled, team.reps[line, 0], owner), created, end, closed)
    dealt = won | (closed & (ids % 10 < 2))
    _copy(conn, "deals", {
        "lead_id": ids[dealt],
        "amount": [f"{a:.2f}" for a in rng.integers(10_000, 5_000_000, int(dealt.sum()))],
        "currency": np.where(ids[dealt] % 9 == 0, "EUR", "RUB").tolist(),
        "stage_id": team.stages[line, position][dealt],
        "created_at": stamp(((created + end) // 2)[dealt]),
        "won_at": _nullable(stamp(closed_at[dealt]), won[dealt]),
    })  # fmt: skip
    return n


def _stage_history(conn, rng, ids, line_ids, stages, position, lost, is_open, created, end):
    """Each lead's way through the stages: every one from the first to where it is (the won
    ones through all of them), a lost lead from where it got to; the changes spread over its
    life, the last one a closed lead's closing. The triggers would write only the first entry,
    so the bench loads with crm.stage_history = 'copied' and copies the whole history."""
    reached = np.minimum(rng.geometric(0.5, len(ids)) - 1, 3)
    steps = np.where(lost, reached + 2, position + 1)
    lead = np.repeat(np.arange(len(ids)), steps)
    n = np.arange(int(steps.sum())) - np.repeat(np.cumsum(steps) - steps, steps)
    last = n == steps[lead] - 1
    spread = (end - created)[lead] * (n + 0.8 * rng.random(len(n))) / steps[lead]
    moment = np.where(n == 0, created[lead], created[lead] + spread.astype(np.int64))
    moment = np.where(last & (n > 0) & ~is_open[lead], end[lead], moment)
    to_stage = stages[lead, np.where(lost[lead] & last, 8, n)]
    from_stage = np.roll(to_stage, 1)
    _copy(conn, "lead_stage_changes", {
        "lead_id": ids[lead], "line_id": line_ids[lead],
        "from_stage_id": _nullable(list(map(str, from_stage)), n > 0),
        "to_stage_id": to_stage, "changed_at": stamp(moment),
    })  # fmt: skip


def _activities(conn, rng, ids, who, created, end, is_open) -> None:
    n, k = len(ids), ACTIVITIES_PER_LEAD
    lead = np.repeat(ids, k)
    employee = np.repeat(who, k)
    start, stop = np.repeat(created, k), np.repeat(end, k)
    moment = start + (rng.random(n * k) * (stop - start - 1)).astype(np.int64)
    kind = _KINDS[rng.choice(4, n * k, p=_KIND_P)]
    chance = rng.random(n * k)
    meeting = kind == "meeting"
    status = np.where(
        meeting & (chance < 0.10),
        "no_show",
        np.where(meeting & (chance < 0.14), "cancelled", "done"),
    ).astype("<U9")
    # Of an open lead: its first activity is a contact planned ahead (30%) or missed (2%).
    first = (np.arange(n * k) % k == 0) & np.repeat(is_open, k)
    ahead, missed = first & (chance < 0.30), first & (chance >= 0.30) & (chance < 0.32)
    moment = np.where(ahead, NOW + rng.integers(DAY, 20 * DAY, n * k), moment)
    moment = np.where(missed, NOW - rng.integers(DAY, 30 * DAY, n * k), moment)
    status[ahead | missed] = "planned"
    done = status == "done"
    planned_at = meeting | ahead | missed | (rng.random(n * k) < 0.4)
    promise = done & (rng.random(n * k) < 0.3)
    promised = moment + rng.integers(3 * DAY, 20 * DAY, n * k)
    stamps = stamp(moment)
    _copy(conn, "activities", {
        "lead_id": lead, "employee_id": employee, "kind": kind.tolist(), "status": status.tolist(),
        "planned_at": _nullable(stamps, planned_at), "held_at": _nullable(stamps, done),
        "next_contact_date": _nullable(day(np.minimum(promised, NOW + 50 * DAY)), promise),
        "created_at": stamp(np.where(ahead, NOW - DAY, moment)),
    })  # fmt: skip


def load_campaigns(conn: sa.Connection, team: Team, persons: int, letters: int) -> None:
    """Contact persons of the first organisations and four campaigns' letters in October."""
    rng = np.random.default_rng(11)
    ids = np.arange(1, persons + 1)
    _copy(conn, "persons", {"person_id": ids, "last_name": [f"Person {i}" for i in ids]})
    _copy(conn, "employments", {"person_id": ids, "organisation_id": ids})
    conn.execute(sa.text(
        "insert into message_templates (name, subject, body_html, body_text)"
        " values ('bench', 'News', '<p>n</p>', 'n');"
        " insert into campaigns (name, template_id, line_id)"
        " select 'Campaign ' || n, t.template_id, case when n <= 2 then :line end"
        " from generate_series(1, 4) n, message_templates t"
    ), {"line": int(team.line_ids[0])})  # fmt: skip
    campaigns = (
        conn.execute(sa.text("select campaign_id from campaigns order by 1")).scalars().all()
    )
    start = (PERIOD[0] - START).days * DAY
    for campaign_id in campaigns:
        who = rng.choice(ids, letters, replace=False)
        u = rng.random(letters)
        status = np.where(u < 0.95, "sent", np.where(u < 0.98, "failed", "unknown"))
        when = start + rng.integers(0, 30 * DAY, letters)
        _copy(conn, "campaign_sends", {
            "campaign_id": [campaign_id] * letters, "person_id": who,
            "email": [f"p{p}@bench.example" for p in who], "status": status.tolist(),
            "claimed_at": stamp(when), "sent_at": _nullable(stamp(when), status == "sent"),
        })  # fmt: skip
    conn.execute(sa.text(
        "insert into suppressions (email, person_id, reason, source, created_at)"
        " select distinct on (s.email) s.email, s.person_id, 'unsubscribed',"
        " 'campaign ' || s.campaign_id, s.sent_at + interval '1 hour'"
        " from campaign_sends s where s.status = 'sent' and s.person_id % 97 = 0"
    ))  # fmt: skip
