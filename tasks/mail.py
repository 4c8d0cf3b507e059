"""The project's sender: letters rendered from templates, sent over aiosmtplib.

Rendering is pure (`render_letter`); sending is separate and async, over several connections,
because aiosmtplib sends one message at a time per connection.
"""

from __future__ import annotations

import asyncio
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field

from models.errors import CrmError
from models.settings import PROJECT_ROOT, Settings, get_settings
from tasks.mail_capture import capture_server

TEMPLATES_DIR = PROJECT_ROOT / "templates"


class MailError(CrmError):
    """The SMTP server cannot be reached or refuses us; nothing was sent on that connection."""


class Attachment(BaseModel):
    filename: str
    content: bytes
    # Checked here because it goes into the Content-Type header as `maintype/subtype`.
    mime_type: str = Field(pattern=r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")


class InlineImage(BaseModel):
    """An image the HTML part shows as `<img src="cid:{cid}">` (a chart in a report)."""

    # Goes into the Content-ID header and the file name: a safe token only.
    cid: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    content: bytes
    mime_type: str = Field(default="image/png", pattern=r"^image/[A-Za-z0-9][A-Za-z0-9_.+-]*$")


class Letter(BaseModel):
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = []
    inline_images: list[InlineImage] = []


class SendOutcome(BaseModel):
    to: str
    is_sent: bool
    error: str | None = None


def file_templates(**options) -> Environment:
    """The project's own templates (not marketers'): strict, HTML autoescaped."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )


_env = file_templates()

# Subjects are assembled from parts; only the first letter of the whole may change case.
_env.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]


def render_letter(kind: str, to: str, context: dict) -> Letter:
    """Render `templates/email/<kind>.{subject.txt,txt,html}` for one recipient."""

    def part(suffix: str, **extra) -> str:
        return _env.get_template(f"email/{kind}.{suffix}").render(**context, **extra)

    subject = " ".join(part("subject.txt").split())
    sender = get_settings().mail_from
    return Letter(
        to=to,
        subject=subject,
        text=part("txt"),
        html=part("html", title=subject, sender_details=sender),
    )


def build_message(letter: Letter, sender: str) -> EmailMessage:
    """A MIME message; the SMTP policy refuses CR/LF in headers, so no header can be injected."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = letter.to
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> "))
    message.set_content(letter.text)
    if letter.html:
        message.add_alternative(letter.html, subtype="html")
        # The HTML part becomes multipart/related: the images travel with it, not as files.
        html_part = message.get_payload()[-1]
        for image in letter.inline_images:
            maintype, subtype = image.mime_type.lower().split("/")
            html_part.add_related(
                image.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{image.cid}>",
                disposition="inline",
                filename=f"{image.cid}.{subtype}",
            )
    for attachment in letter.attachments:
        maintype, subtype = attachment.mime_type.lower().split("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=safe_filename(attachment.filename),
        )
    return message


# Control characters, bidi overrides ("invoice\u202efdp.exe") and Unicode line separators.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def safe_filename(filename: str) -> str:
    """The name a mail client will save under: no folders, no control or invisible characters."""
    kept = "".join(
        "_" if ch in "/\\" else ch
        for ch in filename
        if unicodedata.category(ch) not in _UNSAFE_CATEGORIES
    )
    # Leading dots would give ".." or a hidden file; trailing ones and spaces confuse Windows.
    return kept.strip(". ") or "attachment"


def send_letters(letters: list[Letter], connections: int = 4) -> list[SendOutcome]:
    """Send each letter once; to the local capture when no SMTP server is configured."""
    settings = get_settings()
    if not letters:
        return []
    if settings.smtp_host:
        return asyncio.run(
            _send_all(letters, settings, settings.smtp_host, settings.smtp_port, connections)
        )
    with capture_server(settings.mail_capture_dir) as (host, port):
        return asyncio.run(_send_all(letters, settings, host, port, connections))


async def _send_all(letters, settings: Settings, host: str, port: int, connections: int):
    queue: asyncio.Queue[tuple[int, Letter]] = asyncio.Queue()
    for item in enumerate(letters):
        queue.put_nowait(item)
    outcomes: list[SendOutcome | None] = [None] * len(letters)
    workers = [
        _worker(queue, outcomes, settings, host, port)
        for _ in range(min(connections, len(letters)))
    ]
    await asyncio.gather(*workers)
    return outcomes


def smtp_client(settings: Settings, host: str, port: int) -> aiosmtplib.SMTP:
    """A client for the configured server, or for the local capture (loopback, no TLS, no
    login); the timeout bounds every command, so a stalled server cannot hang a run."""
    if not settings.smtp_host:
        return aiosmtplib.SMTP(hostname=host, port=port, start_tls=False, timeout=30)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return aiosmtplib.SMTP(
        hostname=host,
        port=port,
        username=settings.smtp_user,
        password=password,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        timeout=30,
    )


async def _worker(queue, outcomes, settings: Settings, host: str, port: int) -> None:
    smtp = smtp_client(settings, host, port)
    try:
        await smtp.connect()
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailError(f"SMTP server {host}:{port}: {exc}") from None
    try:
        while not queue.empty():
            index, letter = queue.get_nowait()
            try:
                # The envelope recipient is exactly the intended address, whatever the headers say.
                await smtp.send_message(
                    build_message(letter, settings.mail_from), recipients=[letter.to]
                )
                outcomes[index] = SendOutcome(to=letter.to, is_sent=True)
            except aiosmtplib.SMTPException as exc:
                outcomes[index] = SendOutcome(to=letter.to, is_sent=False, error=str(exc))
    finally:
        await smtp.quit()
