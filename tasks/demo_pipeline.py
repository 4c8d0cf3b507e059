"""Demo sales pipeline: one lead per client with its owner history, activities and deal.

Times are whole minutes counted from `HISTORY_DAYS` before the load's day (UTC), which keeps
the arithmetic in integers and lets a timestamp be formatted from a cached day string.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import NamedTuple

from tasks import demo_names as pool
from tasks.demo_clients import Client
from tasks.demo_people import Draws, Rows
from tasks.demo_team import DemoTeam, LineTeam

LEAD_COLUMNS = (
    "lead_id", "organisation_id", "person_id", "line_id", "owner_id", "owned_since", "stage_id",
    "relationship_stage", "status", "closed_at", "source", "created_at",
)  # fmt: skip
STAGE_CHANGE_COLUMNS = ("lead_id", "line_id", "from_stage_id", "to_stage_id", "changed_at")
OWNERSHIP_COLUMNS = (
    "lead_id", "from_owner_id", "to_owner_id", "reason", "decided_by_id", "note", "changed_at",
)  # fmt: skip
ACTIVITY_COLUMNS = (
    "lead_id", "employee_id", "kind", "status", "planned_at", "held_at", "outcome",
    "next_contact_date", "created_at",
)  # fmt: skip
DEAL_COLUMNS = (
    "lead_id",
    "title",
    "amount",
    "currency",
    "stage_id",
    "created_at",
    "won_at",
    "lost_at",
)

HISTORY_DAYS = 760
DAY = 1440
RECENT_SHARE = 0.6  # leads owned for less than three months; the rest are older
_WORK_START, _WORK_MINUTES = 6 * 60, 9 * 60  # 09:00-18:00 Moscow time, in UTC
_KINDS = ("call",) * 50 + ("email",) * 28 + ("meeting",) * 17 + ("note",) * 5
_AMOUNTS = {"Equipment": (300_000, 20_000_000), "Consumables": (15_000, 900_000)}
_AMOUNT_DEFAULT = (40_000, 3_000_000)


class LeadPlan(NamedTuple):
    """One lead's story before it becomes rows."""

    lead_id: int
    client: Client
    line: LineTeam
    stage: int  # index into the line's stages
    owner: int | None
    previous_owner: int | None
    created: int  # minutes
    owned_since: int
    closed: int | None


