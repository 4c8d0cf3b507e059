"""Comparing two records: a score in [0, 1] and the evidence a person can check.

Exact identifiers decide alone only when they identify one client: the same INN means the same
organisation and two different INNs two organisations. A shared phone, e-mail domain or address
only adds to a name that is already similar, so two companies of one holding (one website, one
head-office phone) are never taken for one on that alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from tasks.lead_records import PERSON, Record
from tasks.normalise_persons import person_names_compatible

NAME_WEIGHT, CONTACT_WEIGHT, PLACE_WEIGHT = 0.55, 0.35, 0.10
NAME_FLOOR = 0.4
# "ИП Петров И.С." against "Петров Иван Сергеевич": the same person, short of identical.
ENTREPRENEUR_NAMES = 0.9
WORD_ORDER_WORTH = 90
DOMAIN_STRENGTH = 0.7  # a shared company domain: sister companies share them
ADDRESS_MIN = 0.6  # token overlap below this says nothing
# Below this name similarity a shared contact counts for less: a holding's companies share them.
NAME_TRUSTED = 0.6


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    evidence: str


NO_MATCH = Match(0.0, "nothing in common")


def compare(a: Record, b: Record) -> Match:
    if a.kind != b.kind:
        return NO_MATCH
    if a.tax_id and b.tax_id:
        if a.tax_id == b.tax_id:
            return Match(1.0, f"same INN {a.tax_id}")
        return Match(0.0, f"different INN {a.tax_id} / {b.tax_id}")
    if a.kind == PERSON:
        return _compare_persons(a, b)
    return _compare_organisations(a, b)


def name_similarity(a: Record, b: Record) -> float:
    if not a.name_key or not b.name_key:
        return 0.0
    if a.name_key == b.name_key:
        return 1.0
    # Letters (typos, joined words), then word order (words swapped) when letters say little.
    raw = fuzz.ratio(a.name_key, b.name_key)
    if raw < WORD_ORDER_WORTH and " " in a.words and " " in b.words:
        raw = max(raw, fuzz.token_sort_ratio(a.words, b.words))
    raw /= 100
    # Unrelated names still share some letters (about half, for short ones): only what is above
    # that says anything.
    return max(0.0, (raw - NAME_FLOOR) / (1 - NAME_FLOOR))


def _as_persons(a: Record, b: Record) -> float:
    """An entrepreneur's business is named by the person: initials agree with the full name."""
    return ENTREPRENEUR_NAMES if person_names_compatible(a.name, b.name) else 0.0


def _shared_contact(a: Record, b: Record) -> tuple[float, str | None]:
    if phone := _first_common(a.phones, b.phones):
        return 1.0, f"same phone {phone}"
    if email := _first_common(a.emails, b.emails):
        return 1.0, f"same e-mail {email}"
    if a.domains and b.domains and (domain := _first_common(a.domains, b.domains)):
        return DOMAIN_STRENGTH, f"same domain {domain}"
    return 0.0, None


def _first_common(left, right) -> str | None:
    if not left or not right:
        return None
    common = set(left) & set(right)
    return min(common) if common else None


def _address(a: Record, b: Record) -> float:
    if not a.address or not b.address:
        return 0.0
    ta, tb = a.address_tokens, b.address_tokens
    if not ta or not tb:
        return 0.0
    overlap = len(ta & tb) / len(ta | tb)
    return overlap if overlap >= ADDRESS_MIN else 0.0


def _place(a: Record, b: Record) -> tuple[float, str | None]:
    if not a.city or not b.city:
        return 0.5, None
    return (1.0, "same city") if a.city == b.city else (0.0, "other city")


def _combine(name: float, contact: float, place: float) -> float:
    trust = min(1.0, name / NAME_TRUSTED)
    return round(NAME_WEIGHT * name + CONTACT_WEIGHT * contact * trust + PLACE_WEIGHT * place, 4)


def _compare_organisations(a: Record, b: Record) -> Match:
    name = name_similarity(a, b)
    if (a.is_entrepreneur or b.is_entrepreneur) and name < 1.0:
        name = max(name, _as_persons(a, b))
    contact, contact_note = _shared_contact(a, b)
    address = _address(a, b) if contact < 1.0 and name >= NAME_TRUSTED / 2 else 0.0
    if address > contact:
        contact, contact_note = address, f"address {address:.2f}"
    place, place_note = _place(a, b)
    evidence = " + ".join(filter(None, (f"name {name:.2f}", contact_note, place_note)))
    return Match(_combine(name, contact, place), evidence)


def _compare_persons(a: Record, b: Record) -> Match:
    if a.birth_date and b.birth_date and a.birth_date != b.birth_date:
        return Match(0.0, "different birth dates")
    compatible = bool(a.person and b.person and person_names_compatible(a.person, b.person))
    name = 1.0 if compatible else name_similarity(a, b) * 0.8
    contact, contact_note = _shared_contact(a, b)
    if a.birth_date and a.birth_date == b.birth_date:
        place, place_note = 1.0, f"same birth date {a.birth_date.isoformat()}"
        contact = max(contact, 0.8 if compatible else 0.0)
    else:
        place, place_note = _place(a, b)
    name_note = "same name" if compatible else f"name {name:.2f}"
    evidence = " + ".join(filter(None, (name_note, contact_note, place_note)))
    return Match(_combine(name, contact, place), evidence)
