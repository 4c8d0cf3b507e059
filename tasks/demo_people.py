"""Demo persons: contact persons and individual clients, with their family dates, opt-outs and
mailing-list memberships.

Rows are plain tuples in the column order below, driven by one seeded Random.
"""

from __future__ import annotations

import random
from datetime import date
from typing import NamedTuple

from tasks import demo_names as pool
from tasks.demo_names import latin

PERSON_COLUMNS = (
    "person_id", "first_name", "middle_name", "last_name", "gender", "birth_date", "phones",
    "emails", "tax_id", "city", "address", "postcode", "locale", "time_zone",
)  # fmt: skip
USEFUL_DATE_COLUMNS = ("kind", "person_id", "organisation_id", "title", "month", "day", "year")
SUPPRESSION_COLUMNS = ("email", "person_id", "organisation_id", "reason", "source")
LIST_MEMBER_COLUMNS = ("list_id", "person_id", "organisation_id")

Rows = dict[str, list[tuple]]


class Person(NamedTuple):
    person_id: int
    first: str
    middle: str | None
    last: str
    first_latin: str
    last_latin: str
    mobile: str


def expand(pairs) -> tuple:
    """Weighted choice by indexing: each item repeated as often as its weight."""
    return tuple(item for item, weight in pairs for _ in range(weight))


REGIONS = expand((region, region.weight) for region in pool.REGIONS)
_MALE = tuple((first, latin(first), pm, pf) for first, pm, pf in pool.RU_MALE)
_FEMALE = tuple((first, latin(first)) for first in pool.RU_FEMALE)
_SURNAMES = tuple(
    (male, pool.female_surname(male), latin(male), latin(pool.female_surname(male)))
    for male in pool.RU_SURNAMES
)


class Draws:
    """Small random helpers over one seeded Random, shared by the demo factories."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self.rng, self.r = rng, rng.random
        self.today = as_of.toordinal()

    def pick(self, items):
        return items[int(self.r() * len(items))]

    def digits(self, n: int) -> str:
        return f"{int(self.r() * 10**n):0{n}d}"

    def days_ago(self, oldest_years: float, newest_years: float) -> int:
        """A day (ordinal) between the two ages, counted back from the load's day."""
        span = oldest_years - newest_years
        return self.today - int((newest_years + self.r() * span) * 365.25)

    def between(self, first: int, last: int) -> int:
        return first + int(self.r() * max(0, last - first))

    @staticmethod
    def iso(ordinal: int) -> str:
        return date.fromordinal(ordinal).isoformat()

    def street(self, flat: bool = False) -> str:
        street = f"{self.pick(pool.STREETS)}, д. {1 + int(self.r() * 150)}"
        if flat:
            return f"{street}, кв. {1 + int(self.r() * 300)}"
        return f"{street}, офис {100 + int(self.r() * 400)}" if self.r() < 0.5 else street


class PersonFactory(Draws):
    """Hands out person ids from `person_base` on, in generation order."""

    def __init__(self, rng, as_of, person_base: int, list_ids: tuple[int, ...] = ()) -> None:
        super().__init__(rng, as_of)
        self.next_id = person_base + 1
        self.list_ids = list_ids

    def person(self, region, rows: Rows, *, english=False, tax_id=None, individual=False):
        r = self.r
        person_id, self.next_id = self.next_id, self.next_id + 1
        first, middle, last, first_latin, last_latin, gender = self._name(english)
        mobile = f"+79{self.digits(9)}"
        phones = [] if r() < 0.08 else [mobile] if r() < 0.9 else [mobile, f"+79{self.digits(9)}"]
        emails = []
        if r() < (0.8 if individual else 0.45):
            emails.append(
                f"{first_latin}.{last_latin}.{person_id:x}@{self.pick(pool.MAIL_PROVIDERS)}"
            )
        rows["persons"].append(
            (
                person_id, first, middle, last, gender,
                self.iso(self.days_ago(64, 22)) if r() < 0.85 else None, phones, emails, tax_id,
                region.city, self.street(flat=True) if individual else None,
                region.postcode + self.digits(3) if individual else None,
                "en" if english else "ru", region.time_zone,
            )
        )  # fmt: skip
        self._extras(person_id, emails, rows)
        return Person(person_id, first, middle, last, first_latin, last_latin, mobile)

    def _name(self, english: bool) -> tuple:
        """(first, middle, last, first in Latin, last in Latin, gender)."""
        male = self.r() < 0.5
        if english:
            first = self.pick(pool.EN_MALE if male else pool.EN_FEMALE)
            last = self.pick(pool.EN_SURNAMES)
            return first, None, last, first.lower(), last.lower(), "male" if male else "female"
        father, surname = self.pick(_MALE), self.pick(_SURNAMES)
        if male:
            first = self.pick(_MALE)
            return first[0], father[2], surname[0], first[1], surname[2], "male"
        first = self.pick(_FEMALE)
        return first[0], father[3], surname[1], first[1], surname[3], "female"

    def _extras(self, person_id: int, emails: list[str], rows: Rows) -> None:
        r = self.r
        if r() < 0.03:
            when = date.fromordinal(self.today - int(r() * 365 * 20))
            year = when.year if r() < 0.5 else None
            title = self.pick(pool.FAMILY_DATES)
            rows["useful_dates"].append(
                ("family_date", person_id, None, title, when.month, when.day, year)
            )
        chance = r()
        if emails and chance < 0.005:
            rows["suppressions"].append((emails[0], person_id, None, "unsubscribed", "demo"))
        elif emails and chance < 0.008:
            rows["suppressions"].append((emails[0], None, None, "bounced", "demo"))
        elif chance < 0.010:
            rows["suppressions"].append((None, person_id, None, "do_not_contact", "demo"))
        for list_id, share in zip(self.list_ids, (0.05, 0.02), strict=False):
            if emails and r() < share:
                rows["list_members"].append((list_id, person_id, None))