class Clock:
    """Minutes since the start of the history window, formatted as UTC timestamps."""

    def __init__(self, as_of: date) -> None:
        start = as_of - timedelta(HISTORY_DAYS)
        self.now = HISTORY_DAYS * DAY
        self.days = [(start + timedelta(d)).isoformat() for d in range(HISTORY_DAYS + 120)]

    def stamp(self, minute: int) -> str:
        day, rest = divmod(minute, DAY)
        return f"{self.days[day]} {rest // 60:02d}:{rest % 60:02d}:00+00"

    def day(self, minute: int) -> str:
        return self.days[minute // DAY]


class LineShape:
    """A line's stages seen by the generator: which are open, won, closing, lost."""

    def __init__(self, line: LineTeam) -> None:
        self.line = line
        active = [i for i, s in enumerate(line.stages) if not s.is_lost]
        self.lost = next((i for i, s in enumerate(line.stages) if s.is_lost), None)
        won = [i for i in active if line.stages[i].is_won]
        self.won_from = active.index(won[0]) if won else len(active)
        self.active = active
        # A decreasing funnel, with a bump at the last stage: past clients, won and closed.
        weights = {i: max(1, int(100 * 0.7**n)) for n, i in enumerate(active)}
        if active and active.index(active[-1]) > self.won_from:
            weights[active[-1]] *= 3
        if self.lost is not None:
            weights[self.lost] = max(1, sum(weights.values()) // 12)
        self.draw = tuple(i for i, w in weights.items() for _ in range(w))

    def rank(self, stage: int) -> int:
        """How far along the funnel a stage is; lost counts as the first stage."""
        return self.active.index(stage) if stage in self.active else 0

    def closes_as_won(self, stage: int) -> bool:
        return stage == self.active[-1] and self.rank(stage) > self.won_from


class PipelineFactory(Draws):
    """Turns clients into leads and their history; lead ids start after `lead_base`."""

    def __init__(self, rng: random.Random, as_of: date, team: DemoTeam, lead_base: int):
        super().__init__(rng, as_of)
        self.clock = Clock(as_of)
        self.shapes = [LineShape(line) for line in team.lines if line.stages]
        self.line_draw = tuple(
            shape for shape, w in zip(self.shapes, (35, 45, 20), strict=False) for _ in range(w)
        )
        self.next_lead = lead_base + 1

    def leads(self, clients: list[Client], rows: Rows) -> list[tuple[LeadPlan, LineShape]]:
        plans = []
        for client in clients:
            shape = self.pick(self.line_draw)
            plan = self._plan(client, shape)
            self._lead_rows(plan, shape, rows)
            self._activities(plan, shape, rows)
            self._deal(plan, shape, rows)
            plans.append((plan, shape))
        return plans

    def _plan(self, client: Client, shape: LineShape) -> LeadPlan:
        r, now, line = self.r, self.clock.now, shape.line
        stage = self.pick(shape.draw)
        age = int(r() * 90 * DAY) if r() < RECENT_SHARE else int((90 + r() * 366) * DAY)
        owned_since = now - age - int(r() * DAY)
        owner = previous = None
        if line.reps and not (shape.rank(stage) == 0 and r() < 0.06):
            owner = self.pick(line.reps)
        closing = stage == shape.lost or shape.closes_as_won(stage)
        if owner and closing and line.former_reps and r() < 0.3:
            owner = self.pick(line.former_reps)
        created = owned_since
        if owner and not closing and len(line.reps + line.former_reps) > 1 and r() < 0.08:
            previous = self.pick([rep for rep in line.reps + line.former_reps if rep != owner])
            created = max(0, owned_since - int((30 + r() * 270) * DAY))
        closed = owned_since + int(r() * (now - owned_since)) if closing else None
        lead_id, self.next_lead = self.next_lead, self.next_lead + 1
        return LeadPlan(lead_id, client, line, stage, owner, previous, created, owned_since, closed)

    def _lead_rows(self, plan: LeadPlan, shape: LineShape, rows: Rows) -> None:
        stamp, client, line = self.clock.stamp, plan.client, plan.line
        status = "open" if plan.closed is None else "lost" if plan.stage == shape.lost else "won"
        rows["leads"].append(
            (
                plan.lead_id, client.organisation_id, client.person_id, line.line_id, plan.owner,
                stamp(plan.owned_since), line.stages[plan.stage].stage_id,
                _relationship(shape, plan.stage), status,
                stamp(plan.closed) if plan.closed is not None else None,
                self.pick(pool.LEAD_SOURCES), stamp(plan.created),
            )
        )  # fmt: skip
        self._stage_rows(plan, shape, rows)
        first = plan.previous_owner or plan.owner
        if first is None:
            return
        changes = rows["ownership_changes"]
        changes.append(
            (plan.lead_id, None, first, "import", line.head_id, None, stamp(plan.created))
        )
        if plan.previous_owner:
            reason, note = ("stale_rule", "Три месяца без сделки") if self.r() < 0.5 else (
                "manual", "Перераспределение нагрузки")  # fmt: skip
            changes.append(
                (plan.lead_id, plan.previous_owner, plan.owner, reason, line.head_id, note,
                 stamp(plan.owned_since))
            )  # fmt: skip

    def _stage_rows(self, plan: LeadPlan, shape: LineShape, rows: Rows) -> None:
        """The stages the lead went through: the first when it was created, then each further
        one (an occasional stage skipped), a lost lead from where it got to; the last change
        is the closing, or falls somewhere in the time since it was created."""
        r, stages = self.r, plan.line.stages
        if plan.stage == shape.lost:
            reached = int(r() * min(3, len(shape.active)))
            path = [*shape.active[: reached + 1], plan.stage]
        else:
            path = shape.active[: shape.rank(plan.stage) + 1]
            path = [path[0], *(i for i in path[1:-1] if r() >= 0.15), *path[1:][-1:]]
        end = plan.closed if plan.closed is not None else self.clock.now
        span, steps = max(end - plan.created, 0), len(path)
        at = [plan.created] + [
            plan.created + int(span * (n + r() * 0.8) / steps) for n in range(1, steps)
        ]
        if plan.closed is not None and steps > 1:
            at[-1] = plan.closed
        previous = None
        for index, moment in zip(path, at, strict=True):
            stage_id = stages[index].stage_id
            rows["lead_stage_changes"].append(
                (plan.lead_id, plan.line.line_id, previous, stage_id, self.clock.stamp(moment))
            )
            previous = stage_id

    def _activities(self, plan: LeadPlan, shape: LineShape, rows: Rows) -> None:
        if plan.owner is None:
            return
        r, clock = self.r, self.clock
        end = plan.closed if plan.closed is not None else clock.now
        count = min(1 + shape.rank(plan.stage) // 2, 4) + int(r() * 2) - (r() < 0.3)
        moments = sorted(plan.created + int(r() * (end - plan.created)) for _ in range(count))
        out = rows["activities"]
        for n, minute in enumerate(moments):
            # Working hours on the drawn day, still inside the lead's life.
            minute = minute - minute % DAY + _WORK_START + int(r() * _WORK_MINUTES)
            minute = max(plan.created, min(minute, end - 1))
            who = plan.owner
            if plan.previous_owner and minute < plan.owned_since:
                who = plan.previous_owner
            last_open = plan.closed is None and n == len(moments) - 1
            out.append(self._activity(plan.lead_id, who, minute, last_open))
        if plan.closed is None and r() < 0.35:
            ahead = clock.now + (1 + int(r() * 20)) * DAY + _WORK_START + int(r() * _WORK_MINUTES)
            kind = "meeting" if r() < 0.4 else "call"
            out.append(
                (plan.lead_id, plan.owner, kind, "planned", clock.stamp(ahead), None, None, None,
                 clock.stamp(clock.now - int(r() * 3 * DAY)))
            )  # fmt: skip

    def _activity(self, lead_id: int, who: int, minute: int, last_open: bool) -> tuple:
        r, stamp = self.r, self.clock.stamp(minute)
        kind = self.pick(_KINDS)
        status, planned, held = "done", stamp if r() < 0.4 else None, stamp
        if kind == "meeting":
            planned = stamp
            chance = r()
            if chance < 0.1:
                status, held = "no_show", None
            elif chance < 0.14:
                status, held = "cancelled", None
        outcome = self.pick(pool.OUTCOMES[kind]) if status == "done" else None
        follow_up = None
        if last_open and status == "done":
            follow_up = self.clock.day(self.clock.now + int((r() * 35 - 5) * DAY))
        return (lead_id, who, kind, status, planned, held, outcome, follow_up, stamp)

    def _deal(self, plan: LeadPlan, shape: LineShape, rows: Rows) -> None:
        r, stamp = self.r, self.clock.stamp
        lost = plan.stage == shape.lost
        if shape.rank(plan.stage) < 2 and not (lost and r() < 0.5):
            return
        end = plan.closed if plan.closed is not None else self.clock.now
        created = plan.owned_since + int(r() * 0.5 * (end - plan.owned_since))
        won = None
        if not lost and shape.rank(plan.stage) >= shape.won_from:
            won = stamp(created + int(r() * (end - created)))
        low, high = _AMOUNTS.get(plan.line.name, _AMOUNT_DEFAULT)
        amount = int(low * (high / low) ** r()) // 100 * 100
        rows["deals"].append(
            (
                plan.lead_id, f"{pool.DEAL_TITLES.get(plan.line.name, 'Сделка')} №{plan.lead_id}",
                f"{amount}.00", plan.client.currency, plan.line.stages[plan.stage].stage_id,
                stamp(created), won, stamp(plan.closed) if lost else None,
            )
        )  # fmt: skip


def _relationship(shape: LineShape, stage: int) -> str:
    if stage == shape.lost:
        return "dissolution"
    rank = shape.rank(stage)
    if rank >= shape.won_from:
        return "commitment"
    return ("awareness", "exploration", "exploration", "expansion")[min(rank, 3)]
