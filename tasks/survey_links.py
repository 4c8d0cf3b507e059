"""Personal survey links: `<PUBLIC_URL>/s/<token>`, the token being the respondent's only key."""

from __future__ import annotations

import re
from urllib.parse import quote

from models.settings import get_settings

# Our tokens are made in SQL from two random UUIDs (244 random bits, 64 hex digits); the column
# takes 32 to 64 characters. Anything else in the path cannot be a token, so it never reaches
# the database.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def survey_url(token: str) -> str:
    """The link put into an invitation or a reminder for one respondent."""
    base = get_settings().public_url.rstrip("/")
    return f"{base}/s/{quote(token, safe='')}"


def is_plausible_token(token: str) -> bool:
    return bool(_TOKEN.match(token))
