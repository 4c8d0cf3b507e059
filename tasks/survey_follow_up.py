"""Low scores: a follow-up call for the client's owner and an alert to the line's head of sales.

Both happen once per response. The follow-up is one statement that also stamps the response
with its activity, so a changed response is never followed up twice. The alert is marked sent
before its letter goes (two runs never both send it) and handed back if the server refused
it, so the next run (the flow, an import, the next answer) tells the head again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import groupby

import sqlalchemy as sa
from pydantic import BaseModel

from models.sql import query
from models.surveys import SCORE_COLUMNS
from tasks.mail import Letter, MailError, render_letter, send_letters
from tasks.survey_questions import QUESTIONS

logger = logging.getLogger(__name__)

_QUESTIONS = [*SCORE_COLUMNS, "nps"]
_LABELS = [*(QUESTIONS[c][0] for c in SCORE_COLUMNS), "порекомендуют нас"]


class FollowUps(BaseModel):
    activities: int = 0  # follow-up calls planned now
    alerts: int = 0  # low scores a head of sales was told about now
    without_head: int = 0  # low scores in a line with no head of sales: nobody to tell
    unsent: int = 0  # alerts the mail server refused: tried again next time


def _scope(wave_id: int | None, response_ids: Sequence[int] | None) -> dict:
    return {"wave_id": wave_id, "response_ids": list(response_ids) if response_ids else None}


def make_follow_ups(
    conn: sa.Connection, *, wave_id: int | None = None, response_ids: Sequence[int] | None = None
) -> int:
    """Plan a follow-up call for each low-scored response in scope that has none yet."""
    params = _scope(wave_id, response_ids) | {"questions": _QUESTIONS, "labels": _LABELS}
    return len(conn.execute(query("surveys", "make_follow_ups"), params).all())


def send_alerts(
    engine: sa.Engine, *, wave_id: int | None = None, response_ids: Sequence[int] | None = None
) -> FollowUps:
    """Tell the heads of sales about the followed-up low scores they have not heard of."""
    with engine.begin() as conn:
        claimed = conn.scalars(
            query("surveys", "claim_alerts"), _scope(wave_id, response_ids)
        ).all()
        if not claimed:
            return FollowUps()
        rows = conn.execute(query("surveys", "alert_rows"), {"response_ids": claimed}).all()
    letters, without_head = [], 0
    for (email, name), group in groupby(rows, key=lambda r: (r.head_email, r.head_name)):
        group = list(group)
        if email is None:
            without_head += len(group)
            logger.warning("low scores in line %s: the line has no head of sales", group[0].line)
            continue
        letters.append((render_letter("survey_alert", email, {"name": name, "rows": group}), group))
    refused = _send(letters)
    if refused:
        with engine.begin() as conn:
            conn.execute(query("surveys", "release_alerts"), {"response_ids": sorted(refused)})
    told = {r.survey_response_id for r in rows if r.head_email} - refused
    return FollowUps(alerts=len(told), without_head=without_head, unsent=len(refused))


def _send(letters: list[tuple[Letter, list]]) -> set[int]:
    """The responses whose alert did not reach a server."""
    try:
        outcomes = send_letters([letter for letter, _ in letters])
    except MailError as error:
        logger.warning("survey alerts not sent, tried again next time: %s", error)
        return {r.survey_response_id for _, group in letters for r in group}
    return {
        r.survey_response_id
        for outcome, (_, group) in zip(outcomes, letters, strict=True)
        if not outcome.is_sent
        for r in group
    }
