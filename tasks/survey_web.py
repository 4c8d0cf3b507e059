"""The survey page of `crm serve-web`: `GET /s/{token}` shows the form, `POST` records it.

The personal token is the only credential, as for the unsubscribe links: a forged cross-site
post could only answer for the link's holder, so no CSRF token is needed; a GET never writes.
The page cannot be framed (no clickjacking), loads nothing from elsewhere and is autoescaped.
An unknown or forged link, a closed wave and answers out of range write nothing.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from models.settings import get_settings
from models.store import get_engine
from models.surveys import SCORE_COLUMNS, SCORE_GROUPS, ResponseSource
from tasks.survey_follow_up import make_follow_ups, send_alerts
from tasks.survey_questions import (
    GROUP_TITLES,
    MAX_COMMENT,
    NPS_QUESTION,
    NPS_SCORES,
    QUESTIONS,
    SCORES,
    AnswerError,
    parse_answers,
    whole,
)
from tasks.survey_responses import Invitation, invitation_for, write_responses
from tasks.web_app import page, unknown_page

SURVEY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
}
# A whole answer with the longest comment is under 20 KB, even percent-encoded Cyrillic.
MAX_BODY = 64 * 1024
FORM = "application/x-www-form-urlencoded"
_GROUPS = [
    {
        "title": GROUP_TITLES[group][0],
        "questions": [{"name": c, "label": QUESTIONS[c][0]} for c in columns],
    }
    for group, columns in SCORE_GROUPS.items()
]


def survey_routes() -> list[Route]:
    return [
        Route("/s/{token}", show_survey, methods=["GET"]),
        Route("/s/{token}", submit_survey, methods=["POST"]),
    ]


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(get_settings().time_zone)).strftime("%d.%m.%Y %H:%M")


def _survey_page(name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    response = page(name, status_code, **context)
    response.headers.update(SURVEY_HEADERS)
    return response


def _closed(invitation: Invitation) -> HTMLResponse:
    return _survey_page(
        "survey_closed", 410, wave_name=invitation.wave_name,
        is_not_open_yet=invitation.opens_at > datetime.now(invitation.opens_at.tzinfo),
        opens_at=_local(invitation.opens_at), closes_at=_local(invitation.closes_at),
    )  # fmt: skip


def _form(invitation: Invitation, values: dict, problems: list[str], status_code: int = 200):
    return _survey_page(
        "survey", status_code, wave_name=invitation.wave_name,
        organisation=invitation.organisation, closes_at=_local(invitation.closes_at),
        answered_at=_local(invitation.answered_at) if invitation.answered_at else None,
        groups=_GROUPS, scores=SCORES, nps_scores=NPS_SCORES, nps_question=NPS_QUESTION[0],
        max_comment=MAX_COMMENT, values=values, problems=problems,
    )  # fmt: skip


def show_survey(request: Request) -> HTMLResponse:
    with get_engine().connect() as conn:
        invitation = invitation_for(conn, request.path_params["token"])
    if invitation is None:
        return unknown_page()
    if not invitation.is_open:
        return _closed(invitation)
    return _form(invitation, invitation.answers, [])


async def _posted(request: Request) -> dict[str, str] | None:
    """The form's fields; None for a body too large or with too many fields to be ours."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return {}
    body, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        body.append(chunk)
    try:
        fields = parse_qsl(
            b"".join(body).decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=64
        )
    except ValueError:
        return None
    return dict(fields)


def _kept(values: dict[str, str]) -> dict:
    """What a refused post showed again: the valid answers, never an invalid one."""
    kept = {c: whole(c, values.get(c, ""), []) for c in (*SCORE_COLUMNS, "nps")}
    return kept | {"comment": values.get("comment", "")[:MAX_COMMENT]}


def _record(token: str, values: dict[str, str] | None):
    """Check and write one post in one transaction: (page, response ids to alert about)."""
    with get_engine().begin() as conn:
        invitation = invitation_for(conn, token, lock=True)
        if invitation is None:
            return unknown_page(), []
        if not invitation.is_open:
            return _closed(invitation), []
        if values is None:
            return _form(invitation, {}, ["ответ слишком длинный"], 413), []
        try:
            answers = parse_answers(values)
        except AnswerError as error:
            return _form(invitation, _kept(values), [p.ru() for p in error.problems], 422), []
        written = write_responses(
            conn, [(invitation.survey_invitation_id, answers)], ResponseSource.web
        )
        response_id = written[0].survey_response_id if written else invitation.survey_response_id
        make_follow_ups(conn, response_ids=[response_id])
    saved = _survey_page(
        "survey_thanks", is_new=invitation.survey_response_id is None,
        closes_at=_local(invitation.closes_at), survey_path=f"/s/{token}",
    )  # fmt: skip
    # A low score's alert (once per response; send_alerts finds nothing if it went before).
    return saved, [response_id] if answers.is_low else []


async def submit_survey(request: Request) -> HTMLResponse:
    values = await _posted(request)
    response, to_alert = await run_in_threadpool(_record, request.path_params["token"], values)
    if to_alert:
        # After the page has gone: the respondent never waits for the mail server.
        response.background = BackgroundTask(send_alerts, get_engine(), response_ids=to_alert)
    return response
