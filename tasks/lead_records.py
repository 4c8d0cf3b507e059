"""One prospect or client record in the shape the matcher compares, from a file row or the base."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from tasks.normalise_contacts import company_domain, normalise_emails, normalise_phones
from tasks.normalise_ids import address_tokens, normalise_tax_id
from tasks.normalise_names import normalise_org_name
from tasks.normalise_persons import PersonName, person_key, split_person_name
from tasks.transliteration import translit_key

ORGANISATION, PERSON = "organisation", "person"
ENTREPRENEUR = "ИП"
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y", "%Y-%m-%dT%H:%M:%S")
_INT = re.compile(r"^\s*(\d[\d\s]*)\s*$")
# The widths of the base's columns these fields go to: a longer cell is cut, with a note,
# because one overlong cell must not make the database refuse the whole file.
_WIDTHS = {
    "name": 300, "legal_form": 40, "industry": 100, "region": 100, "city": 100, "postcode": 12,
    "website": 300, "position": 200, "external_id": 100, "full_name": 300, "first_name": 100,
    "middle_name": 100, "last_name": 100,
}  # fmt: skip


# English names of the cities a Russian base meets most, so "Moscow" is "Москва".
_CITY_EXONYMS = {
    translit_key(english): translit_key(russian)
    for english, russian in (
        ("Moscow", "Москва"), ("Saint Petersburg", "Санкт-Петербург"),
        ("St. Petersburg", "Санкт-Петербург"), ("St Petersburg", "Санкт-Петербург"),
        ("Nizhny Novgorod", "Нижний Новгород"), ("Rostov-on-Don", "Ростов-на-Дону"),
        ("Yekaterinburg", "Екатеринбург"), ("Kazan", "Казань"), ("Samara", "Самара"),
        ("Novosibirsk", "Новосибирск"), ("Krasnodar", "Краснодар"), ("Ufa", "Уфа"),
    )
}  # fmt: skip


@lru_cache(maxsize=20_000)
def city_key(city: str | None) -> str | None:
    if not city:
        return None
    key = translit_key(re.sub(r"^(?:г\.|город|g\.)\s*", "", city.strip(), flags=re.IGNORECASE))
    return _CITY_EXONYMS.get(key, key) or None


@dataclass(slots=True)
class Record:
    kind: str  # ORGANISATION or PERSON
    name: str | None  # display name; for a person "Last First Middle"
    name_key: str | None  # transliterated words: "romashka plius", or a person's "ivanov|i"
    # Transliterated words for an order-free comparison (an organisation's name key already is).
    _words: str | None
    tax_id: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    domains: frozenset[str] = frozenset()
    city: str | None = None  # folded
    address: str | None = None
    birth_date: date | None = None
    person: PersonName | None = None
    # An individual entrepreneur (ИП) is named like a person: "ИП Петров И.С." is the same
    # business as "Петров Иван Сергеевич".
    is_entrepreneur: bool = False
    row_number: int = 0  # a file row; 0 for a client of the base
    organisation_id: int | None = None
    person_id: int | None = None
    external_id: str | None = None
    _tokens: frozenset[str] | None = field(default=None, repr=False)

    @property
    def words(self) -> str:
        return self._words if self._words is not None else self.name_key or ""

    @property
    def address_tokens(self) -> frozenset[str]:
        # Computed on demand: most comparisons are settled before the address is looked at.
        if self._tokens is None:
            self._tokens = address_tokens(self.address) if self.address else frozenset()
        return self._tokens


@dataclass(slots=True)
class Prospect:
    """A file row: the record to match, what will be written, and why it may be unusable."""

    row_number: int
    record: Record | None
    values: dict[str, Any]  # normalised, as written to the base and the delivered list
    custom: dict[str, str]
    external_id: str | None
    problems: list[str]  # non-empty: the row is invalid, these are the reasons
    notes: list[str]  # kept but worth saying: a second phone that could not be read, …
    contact: Record | None = None  # the contact person of an organisation row
    # No phone or e-mail: still matched (a known client is struck out as such), but unusable
    # as a new lead.
    no_contact: str | None = None


def org_words(name: str | None) -> tuple[str | None, str | None, str, str | None]:
    """(legal form, display name, words, key) of an organisation name."""
    parts = normalise_org_name(name)
    words = " ".join(filter(None, (translit_key(w) for w in parts.name_key.split())))
    return parts.legal_form, parts.bare_name or None, words, words or None


def organisation_record(
    name: str | None,
    *,
    name_key: str | None = None,
    domains: frozenset[str] | None = None,
    legal_form: str | None = None,
    tax_id: str | None = None,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    website: str | None = None,
    city: str | None = None,
    address: str | None = None,
) -> Record:
    """An organisation; a client of the base passes its stored name key and domains."""
    if name_key is None:
        form, display, words, name_key = org_words(name)
        legal_form = legal_form or form
    else:
        display, words = name, name_key
    if domains is None:
        found = {company_domain(website)} | {company_domain(e) for e in emails}
        domains = frozenset(d for d in found if d)
    return Record(
        kind=ORGANISATION,
        name=display,
        name_key=name_key,
        _words=words,
        tax_id=tax_id,
        phones=phones,
        emails=emails,
        domains=domains,
        city=city_key(city),
        address=address,
        is_entrepreneur=legal_form == ENTREPRENEUR,
    )


def person_record(
    person: PersonName,
    *,
    tax_id: str | None = None,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    birth_date: date | None = None,
    city: str | None = None,
) -> Record:
    display = " ".join(p for p in (person.last, person.first, person.middle) if p)
    return Record(
        kind=PERSON,
        name=display or None,
        name_key=person_key(person),
        _words=" ".join(translit_key(p) for p in (person.last, person.first, person.middle) if p),
        tax_id=tax_id,
        phones=phones,
        emails=emails,
        birth_date=birth_date,
        city=city_key(city),
        person=person,
    )


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_count(text: str | None) -> int | None:
    match = _INT.match(text or "")
    return int(match.group(1).replace(" ", "")) if match else None


def person_name_of(fields: dict[str, str]) -> PersonName | None:
    if full := fields.get("full_name"):
        person = split_person_name(full)
    elif any(fields.get(f) for f in ("first_name", "last_name")):
        person = PersonName(
            last=fields.get("last_name") or None,
            first=fields.get("first_name") or None,
            middle=fields.get("middle_name") or None,
            first_initial=(fields.get("first_name") or "")[:1] or None,
            middle_initial=(fields.get("middle_name") or "")[:1] or None,
        )
    else:
        return None
    return person if (person.last or person.first) else None


def prospect_from_fields(
    row_number: int, fields: dict[str, str], custom: dict[str, str], phone_region: str
) -> Prospect:
    """Normalise one mapped row; a row without a name or a way to contact is invalid."""
    problems: list[str] = []
    notes: list[str] = []
    fields = dict(fields)
    for key, width in _WIDTHS.items():
        if len(fields.get(key) or "") > width:
            fields[key] = fields[key][:width].rstrip()
            notes.append(f"{key} cut to {width} characters")
    tax = normalise_tax_id(fields.get("tax_id")) if fields.get("tax_id") else None
    if tax and tax.value is None:
        problems.append(f"malformed tax id '{fields['tax_id']}': {tax.reason}")
    phone_text, email_text = fields.get("phone"), fields.get("email")
    phones, bad_phones = _split(normalise_phones(phone_text, phone_region), "e164", phone_text)
    emails, bad_emails = _split(normalise_emails(email_text), "address", email_text)
    notes += [f"phone {problem}" for problem in bad_phones]
    notes += [f"e-mail {problem}" for problem in bad_emails]
    person = person_name_of(fields)
    birth = parse_date(fields.get("birth_date"))
    if fields.get("birth_date") and birth is None:
        notes.append(f"birth date '{fields['birth_date']}' not understood")
    tax_id = tax.value if tax else None
    legal_form, display, words, name_key = org_words(fields.get("name"))
    values: dict[str, Any] = {
        "name": display,
        "legal_form": fields.get("legal_form") or legal_form,
        "tax_id": tax_id,
        "phones": list(phones),
        "emails": list(emails),
        "website": fields.get("website"),
        "address": fields.get("address"),
        "city": fields.get("city"),
        "postcode": fields.get("postcode"),
        "region": fields.get("region"),
        "industry": fields.get("industry"),
        "employee_count": parse_count(fields.get("employee_count")),
        "position": fields.get("position"),
        "birth_date": birth.isoformat() if birth else None,
        "owner": fields.get("owner"),
        "owned_since": fields.get("owned_since"),
    }
    record = contact = None
    if display:
        record = organisation_record(
            fields.get("name"),
            name_key=name_key,
            tax_id=tax_id if tax_id and len(tax_id) == 10 or legal_form == "ИП" else None,
            phones=phones,
            emails=emails,
            website=fields.get("website"),
            city=fields.get("city"),
            address=fields.get("address"),
        )
        record.name, record._words = display, words
        record.is_entrepreneur = (fields.get("legal_form") or legal_form) == ENTREPRENEUR
        if person:
            contact = person_record(person, phones=phones, emails=emails, birth_date=birth)
    elif person:
        record = person_record(
            person,
            tax_id=tax_id if tax_id and len(tax_id) == 12 else None,
            phones=phones,
            emails=emails,
            birth_date=birth,
            city=fields.get("city"),
        )
    else:
        problems.append("no name: neither a company nor a person")
    no_contact = None if phones or emails else _no_contact_reason(fields)
    if record is not None:
        record.row_number = row_number
    values["contact"] = contact.name if contact else None
    return Prospect(
        row_number=row_number,
        record=record,
        values=values,
        custom=custom,
        external_id=fields.get("external_id"),
        problems=problems,
        notes=notes,
        contact=contact,
        no_contact=no_contact,
    )


def _split(items, attribute: str, raw: str | None) -> tuple[tuple[str, ...], list[str]]:
    good = tuple(dict.fromkeys(getattr(i, attribute) for i in items if getattr(i, attribute)))
    bad = [i.reason for i in items if not getattr(i, attribute)]
    return good, [f"'{raw}': {reason}" for reason in bad]


def _no_contact_reason(fields: dict[str, str]) -> str:
    given = [f for f in ("phone", "email") if fields.get(f)]
    if given:
        return "no way to contact: the " + " and ".join(given) + " given could not be read"
    return "no way to contact: no phone or e-mail"
