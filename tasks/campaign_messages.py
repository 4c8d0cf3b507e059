"""Campaign letters as raw bytes: a hundred thousand of them, without the email package's cost.

Python's `email` objects are flexible and slow (building and flattening one costs about as much
as the SMTP exchange); a campaign letter always has the same shape, a text and an HTML part, so
it is written directly. Every header value is checked for CR/LF before it is written: a name or
a subject cannot add a header or a recipient.
"""

from __future__ import annotations

import random
from binascii import b2a_base64
from email.utils import formataddr, formatdate

from models.errors import CrmError

_CRLF = "\r\n"
# The boundary need not be secret, only absent from the parts: every part is base64, whose
# lines never hold "=_". A plain generator spares a system call per letter (uuid4 reads urandom).
_BOUNDARIES = random.Random()


class HeaderInjectionError(CrmError):
    """A header value holds a line break."""


def _clean(value: str, name: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"a line break in the {name} header was refused")
    return value


# An encoded word of 10 + 56 + 2 characters: with its header's name, a line stays under 78.
_WORD_BYTES = 42


def _encoded(value: str) -> str:
    """A header value as ASCII: as it is when it is ASCII, else RFC 2047 encoded words (base64
    of UTF-8, never splitting a character) folded with CRLF + space (a continuation line, not a
    new header); a reader joins the words back without the folds."""
    if value.isascii():
        return value
    data = value.encode("utf-8")
    words, start = [], 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        words.append(f"=?utf-8?b?{b2a_base64(data[start:end], newline=False).decode()}?=")
        start = end
    return f"{_CRLF} ".join(words)


def _header(value: str, name: str) -> str:
    # Every value is checked as given; only then encoded (which may fold it over lines).
    return _encoded(_clean(value, name))


def _recipient(name: str | None, address: str) -> str:
    display = " ".join((name or "").split())  # control characters and line breaks dropped
    address = _clean(address, "To")
    if not display:
        return address
    if display.isascii():
        return formataddr((display, address))
    # One encoded word, as formataddr writes it: readers put a space between the words of a
    # folded display name (Python's parser does), so it is not folded.
    return f"=?utf-8?b?{b2a_base64(display.encode('utf-8'), newline=False).decode()}?= <{address}>"


def _part(content_type: str, body: str) -> str:
    data = b2a_base64(body.encode("utf-8"), newline=False).decode("ascii")
    # Lines of 76 characters (57 bytes), as base64 in MIME wants them.
    payload = "".join(f"{data[i : i + 76]}{_CRLF}" for i in range(0, len(data), 76))
    return (
        f'Content-Type: {content_type}; charset="utf-8"{_CRLF}'
        f"Content-Transfer-Encoding: base64{_CRLF}{_CRLF}{payload}"
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
    boundary = f"=_{_BOUNDARIES.getrandbits(128):032x}"
    fields = {
        "From": sender,
        "To": None,  # the recipient: its display name is encoded on its own, the address not
        "Subject": subject,
        "Date": formatdate(localtime=False),
        "Message-ID": message_id,
        "MIME-Version": "1.0",
        **(headers or {}),
        "Content-Type": f'multipart/alternative; boundary="{boundary}"',
    }
    head = _CRLF.join(
        f"{name}: {_recipient(to_name, to) if value is None else _header(value, name)}"
        for name, value in fields.items()
    )
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
