"""Campaign letters as raw bytes: a hundred thousand of them, without the email package's cost.

Python's `email` objects are flexible and slow (building and flattening one costs about as much
as the SMTP exchange); a campaign letter always has the same shape, a text and an HTML part, so
it is written directly. Every header value is checked for CR/LF before it is written: a name or
a subject cannot add a header or a recipient.
"""

from __future__ import annotations

import base64
import uuid
from email.header import Header
from email.utils import formataddr, formatdate

from models.errors import CrmError

_CRLF = "\r\n"


class HeaderInjectionError(CrmError):
    """A header value holds a line break."""


def _clean(value: str, name: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"a line break in the {name} header was refused")
    return value


def _encoded(value: str) -> str:
    """A header value as ASCII: encoded words only when it needs them, folded with CRLF + space
    (a continuation line, not a new header)."""
    return value if value.isascii() else Header(value, "utf-8").encode(linesep=_CRLF)


def _part(content_type: str, body: str) -> str:
    payload = base64.encodebytes(body.encode("utf-8")).decode("ascii")
    return (
        f'Content-Type: {content_type}; charset="utf-8"{_CRLF}'
        f"Content-Transfer-Encoding: base64{_CRLF}{_CRLF}{payload.replace(chr(10), _CRLF)}"
    )


def raw_letter(
    *,
    sender: str,
    to: str,
    to_name: str | None,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A multipart/alternative letter (text, then HTML) ready for SMTP DATA."""
    boundary = f"=_{uuid.uuid4().hex}"
    display = " ".join((to_name or "").split())  # control characters and line breaks dropped
    fields = {
        "From": sender,
        "To": formataddr((display, to)) if display else to,
        "Subject": _clean(subject, "Subject"),
        "Date": formatdate(localtime=False),
        "Message-ID": message_id,
        "MIME-Version": "1.0",
        **(headers or {}),
        "Content-Type": f'multipart/alternative; boundary="{boundary}"',
    }
    # Every value is checked as given; only then encoded (which may fold it over lines).
    head = _CRLF.join(f"{name}: {_encoded(_clean(value, name))}" for name, value in fields.items())
    body = (
        f"--{boundary}{_CRLF}{_part('text/plain', text)}"
        f"--{boundary}{_CRLF}{_part('text/html', html)}"
        f"--{boundary}--{_CRLF}"
    )
    return (head + _CRLF + _CRLF + body).encode("ascii")


def campaign_message_id(campaign_id: int, occurrence: str, person_id: int, domain: str) -> str:
    """Stable for a recipient of a campaign issue: a resend, if ever, is recognisably the same."""
    issue = occurrence.replace(" ", "") or "once"
    return f"<campaign-{campaign_id}.{issue}.{person_id}@{domain}>"
