"""Demo organisations and their employments, plus individual clients.

Rows are plain tuples in the column order below; one seeded Random drives everything, so the
same seed gives the same base. Ids are handed out here, from the offsets the loader found.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from datetime import date
from typing import NamedTuple

from tasks import demo_names as pool
from tasks.demo_names import latin
from tasks.demo_people import REGIONS, Person, PersonFactory, Rows, expand
from tasks.tax_ids import with_check_digits

ORGANISATION_COLUMNS = (
    "organisation_id", "name", "legal_form", "tax_id", "industry", "region", "city", "address",
    "postcode", "website", "phones", "emails", "employee_count", "founded_date",
    "custom_attributes",
)  # fmt: skip
EMPLOYMENT_COLUMNS = (
    "person_id", "organisation_id", "position", "work_phone", "work_email",
    "is_primary_contact", "is_decision_maker", "started_date", "ended_date",
)  # fmt: skip

INDIVIDUAL_SHARE = 0.08  # individual clients per organisation
SHARED_CONTACT_SHARE = 0.04  # a further contact who already works for another client
_CONTACTS = (1,) * 45 + (2,) * 43 + (3,) * 12
_INDUSTRIES = expand(pool.INDUSTRIES)
_FORMS = expand(((form, kind), weight) for form, weight, kind in pool.LEGAL_FORMS)
_STANDING = ("stable",) * 6 + ("growing",) * 2 + ("at_risk", "unknown")
_HEADCOUNT = {"ИП": (1, 15), "АО": (50, 5000), "ПАО": (1000, 60000)}
# Multipliers coprime to the sizes of the INN body ranges (10**7 and 5 * 10**7): index -> body
# is then one-to-one, so no two clients of a load share a tax id.
_COMPANY_STEP, _PERSONAL_STEP = 3_733_799, 7_654_321


class Client(NamedTuple):
    """What the pipeline needs to open a lead for a client."""

    organisation_id: int | None
    person_id: int | None
    contact_id: int | None  # the person surveys and letters go to
    currency: str


class _Org(NamedTuple):
    org_id: int
    kind: str  # "ru", "en" or "ie" (an individual entrepreneur)
    region: pool.Region
    domain: str | None
    phone: str
    founded: int  # day ordinal


def _band(employees: int) -> str:
    for top, band in ((10, "1-10"), (50, "11-50"), (250, "51-250"), (1000, "251-1000")):
        if employees <= top:
            return band
    return "1000+"


class ClientFactory(PersonFactory):
    """Generates the client base one chunk of organisations at a time."""

    def __init__(self, rng: random.Random, as_of: date, org_base: int, person_base: int, list_ids):
        super().__init__(rng, as_of, person_base, list_ids)
        self.org_base = org_base
        self.individuals = 0
        self._inn_offsets = (rng.randrange(10**7), rng.randrange(5 * 10**7))
        self._recent: deque[int] = deque(maxlen=64)

    def chunk(self, start: int, count: int) -> tuple[Rows, list[Client]]:
        rows: Rows = defaultdict(list)
        clients = []
        for index in range(start, start + count):
            clients.append(self._organisation(index, rows))
            if self.r() < INDIVIDUAL_SHARE:
                clients.append(self._individual(rows))
        return rows, clients

    def _organisation(self, index: int, rows: Rows) -> Client:
        r = self.r
        org_id = self.org_base + index + 1
        (form, kind), region = self.pick(_FORMS), self.pick(REGIONS)
        owner = None
        if kind == "ie":
            tax_id = self._personal_inn(region, index, 0)
            owner = self.person(region, rows, tax_id=tax_id)
            name, slug = f"ИП {owner.last} {owner.first} {owner.middle}", owner.last_latin
        else:
            body = (_COMPANY_STEP * index + self._inn_offsets[0]) % 10**7
            tax_id = with_check_digits(f"{region.tax_code}{body:07d}")
            name, slug = self._company_name(form, kind)
        domain = f"{slug}-{org_id:x}.example" if r() < (0.15 if owner else 0.75) else None
        phone = f"+7{region.area_code}{self.digits(10 - len(region.area_code))}"
        org = _Org(org_id, kind, region, domain, phone, self.days_ago(17 if owner else 33, 1))
        employees = self._headcount(form)
        rows["organisations"].append(
            (
                org_id, name, form, tax_id, self.pick(_INDUSTRIES), region.region, region.city,
                self.street(), region.postcode + self.digits(3),
                "https://" + domain if domain else None, self._phones(org),
                self._emails(org, slug), employees, self.iso(org.founded),
                self._attributes(employees),
            )
        )  # fmt: skip
        self._org_extras(org, rows)
        contact = self._contacts(org, owner, rows)
        currency = "EUR" if form in ("GmbH", "Ltd") and r() < 0.5 else "RUB"
        return Client(org_id, None, contact, currency)

    def _personal_inn(self, region: pool.Region, index: int, half: int) -> str:
        # Entrepreneurs and individuals draw from separate halves, so their INNs never meet.
        body = (_PERSONAL_STEP * index + self._inn_offsets[1]) % (5 * 10**7) + half * 5 * 10**7
        return with_check_digits(f"{region.tax_code}{body:08d}")

    def _company_name(self, form: str, kind: str) -> tuple[str, str]:
        if kind == "en":
            word, trade = self.pick(pool.EN_WORDS), self.pick(pool.EN_KINDS)
            return f"{word.replace('-', ' ')} {trade} {form}", f"{latin(word)}-{trade.lower()}"
        shape = self.r()
        if shape < 0.45:
            brand = self.pick(pool.RU_STEMS)
        elif shape < 0.75:
            brand = f"{self.pick(pool.RU_STEMS)}-{self.pick(pool.RU_SUFFIXES).capitalize()}"
        else:
            brand = self.pick(pool.RU_PREFIXES) + self.pick(pool.RU_SUFFIXES)
        return f"{form} «{brand}»", latin(brand)

    def _phones(self, org: _Org) -> list[str]:
        return [org.phone, f"+79{self.digits(9)}"] if self.r() < 0.3 else [org.phone]

    def _emails(self, org: _Org, slug: str) -> list[str]:
        if org.domain is None:
            return [f"{slug}.{org.org_id:x}@{self.pick(pool.MAIL_PROVIDERS)}"]
        return ["info@" + org.domain] + (["sales@" + org.domain] if self.r() < 0.4 else [])

    def _headcount(self, form: str) -> int | None:
        if form == "ООО" and self.r() < 0.1:
            return None
        low, high = _HEADCOUNT.get(form, (3, 800))
        return int(low * (high / low) ** self.r())

    def _attributes(self, employees: int | None) -> dict:
        r = self.r
        attributes = {"financial_standing": self.pick(_STANDING)}
        if employees is not None:
            attributes["headcount_band"] = _band(employees)
        if r() < 0.6:
            attributes["delivery"] = "pickup" if r() < 0.35 else "delivery"
        if r() < 0.4:
            attributes["payment_terms_days"] = (0, 14, 30, 60)[int(r() * 4)]
        return attributes

    def _org_extras(self, org: _Org, rows: Rows) -> None:
        if org.kind != "ie" and self.r() < 0.12:
            founded = date.fromordinal(org.founded)
            rows["useful_dates"].append(
                ("company_anniversary", None, org.org_id, "День основания компании",
                 founded.month, founded.day, founded.year)
            )  # fmt: skip
        if self.r() < 0.001:
            rows["suppressions"].append((None, None, org.org_id, "do_not_contact", "demo"))

    def _contacts(self, org: _Org, owner: Person | None, rows: Rows) -> int | None:
        """The organisation's contact persons; returns the primary contact's id."""
        r = self.r
        english = org.kind == "en" and r() < 0.4
        positions = pool.EN_POSITIONS if english else pool.RU_POSITIONS
        taken: list[int] = []
        if owner is not None:
            self._employ(owner, org, ("Индивидуальный предприниматель", True), True, rows)
            taken.append(owner.person_id)
        # An entrepreneur sometimes names an accountant too; companies give one to three people.
        count = (1 if r() < 0.2 else 0) if owner else self.pick(_CONTACTS)
        for _ in range(count):
            if taken and self._recent and r() < SHARED_CONTACT_SHARE:
                person_id = self.pick(self._recent)
                if person_id not in taken:
                    self._employ_shared(person_id, org, self.pick(positions), rows)
                    taken.append(person_id)
                continue
            person = self.person(org.region, rows, english=english)
            # The first contact is usually someone who decides (directors lead the list).
            position = positions[int(r() * 2)] if not taken else self.pick(positions)
            self._employ(person, org, position, not taken, rows)
            taken.append(person.person_id)
        self._recent.extend(taken)
        return taken[0] if taken else None

    def _employ(self, person: Person, org: _Org, position, primary: bool, rows: Rows) -> None:
        started = self.between(org.founded, self.today - 30)
        # A few former contacts stay on record, with the day they left.
        ended = None if primary or self.r() > 0.03 else self.iso(self.between(started, self.today))
        email = f"{person.first_latin[0]}.{person.last_latin}@{org.domain}" if org.domain else None
        phone = org.phone if self.r() < 0.5 else person.mobile
        rows["employments"].append(
            (person.person_id, org.org_id, position[0], phone, email, primary, position[1],
             self.iso(started), ended)
        )  # fmt: skip

    def _employ_shared(self, person_id: int, org: _Org, position, rows: Rows) -> None:
        started = self.between(max(org.founded, self.today - 5 * 365), self.today - 30)
        rows["employments"].append(
            (person_id, org.org_id, position[0], None, None, False, position[1],
             self.iso(started), None)
        )  # fmt: skip

    def _individual(self, rows: Rows) -> Client:
        region = self.pick(REGIONS)
        tax_id = self._personal_inn(region, self.individuals, 1) if self.r() < 0.4 else None
        self.individuals += 1
        person = self.person(region, rows, tax_id=tax_id, individual=True)
        return Client(None, person.person_id, person.person_id, "RUB")
