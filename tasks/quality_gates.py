"""Gates before side effects: the campaign sender asks `campaign_gate` before any letter goes.

Plain named SQL, not Great Expectations: the gate runs before every campaign issue (the
dispatcher starts and resumes campaigns every five minutes), and one query over the campaign's
own ledger rows costs milliseconds where importing GE and building a context costs seconds.
"""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel

from models.settings import get_settings
from models.sql import query

# The reasons the audience queries give a row skipped for want of an address
# (models/sql/campaign_audience.sql, models/sql/campaign_paper.sql).
UNADDRESSED_REASONS = ("no e-mail address", "malformed e-mail address", "no postal address")


class GateResult(BaseModel):
    """Whether the issue may be sent, why, and the figures the decision was made on."""

    passed: bool
    reason: str
    campaign_id: int
    total_rows: int
    pending: int
    skipped: int
    unaddressed: int  # skipped for a missing or malformed address
    unaddressed_share: float  # of total_rows
    max_unaddressed_share: float
    suppressed_pending: int  # pending, suppressed before the row was written: the gate fails
    suppressed_since_fill: int  # pending, suppressed since: the sender's recheck skips them
    suppressed_ids: list[int]  # the first campaign_send_ids of suppressed_pending


def campaign_gate(
    bind: sa.Engine | sa.Connection,
    campaign_id: int,
    *,
    occurrence: str | None = None,
    max_unaddressed_share: float | None = None,
) -> GateResult:
    """Check a campaign's filled ledger before sending: few rows without an address, and no
    pending letter to an address or person that was already suppressed when it was written.

    `occurrence` is one issue; None means every issue with letters still to send. The share
    limit defaults to the MAX_UNADDRESSED_SHARE setting. Reads only; the caller stops the
    campaign with `reason` when `passed` is false.
    """
    limit = get_settings().max_unaddressed_share
    limit = limit if max_unaddressed_share is None else max_unaddressed_share
    params = {
        "campaign_id": campaign_id,
        "occurrence": occurrence,
        "unaddressed_reasons": list(UNADDRESSED_REASONS),
    }
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            row = conn.execute(query("quality", "campaign_gate"), params).one()
    else:
        row = bind.execute(query("quality", "campaign_gate"), params).one()
    share = row.unaddressed / row.total_rows if row.total_rows else 0.0
    passed, reason = _decide(row, share, limit)
    return GateResult(
        passed=passed,
        reason=reason,
        campaign_id=campaign_id,
        total_rows=row.total_rows,
        pending=row.pending,
        skipped=row.skipped,
        unaddressed=row.unaddressed,
        unaddressed_share=round(share, 4),
        max_unaddressed_share=limit,
        suppressed_pending=row.suppressed_pending,
        suppressed_since_fill=row.suppressed_since_fill,
        suppressed_ids=list(row.suppressed_ids or []),
    )


def _decide(row, share: float, limit: float) -> tuple[bool, str]:
    problems = []
    if share > limit:
        problems.append(
            f"{row.unaddressed} of {row.total_rows} recipients ({share:.0%}) have no usable "
            f"address, more than MAX_UNADDRESSED_SHARE allows ({limit:.0%}): check the list's "
            "addresses"
        )
    if row.suppressed_pending:
        ids = ", ".join(str(i) for i in row.suppressed_ids or [])
        problems.append(
            f"{row.suppressed_pending} pending letters go to addresses or people suppressed "
            f"before the audience was drawn (ledger rows {ids}): the audience let them through"
        )
    if problems:
        return False, "; ".join(problems)
    if not row.pending:
        return True, "nothing left to send"
    return True, (
        f"{row.pending} letters to send; {row.unaddressed} of {row.total_rows} recipients "
        f"({share:.0%}) without a usable address; no suppressed address pending"
    )
