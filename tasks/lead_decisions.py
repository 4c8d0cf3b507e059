"""Deciding each row of an import: new, a duplicate, a client someone holds, or for review."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from models.imports import Decision, ImportKind
from models.sql import query
from tasks.lead_candidates import BaseMatches
from tasks.lead_clusters import FileClusters
from tasks.lead_records import Prospect, Record

# A lead in the line's pool (no owner) or with an owner who left is not "held" by anyone.
_STRUCK_OUT = {
    Decision.duplicate_in_file,
    Decision.existing_client,
    Decision.held_by_other_rep,
    Decision.already_yours,
    Decision.suppressed,
    Decision.invalid,
}


@dataclass(slots=True)
class Holder:
    line_id: int
    lead_id: int
    owner_id: int | None
    owner_name: str | None
    owner_active: bool | None
    since: datetime
    stage: str


@dataclass(slots=True)
class RowDecision:
    row_number: int
    external_id: str | None
    decision: Decision
    reason: str
    score: float | None = None
    duplicate_of_row: int | None = None
    organisation_id: int | None = None
    person_id: int | None = None
    matched_external_id: str | None = None
    lead_id: int | None = None
    holder: Holder | None = None
    owner_id: int | None = None  # who gets the lead of a new row
    owned_since: datetime | None = None  # a client-base export may say since when
    candidates: list[dict] = field(default_factory=list)

    @property
    def is_struck_out(self) -> bool:
        return self.decision in _STRUCK_OUT


@dataclass(frozen=True)
class Context:
    kind: ImportKind
    line_id: int
    line_name: str
    rep_id: int | None  # None: the leads are distributed among the line's reps


def _ids(records: Sequence[Record]) -> tuple[list[int], list[int]]:
    orgs = sorted({r.organisation_id for r in records if r.organisation_id})
    persons = sorted({r.person_id for r in records if r.person_id and not r.organisation_id})
    return orgs, persons


def load_holders(conn: sa.Connection, matched: Sequence[Record]) -> dict[tuple, list[Holder]]:
    org_ids, person_ids = _ids(matched)
    holders: dict[tuple, list[Holder]] = defaultdict(list)
    params = {"org_ids": org_ids, "person_ids": person_ids}
    for row in conn.execute(query("lead_lists", "holders"), params).mappings():
        ref = ("o", row["organisation_id"]) if row["organisation_id"] else ("p", row["person_id"])
        holders[ref].append(
            Holder(
                row["line_id"],
                row["lead_id"],
                row["owner_id"],
                row["owner_name"],
                row["owner_active"],
                row["owned_since"],
                row["stage"],
            )
        )
    return holders


def load_suppressed(
    conn: sa.Connection, matched: Sequence[Record], emails: set[str]
) -> dict[tuple, str]:
    """("o"|"p", id) or ("e", address) -> why nobody may contact it."""
    org_ids, person_ids = _ids(matched)
    params = {"org_ids": org_ids, "person_ids": person_ids, "emails": sorted(emails)}
    found: dict[tuple, str] = {}
    for org_id, person_id, email, reason in conn.execute(
        query("lead_lists", "suppressed_clients"), params
    ):
        if email:
            found["e", email] = f"{email} is {reason.replace('_', ' ')}"
        elif org_id:
            found["o", org_id] = f"the client is marked {reason.replace('_', ' ')}"
        else:
            found["p", person_id] = f"the person is marked {reason.replace('_', ' ')}"
    return found


def ref_of(record: Record) -> tuple:
    return ("o", record.organisation_id) if record.organisation_id else ("p", record.person_id)


def _describe(record: Record) -> str:
    ref = ref_of(record)
    label = "client" if ref[0] == "o" else "person"
    return f"{label} {ref[1]} '{record.name}'"


def decide_rows(
    prospects: Sequence[Prospect],
    clusters: FileClusters,
    base: BaseMatches,
    holders: dict[tuple, list[Holder]],
    suppressed: dict[tuple, str],
    context: Context,
) -> list[RowDecision]:
    decisions = []
    for prospect in prospects:
        decisions.append(_decide(prospect, clusters, base, holders, suppressed, context))
    return decisions


def _decide(prospect, clusters, base, holders, suppressed, context) -> RowDecision:
    row = prospect.row_number
    # What the normaliser could not keep (a second phone that is not a number) stays visible.
    reason = "new prospect" + (f" ({'; '.join(prospect.notes)})" if prospect.notes else "")
    decision = RowDecision(row, prospect.external_id, Decision.new, reason)
    if prospect.problems:
        decision.decision, decision.reason = Decision.invalid, "; ".join(prospect.problems)
        return decision
    primary = clusters.primary(row)
    if primary != row:
        match = clusters.match_of.get(row)
        decision.decision, decision.duplicate_of_row = Decision.duplicate_in_file, primary
        decision.score = match.score if match else None
        decision.reason = f"duplicate of row {primary}" + (f" ({match.evidence})" if match else "")
        return decision
    email_block = next(
        (suppressed["e", e] for e in prospect.record.emails if ("e", e) in suppressed), None
    )
    matched = base.best.get(row)
    if matched:
        record, match = matched
        ref = ref_of(record)
        decision.organisation_id, decision.person_id = record.organisation_id, record.person_id
        decision.matched_external_id, decision.score = record.external_id, match.score
        evidence = f"{_describe(record)}: {match.evidence}"
        if block := suppressed.get(ref) or email_block:
            decision.decision, decision.reason = Decision.suppressed, f"{block} ({evidence})"
            return decision
        _holder_decision(decision, holders.get(ref, []), context, evidence)
        return decision
    if email_block:
        decision.decision, decision.reason = Decision.suppressed, email_block
        return decision
    if prospect.no_contact:
        decision.decision, decision.reason = Decision.invalid, prospect.no_contact
        return decision
    near = [(f"{_describe(r)}", m) for r, m in base.review.get(row, [])]
    near += [(f"row {other}", m) for other, m in clusters.review.get(row, [])]
    if near:
        decision.decision = Decision.needs_review
        decision.score = max(m.score for _, m in near)
        decision.candidates = [
            {"candidate": what, "score": m.score, "evidence": m.evidence} for what, m in near
        ]
        decision.reason = "looks like " + "; ".join(
            f"{what} ({m.score:.2f}: {m.evidence})" for what, m in near
        )
    return decision


def _holder_decision(decision: RowDecision, leads: list[Holder], context: Context, evidence: str):
    here = next((h for h in leads if h.line_id == context.line_id), None)
    if context.kind == ImportKind.warm_source:
        _warm_decision(decision, here, context)
        return
    if context.kind == ImportKind.client_base:
        decision.decision = Decision.existing_client
        decision.reason = f"already in the base as {evidence}"
        decision.holder, decision.lead_id = here, here.lead_id if here else None
        return
    if here and here.owner_id is not None:
        _held(decision, here, context, f" ({evidence})")
        return
    decision.decision = Decision.existing_client
    elsewhere = next((h for h in leads if h.owner_id is not None), None)
    if here:
        decision.holder, decision.lead_id = here, here.lead_id
        where = f"in the {context.line_name} pool without an owner"
    elif elsewhere:
        decision.holder = elsewhere
        where = f"worked by {elsewhere.owner_name} in another line"
    else:
        where = "with no open lead"
    decision.reason = f"existing client, {where} ({evidence})"


def _held(decision: RowDecision, here: Holder, context: Context, evidence: str) -> None:
    """The line's open lead has an owner: the rep's own, or someone else's."""
    decision.holder, decision.lead_id = here, here.lead_id
    where = f"since {here.since.date().isoformat()}, stage '{here.stage}'{evidence}"
    if context.rep_id is not None and here.owner_id == context.rep_id:
        decision.decision, decision.reason = Decision.already_yours, f"already your lead {where}"
    else:
        decision.decision = Decision.held_by_other_rep
        decision.reason = f"held by {here.owner_name} {where}"


def _warm_decision(decision: RowDecision, here: Holder | None, context: Context) -> None:
    """A client of the base: free unless an active rep works it in the line already."""
    if here and here.owner_id is not None and here.owner_active:
        _held(decision, here, context, "")
        return
    decision.decision = Decision.new
    if here:
        decision.lead_id = here.lead_id
        was = f"{here.owner_name}, who left" if here.owner_id else "the line's pool"
        decision.reason = f"client of the base; its open lead moves from {was}"
    else:
        decision.reason = "client of the base; a new lead in the line"
