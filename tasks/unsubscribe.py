"""Unsubscribing from campaign letters by the token in a letter's link (RFC 8058 one-click)."""

from __future__ import annotations

from urllib.parse import quote

from pydantic import BaseModel
from sqlalchemy.orm import Session

from models.settings import get_settings
from models.sql import query

# The column's width: a longer path segment cannot be a token, so it never reaches the database.
_MAX_TOKEN_LENGTH = 64


class UnsubscribeResult(BaseModel):
    masked_email: str  # for a paper letter, which has no address, its addressee's masked name
    is_already_unsubscribed: bool


def unsubscribe_url(token: str) -> str:
    """The link put into a letter (body and List-Unsubscribe header) for one recipient."""
    base = get_settings().public_url.rstrip("/")
    return f"{base}/u/{quote(token, safe='')}"


def mask_email(email: str) -> str:
    """`ivan@example.com` -> `i***@example.com`: enough to recognise, not enough to harvest."""
    local, at, domain = email.rpartition("@")
    if not at:
        return f"{email[:1]}***"
    return f"{local[:1]}***@{domain}"


def mask_name(first_name: str | None, last_name: str | None) -> str:
    """`Иван`, `Петров` -> `И*** П***`: a paper letter's addressee, masked like an address."""
    names = [name.strip() for name in (first_name, last_name) if name and name.strip()]
    return " ".join(f"{name[:1]}***" for name in names) or "***"


def _shown(row) -> str:
    # A paper letter's row has no address: its page names the person the letter was for.
    if row.email is None:
        return mask_name(row.first_name, row.last_name)
    return mask_email(row.email)


def recipient_for(session: Session, token: str) -> str | None:
    """The masked address (or a paper letter's masked addressee) a token unsubscribes, or None
    for an unknown token."""
    if not _is_plausible(token):
        return None
    row = session.execute(query("campaigns", "recipient_by_token"), {"token": token}).first()
    return _shown(row) if row is not None else None


def unsubscribe(session: Session, token: str) -> UnsubscribeResult | None:
    """Suppress the token's address in the caller's transaction; None for an unknown token.

    Idempotent: a second call (a double click, a mail client retrying) finds the suppression
    and reports it as already done.
    """
    if not _is_plausible(token):
        return None
    row = session.execute(query("campaigns", "unsubscribe_by_token"), {"token": token}).first()
    if row is None:
        return None
    return UnsubscribeResult(
        masked_email=_shown(row), is_already_unsubscribed=row.is_already_unsubscribed
    )


def _is_plausible(token: str) -> bool:
    return 0 < len(token) <= _MAX_TOKEN_LENGTH
