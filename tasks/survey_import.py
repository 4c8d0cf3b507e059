"""Responses from an external survey tool's export (CSV or XLSX) into a wave.

Each row names its respondent by the invitation's token or by an e-mail address, and gives
the answers under the columns' names (`logistics`), their English or Russian wording, or
short aliases. A row that cannot be matched or has an answer out of range is reported with
its row number and reason; the rest are written in one statement, so importing the same file
again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel

from models.errors import CrmError
from models.sql import query
from models.surveys import SCORE_COLUMNS, SCORE_GROUPS, ResponseSource, SurveyWave
from tasks.reading import FileReadError, read_table
from tasks.survey_questions import GROUP_TITLES, QUESTIONS, AnswerError, Answers, parse_answers
from tasks.survey_responses import write_responses

_ALIASES = {
    "token": ("token", "invitation", "invitation token", "токен", "код приглашения"),
    "email": ("email", "e-mail", "mail", "почта", "эл. почта", "электронная почта"),
    "nps": ("nps", "recommend", "would recommend", "рекомендация", "порекомендуете"),
    "comment": ("comment", "comments", "комментарий", "комментарии"),
}
# A question that is a group of its own is also known by the group's title ("Логистика").
_TITLES = {cols[0]: GROUP_TITLES[g] for g, cols in SCORE_GROUPS.items() if len(cols) == 1}
COLUMNS: dict[str, tuple[str, ...]] = {
    **{
        c: (c, *(label.lower() for label in (*QUESTIONS[c], *_TITLES.get(c, ()))))
        for c in SCORE_COLUMNS
    },
    **_ALIASES,
}


class RowProblem(BaseModel):
    row_number: int
    reason: str


class ImportReport(BaseModel):
    wave: str
    rows: int
    added: int  # responses new to the wave
    changed: int  # responses that said something else before
    unchanged: int  # rows the wave already held, word for word
    problems: list[RowProblem]
    ignored_columns: list[str]  # headers that name no question: their cells are not read
    response_ids: list[int]  # the responses written (added or changed)


def _map_headers(headers: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for header in headers:
        key = " ".join(header.lower().split())
        for field, aliases in COLUMNS.items():
            if key in aliases and field not in mapping:
                mapping[field] = header
    return mapping


def wave_id_by_name(conn: sa.Connection, name: str) -> int:
    wave_id = conn.scalar(sa.select(SurveyWave.survey_wave_id).where(SurveyWave.name == name))
    if wave_id is None:
        raise CrmError(f"no survey wave '{name}' (see `crm survey show`)")
    return wave_id


class _Respondents:
    """The wave's invitations by token and by e-mail address (an address two invitations
    share names nobody: the row is refused rather than guessed)."""

    def __init__(self, conn: sa.Connection, wave_id: int) -> None:
        self.by_token: dict[str, int] = {}
        self.by_email: dict[str, set[int]] = {}
        for row in conn.execute(query("surveys", "import_candidates"), {"wave_id": wave_id}):
            self.by_token[row.token] = row.survey_invitation_id
            for email in row.emails:
                self.by_email.setdefault(email.lower(), set()).add(row.survey_invitation_id)

    def find(self, token: str, email: str) -> int:
        if token:
            if token not in self.by_token:
                raise ValueError(f"no invitation of this wave has the token '{token[:70]}'")
            return self.by_token[token]
        if not email:
            raise ValueError("no token and no e-mail: the respondent is unknown")
        found = self.by_email.get(email.lower(), set())
        if len(found) > 1:
            raise ValueError(f"{email} was invited more than once in this wave: give the token")
        if not found:
            raise ValueError(f"nobody invited in this wave has the address {email}")
        return next(iter(found))


def import_responses(conn: sa.Connection, path: Path, wave: str) -> ImportReport:
    """Read the file and write its good rows as the wave's responses (source 'import')."""
    table = read_table(path)
    mapping = _map_headers(table.headers)
    if "token" not in mapping and "email" not in mapping:
        raise FileReadError(
            f"{path}: no column for the respondent: token or email (headers: {table.headers})"
        )
    if not set(mapping) - {"token", "email"}:
        raise FileReadError(f"{path}: no column with answers (headers: {table.headers})")
    wave_id = wave_id_by_name(conn, wave)
    respondents = _Respondents(conn, wave_id)
    good: dict[int, tuple[int, Answers]] = {}  # invitation -> (row number, answers)
    problems: list[RowProblem] = []
    for row_number, raw in table.rows:
        values = {field: raw.get(header, "") for field, header in mapping.items()}
        try:
            invitation_id = respondents.find(values.get("token", ""), values.get("email", ""))
            answers = parse_answers(values)
            if invitation_id in good:
                raise ValueError(f"the same respondent as row {good[invitation_id][0]}")
        except (AnswerError, ValueError) as error:
            problems.append(RowProblem(row_number=row_number, reason=str(error)))
            continue
        good[invitation_id] = (row_number, answers)
    written = write_responses(
        conn, [(i, answers) for i, (_, answers) in good.items()], ResponseSource.import_
    )
    added = sum(w.is_new for w in written)
    return ImportReport(
        wave=wave, rows=len(table.rows), added=added, changed=len(written) - added,
        unchanged=len(good) - len(written), problems=problems,
        ignored_columns=[h for h in table.headers if h and h not in mapping.values()],
        response_ids=[w.survey_response_id for w in written],
    )  # fmt: skip
