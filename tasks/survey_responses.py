"""Responses: one per invitation, written or changed in place by one upsert.

The survey page may change a response until the wave closes; an import may write one at any
time (the external tool's answers). An upsert that changes nothing writes nothing, so a
re-import is a no-op and `updated_at` means a real change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert

from models.sql import query
from models.surveys import SCORE_COLUMNS, ResponseSource, SurveyResponse
from tasks.survey_links import is_plausible_token
from tasks.survey_questions import Answers

ANSWER_COLUMNS = (*SCORE_COLUMNS, "nps", "comment")


class Invitation(BaseModel):
    """What the survey page needs of a personal link."""

    survey_invitation_id: int
    wave_name: str
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    organisation: str
    survey_response_id: int | None
    answered_at: datetime | None
    answers: dict[str, int | str | None]  # the current response's answers, empty if none


class Written(BaseModel):
    survey_response_id: int
    survey_invitation_id: int
    is_new: bool


def invitation_for(conn: sa.Connection, token: str, *, lock: bool = False) -> Invitation | None:
    """The invitation of a personal link, None for a token nobody was given."""
    if not is_plausible_token(token):
        return None
    if lock:
        conn.execute(query("surveys", "lock_invitation"), {"token": token})
    row = conn.execute(query("surveys", "invitation_by_token"), {"token": token}).mappings().first()
    if row is None:
        return None
    answers = {k: v for k, v in (row["answers"] or {}).items() if k in ANSWER_COLUMNS}
    return Invitation(**{**row, "answers": answers})


def write_responses(
    conn: sa.Connection, answers: Sequence[tuple[int, Answers]], source: ResponseSource
) -> list[Written]:
    """Insert or change the responses of these invitations in one statement; returns the
    ones written (new or changed), not those that already said the same."""
    if not answers:
        return []
    rows = [
        {"survey_invitation_id": invitation_id, "source": source, **given.row()}
        for invitation_id, given in answers
    ]
    statement = insert(SurveyResponse).values(rows)
    table = SurveyResponse.__table__
    now_given = sa.tuple_(*(statement.excluded[c] for c in ANSWER_COLUMNS))
    before = sa.tuple_(*(table.c[c] for c in ANSWER_COLUMNS))
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.survey_invitation_id],
        set_={c: statement.excluded[c] for c in (*ANSWER_COLUMNS, "source")}
        | {"updated_at": sa.func.now()},
        where=before.is_distinct_from(now_given),
    ).returning(
        table.c.survey_response_id,
        table.c.survey_invitation_id,
        # xmax is 0 for a row this statement inserted, the updating transaction's id otherwise.
        sa.literal_column("xmax = 0").label("is_new"),
    )
    return [Written(**row) for row in conn.execute(statement).mappings()]
