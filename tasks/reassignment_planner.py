"""Who gets each stale lead: a pure, deterministic planner for the three-month rule.

Rules, in order: only the line's eligible reps (the caller filters active / role / leave);
never the current owner; never a rep at their cap; a previous owner of the lead only when no
other rep can take it; nobody left means the line's unassigned pool (None).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from models.reassignment import Policy


@dataclass(frozen=True)
class StaleLead:
    lead_id: int
    line_id: int
    owner_id: int
    owned_since: datetime
    stale_on: date
    previous_owner_ids: frozenset[int] = frozenset()


@dataclass
class Rep:
    """One person, whatever the number of lines: the cap and the count are per person."""

    employee_id: int
    line_ids: frozenset[int]
    capacity: int | None
    open_leads: int
    received: int = field(default=0)

    @property
    def load(self) -> int:
        return self.open_leads + self.received

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.load >= self.capacity


@dataclass(frozen=True)
class Assignment:
    lead_id: int
    line_id: int
    from_owner_id: int
    owned_since: datetime
    to_owner_id: int | None
    explanation: str


def plan(
    leads: Iterable[StaleLead],
    reps: Iterable[Rep],
    policy: Policy,
    last_receiver: dict[int, int] | None = None,
) -> list[Assignment]:
    """Assign every lead; leads and reps are taken in id order so the plan is reproducible."""
    reps = sorted(reps, key=lambda r: r.employee_id)
    ordered = sorted(leads, key=lambda x: (x.line_id, x.owned_since, x.lead_id))
    out: list[Assignment] = []
    for line_id, line_leads in groupby(ordered, key=lambda x: x.line_id):
        chooser = _CHOOSERS[policy](
            [r for r in reps if line_id in r.line_ids], (last_receiver or {}).get(line_id)
        )
        out.extend(_assign(lead, chooser) for lead in line_leads)
    return out


def _assign(lead: StaleLead, chooser) -> Assignment:
    rep, why = chooser.choose(lead)
    since = lead.owned_since.date().isoformat()
    head = f"owned since {since}, nothing won by {lead.stale_on.isoformat()}"
    return Assignment(
        lead.lead_id,
        lead.line_id,
        lead.owner_id,
        lead.owned_since,
        rep.employee_id if rep else None,
        f"{head}; {why}",
    )


def _acceptable(rep: Rep, lead: StaleLead) -> bool:
    return rep.employee_id != lead.owner_id and not rep.is_full


class _RoundRobin:
    """In turn, carrying on across runs: the rep with the fewest leads given this run, ties
    broken by rotation order after the last one served. Skipping a lead's own owner therefore
    does not hand the next rep an extra turn."""

    def __init__(self, reps: list[Rep], last_receiver: int | None) -> None:
        self.reps = reps
        ids = [r.employee_id for r in reps]
        self.cursor = ids.index(last_receiver) + 1 if last_receiver in ids else 0

    def choose(self, lead: StaleLead) -> tuple[Rep | None, str]:
        n = len(self.reps)
        best = fallback = None
        for step in range(n):
            rep = self.reps[(self.cursor + step) % n]
            if not _acceptable(rep, lead):
                continue
            if rep.employee_id in lead.previous_owner_ids:
                fallback = fallback or rep
            elif best is None or rep.received < best[0].received:
                best = (rep, step)
        if best is not None:
            rep, step = best
            self.cursor = (self.cursor + step + 1) % n
            rep.received += 1
            return rep, f"round-robin: next rep ({rep.load - 1} open leads)"
        if fallback is not None:
            fallback.received += 1
        return _fallback_or_pool(fallback, self.reps)


class _Lightest:
    """The rep with the lowest load key; a heap keeps this fast for 100,000 leads."""

    def __init__(self, reps: list[Rep], _last: int | None, ratio: bool = False) -> None:
        self.ratio = ratio
        caps = [r.capacity for r in reps if r.capacity]
        self.default_cap = max(caps) if caps else 1
        self.reps = reps
        self.heap = [(self._key(r), r.employee_id, r) for r in reps if not r.is_full]
        heapq.heapify(self.heap)

    def _key(self, rep: Rep) -> float:
        # Capacity policy: the fill ratio the rep would have after taking one more lead.
        if not self.ratio:
            return rep.load
        return (rep.load + 1) / (rep.capacity or self.default_cap)

    def choose(self, lead: StaleLead) -> tuple[Rep | None, str]:
        skipped, chosen, fallback = [], None, None
        while self.heap:
            item = heapq.heappop(self.heap)
            rep = item[2]
            if rep.employee_id == lead.owner_id or rep.employee_id in lead.previous_owner_ids:
                if fallback is None and rep.employee_id != lead.owner_id:
                    fallback = item
                skipped.append(item)
                continue
            chosen = item
            break
        if chosen is None and fallback is not None:
            skipped.remove(fallback)
            chosen = fallback
        for item in skipped:
            heapq.heappush(self.heap, item)
        if chosen is None:
            return _fallback_or_pool(None, self.reps)
        rep = chosen[2]
        why = self._why(rep, chosen is fallback)
        rep.received += 1
        if not rep.is_full:
            heapq.heappush(self.heap, (self._key(rep), rep.employee_id, rep))
        return rep, why

    def _why(self, rep: Rep, is_previous: bool) -> str:
        basis = (
            f"capacity: {rep.load} of {rep.capacity or 'no cap'}"
            if self.ratio
            else f"least loaded: {rep.load} open leads"
        )
        return basis + ("; a previous owner, nobody else can take it" if is_previous else "")


def _fallback_or_pool(fallback: Rep | None, reps: list[Rep]) -> tuple[Rep | None, str]:
    if fallback is not None:
        return fallback, "a previous owner: no other rep can take it"
    if not reps:
        return None, "to the line's pool: the line has no eligible rep"
    return None, "to the line's pool: every other eligible rep is at capacity"


_CHOOSERS = {
    Policy.round_robin: _RoundRobin,
    Policy.least_loaded: _Lightest,
    Policy.capacity: lambda reps, last: _Lightest(reps, last, ratio=True),
}
