"""Russian tax ids (INN): check digits, validation and generation of valid ones."""

from __future__ import annotations

import random

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def with_check_digits(body: str) -> str:
    """Complete a 9-digit (company) or 10-digit (person) body with its check digit(s)."""
    if len(body) == 9 and body.isdigit():
        return body + _check_digit(body, _W10)
    if len(body) == 10 and body.isdigit():
        eleven = body + _check_digit(body, _W11)
        return eleven + _check_digit(eleven, _W12)
    raise ValueError(f"an INN body has 9 or 10 digits, got {body!r}")


def is_valid_inn(value: str | None) -> bool:
    """True for a 10-digit company or 12-digit personal INN whose check digits match."""
    if not value or not value.isascii() or not value.isdigit() or len(value) not in (10, 12):
        return False
    return with_check_digits(value[: len(value) - (1 if len(value) == 10 else 2)]) == value


def make_inn(rng: random.Random, personal: bool = False) -> str:
    """A random valid INN; the first two digits are a real region code range (01-89)."""
    region = f"{rng.randint(1, 89):02d}"
    body = region + "".join(str(rng.randint(0, 9)) for _ in range(8 if personal else 7))
    return with_check_digits(body)
