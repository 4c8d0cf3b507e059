"""The public web pages of `crm serve-web`: unsubscribing from campaign letters, and the
satisfaction survey's personal pages (tasks/survey_web.py).

`GET /u/{token}` only shows a confirmation page: mail scanners and link previews fetch links, so
a GET must never unsubscribe. `POST /u/{token}` unsubscribes; it is what a mail client sends for
RFC 8058 one-click (`List-Unsubscribe=One-Click`) and what the page's button submits. The
unguessable token is the only credential, so a forged cross-site POST could only do what the
token's owner asked for: no CSRF token is needed.
"""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from models.settings import PROJECT_ROOT
from models.store import session_scope
from tasks.unsubscribe import recipient_for, unsubscribe

# The token is in the URL: no cache or search engine may keep the page, and no referrer may
# carry it anywhere (the pages load nothing external, this is belt and braces).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}

_env = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    html = _env.get_template(f"web/{name}.html").render(**context)
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def unknown_page() -> HTMLResponse:
    return page("unknown", status_code=404)


# Sync endpoints: Starlette runs them in its threadpool, so blocking database calls are fine;
# each request is one short transaction of its own.
def confirm_page(request: Request) -> HTMLResponse:
    with session_scope() as session, session.begin():
        address = recipient_for(session, request.path_params["token"])
    if address is None:
        return unknown_page()
    return page("unsubscribe", address=address)


def unsubscribe_now(request: Request) -> HTMLResponse:
    # The body is not read: the RFC 8058 body and the form's are the same, and the token alone
    # decides; reading it would need python-multipart for nothing.
    with session_scope() as session, session.begin():
        result = unsubscribe(session, request.path_params["token"])
    if result is None:
        return unknown_page()
    return page(
        "unsubscribed",
        address=result.masked_email,
        is_already_unsubscribed=result.is_already_unsubscribed,
    )


def not_found(request: Request, exc: HTTPException) -> HTMLResponse:
    return unknown_page()


def make_app() -> Starlette:
    """The ASGI app served by `crm serve-web`."""
    from tasks.survey_web import survey_routes

    return Starlette(
        routes=[
            Route("/u/{token}", confirm_page, methods=["GET"]),
            Route("/u/{token}", unsubscribe_now, methods=["POST"]),
            *survey_routes(),
        ],
        exception_handlers={404: not_found},
    )
