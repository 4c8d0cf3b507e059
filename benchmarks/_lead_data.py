"""A client base and a lead file with known duplicates, for the lead-deduplication benchmark.

Everything is a pure function of (index, seed): `base_org(i, seed)` seeds its own Random, so a
lead file regenerates any base organisation it describes without the base in memory, and the
truth (which rows are which base organisation, which rows are one company) comes for free.

Hard negatives are built in on purpose, because a matcher that merges on one shared field has
to lose precision here: sister companies of a holding share a web domain, tenants of one office
share its phone, and some names are reused by unrelated companies in other cities.

    .venv/bin/python benchmarks/_lead_data.py
"""

from __future__ import annotations

import random
import re
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from math import gcd
from typing import NamedTuple

from tasks import demo_names as pool
from tasks.demo_names import latin
from tasks.demo_people import REGIONS, expand
from tasks.tax_ids import with_check_digits
from tasks.transliteration import transliterate

# Links to an earlier organisation. Sisters need a parent company with a site, which about 60%
# of draws find, so ~2% of organisations are sisters and ~3.5% are in a group sharing a domain.
HOLDING_SHARE = 0.03  # same brand root, another activity, the same web domain
SHARED_PHONE_SHARE = 0.02  # the head-office phone (and so the region): ~4% share a phone
# The exact name, in another city. Kept small because the exact-name collision rate has to stay
# under 1% and accidental collisions add ~0.15% at a million organisations.
NAMESAKE_SHARE = 0.004
TAX_ID_SHARE = 0.85
JUNK_SHARE = 0.02

LEAD_FILE_HEADERS: tuple[str, ...] = (
    "ID", "Название", "ИНН", "Телефон", "E-mail", "Сайт", "Город", "Адрес", "Контактное лицо",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BaseOrg:
    index: int  # 0..n-1, the truth id
    name: str  # display name without legal form
    legal_form: str
    tax_id: str | None  # 10 digits for a company; 12 for an entrepreneur (ИП), as in the register
    city: str
    region: str
    address: str
    postcode: str
    website: str | None  # a bare domain
    phones: tuple[str, ...]  # E.164
    emails: tuple[str, ...]
    contact: tuple[str, str, str] | None  # (last, first, middle)


@dataclass(frozen=True, slots=True)
class FileRow:
    cells: tuple[str, ...]  # in LEAD_FILE_HEADERS order, "" for missing
    truth_base: int | None  # BaseOrg.index this row really is, else None
    truth_cluster: int  # rows that are one real company share it


# --- pools -----------------------------------------------------------------------------------
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Syllables for brand roots such as "Бретол" or "Гранвик". The fixed pools alone give a few
# thousand names; a million organisations need hundreds of millions of combinations before exact
# collisions get as rare as the benchmark wants.
_SINGLE = _words("б в г д з к л м н п р с т ф")
_VOWELS = tuple("а" * 9 + "е" * 8 + "и" * 7 + "о" * 9 + "у" * 3 + "я" * 3 + "ё")
# Whole syllable chunks, so a root costs three or four draws rather than a draw per letter.
_HEADS = tuple(
    onset + vowel
    for onset in _SINGLE * 3 + _words("бр гр др кр пр тр ст ск св вл")
    for vowel in _VOWELS
)
# A syllable after an open one may start with a cluster; after a closed one only with a plain
# consonant, which keeps "нк" and "рт" but never "лр" or "нм".
_OPEN_LINKS = tuple(o + v for o in _SINGLE * 3 + _words("тр кр ст гр") for v in _VOWELS)
_CLOSED_LINKS = tuple(
    coda + onset + vowel for coda in "ннррллмс" for onset in "бвгдзкптфс" for vowel in _VOWELS
)
_OPEN_SHARE = 0.45
_LAST_CODAS = _words("н н р р л л м с к к т в кс нт рт ст рм лк рн") + ("", "")

_ACTIVITIES = tuple(suffix.capitalize() for suffix in pool.RU_SUFFIXES) + _words(
    "Групп Холдинг Инвест Консалт Технологии Системы Проект Монтаж Энерго Агро Транс Металл "
    "Маркет Дизайн Инжиниринг Регион Центр Девелопмент Электро Нефтегаз Медикал Фарм Упак "
    "Пласт Лес Софт Телеком Сибирь Урал"
)
_ABBREVIATIONS = _words("ТД СК ГК ТК ПКФ НПО НПП ПК МК ТПК ПСК РСК ЦТО")
_QUALIFIERS = _words("Плюс М С Т Про Центр Групп 21 24 2000 Сити Регион Юг Север")
_TLDS = ("ru",) * 14 + ("com",) * 2 + ("su", "net", "pro", "org", "online", "biz")
_FREE_MAIL = ("mail.ru", "mail.ru", "yandex.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru")
_MAILBOXES = ("info", "info", "info", "sales", "office", "zakaz", "mail", "opt", "secretary")

# Entrepreneurs collide on full names far more often than companies on brands, so they are rarer
# here than in the demo base, and most get a generated surname.
_FORMS = expand(
    ((form, kind), weight // 2 if kind == "ie" else weight)
    for form, weight, kind in pool.LEGAL_FORMS
)
_RU_FORMS = tuple(form for form, kind in _FORMS if kind == "ru")
_SURNAMES = tuple((male, pool.female_surname(male)) for male in pool.RU_SURNAMES)
# demo_names.latin at C speed: the hot path spells a domain or a mailbox for most organisations.
_LATIN = str.maketrans(
    {char: latin(char) for char in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"} | {" ": "-"}
)

# Index -> number bijections (multipliers coprime to the moduli) keep tax ids, phones and free
# mailboxes unique by construction, with no state shared between calls.
_INN_STEP, _PERSONAL_STEP = 3_120_787, 48_271_093
_LANDLINE_STEP, _MOBILE_STEP, _MAILBOX_STEP = 1_234_567, 611_953_001, 7_777_771
# Local numbers start with 2-9, as real ones do: (span, first) per area code. The map stays
# one-to-one below 8 * 10**5 (four-digit codes) or 8 * 10**6 organisations.
_LOCAL_NUMBERS = {
    region.area_code: (8 * 10 ** (9 - len(region.area_code)), 2 * 10 ** (9 - len(region.area_code)))
    for region in pool.REGIONS
}


def _latin(text: str) -> str:
    return text.lower().translate(_LATIN)


class _Core(NamedTuple):
    """What a sister company, a tenant or a namesake copies from an earlier organisation."""

    kind: str  # "ru", "en" or "ie" (an individual entrepreneur)
    form: str
    name: str
    root: str  # the brand a sister company keeps; "" for an entrepreneur
    activity: str
    region: pool.Region
    domain: str | None
    phone: str  # head-office phone, E.164
    person: tuple[str, str, str] | None  # the entrepreneur himself
    sister: bool  # shares its domain with the company it was derived from


@lru_cache(maxsize=64)
def _offsets(seed: int) -> tuple[int, ...]:
    rng = random.Random(f"lead-data-offsets-{seed}")  # a str seed is stable across processes
    return tuple(rng.randrange(10**9) for _ in range(5))


def _pick(r, items):
    return items[int(r() * len(items))]


def _root(r, syllables: int) -> str:
    text = _pick(r, _HEADS)
    for _ in range(1, syllables):
        text += _pick(r, _OPEN_LINKS if r() < _OPEN_SHARE else _CLOSED_LINKS)
    return (text + _pick(r, _LAST_CODAS)).capitalize()


def _person(r, generated_surname: bool = False) -> tuple[str, str, str]:
    father = _pick(r, pool.RU_MALE)
    if generated_surname:
        root = _root(r, 2)
        male = root + ("ев" if root[-1] in "аеиоуяё" else "ов" if r() < 0.8 else "ин")
        surname = (male, pool.female_surname(male))
    else:
        surname = _pick(r, _SURNAMES)
    if r() < 0.5:
        return surname[0], _pick(r, pool.RU_MALE)[0], father[1]
    return surname[1], _pick(r, pool.RU_FEMALE), father[2]


def _company_name(r, kind: str) -> tuple[str, str, str]:
    """(name, root, activity) of a company with a brand of its own."""
    if kind == "en":
        root = _latin(_root(r, 2 + (r() < 0.6))).capitalize()
        shape, trade = r(), _pick(r, pool.EN_KINDS)
        if shape < 0.55:
            return f"{root} {trade}", root, trade
        word = _pick(r, pool.EN_WORDS).replace("-", " ")
        if shape < 0.8:
            return f"{word} {root}", root, ""
        return f"{root} {word} {trade}", root, trade
    shape, activity = r(), ""
    if shape < 0.42:
        root = _root(r, 2 + (r() < 0.5))
        activity = _pick(r, _ACTIVITIES)
        name = f"{root} {activity}"
    elif shape < 0.56:
        root = name = _root(r, 3)
    elif shape < 0.74:
        root = _root(r, 2 + (r() < 0.4))
        activity = _pick(r, _ACTIVITIES) if r() < 0.5 else ""
        name = f"{_pick(r, _ABBREVIATIONS)} {root}" + (f" {activity}" if activity else "")
    elif shape < 0.88:
        root = _pick(r, pool.RU_PREFIXES) + _root(r, 2 + (r() < 0.3)).lower()
        activity = _pick(r, _ACTIVITIES) if r() < 0.4 else ""
        name = f"{root} {activity}" if activity else root
    else:
        root = name = f"{_pick(r, pool.RU_STEMS)}-{_root(r, 2 + (r() < 0.3))}"
    if r() < 0.12:
        qualifier = _pick(r, _QUALIFIERS)
        name += f"-{qualifier}" if len(qualifier) == 1 else f" {qualifier}"
    return name, root, activity


def _domain(r, name: str, suffix: str = "") -> str:
    slug = _latin(name) + suffix  # names hold only letters, digits, spaces and hyphens
    if r() < 0.35:
        slug = slug.replace("-", "")
    return f"{slug}.{_pick(r, _TLDS)}"


def _landline(region: pool.Region, index: int, offsets: tuple[int, ...]) -> str:
    span, first = _LOCAL_NUMBERS[region.area_code]
    return f"+7{region.area_code}{(_LANDLINE_STEP * index + offsets[2]) % span + first}"


def _mobile(index: int, offsets: tuple[int, ...]) -> str:
    return f"+79{(_MOBILE_STEP * index + offsets[3]) % 10**9:09d}"


def _earlier(r, index: int) -> int:
    # Anywhere before, not just nearby: a lead file's fresh companies (indexes past the base)
    # then mostly link to base organisations, which is where the hard negatives have to be.
    return int(r() * index)


def _core(index: int, seed: int) -> tuple[_Core, random.Random]:
    """The identity part of organisation `index`, and its Random positioned after it.

    Links only point back (to a smaller index), so the recursion ends; chains are rare because
    each link is a few per cent.
    """
    rng = random.Random(seed * 2**40 + index)
    r = rng.random
    role, shares_phone = r(), index > 0 and r() < SHARED_PHONE_SHARE
    form, kind = _pick(r, _FORMS)
    region = _pick(r, REGIONS)
    person = parent = namesake = None
    if index > 0 and role < HOLDING_SHARE:
        parent = _core(_earlier(r, index), seed)[0]
        if parent.kind == "ie" or parent.domain is None:
            parent = None  # a sole trader has no sisters; without a site nothing is shared
    elif index > 0 and role < HOLDING_SHARE + NAMESAKE_SHARE:
        namesake = _core(_earlier(r, index), seed)[0]
    if parent is not None:
        kind, root = parent.kind, parent.root
        form = _pick(r, _RU_FORMS) if kind == "ru" else parent.form
        activities = _ACTIVITIES if kind == "ru" else pool.EN_KINDS
        activity = _pick(r, activities)
        while activity == parent.activity:
            activity = _pick(r, activities)
        name = f"{root} {activity}"
        if r() < 0.7:
            region = parent.region
    elif namesake is not None:
        kind, form, name = namesake.kind, namesake.form, namesake.name
        root, activity, person = namesake.root, namesake.activity, namesake.person
        while region.city == namesake.region.city:
            region = _pick(r, REGIONS)
    elif kind == "ie":
        person = _person(r, generated_surname=r() < 0.85)
        name, root, activity = " ".join(person), "", ""
    else:
        name, root, activity = _company_name(r, kind)
    if shares_phone:
        office = _core(_earlier(r, index), seed)[0]
        region, phone = office.region, office.phone
    else:
        offsets = _offsets(seed)
        phone = _mobile(index, offsets) if kind == "ie" else _landline(region, index, offsets)
    if parent is not None:
        domain = parent.domain
    elif r() < (0.2 if kind == "ie" else 0.66):
        # A namesake's site cannot have the first company's address: the city tells them apart.
        suffix = "-" + _latin(region.city)[:3] if namesake is not None else ""
        domain = _domain(r, name, suffix)
    else:
        domain = None
    core = _Core(kind, form, name, root, activity, region, domain, phone, person, bool(parent))
    return core, rng


def _tax_id(core: _Core, index: int, offsets: tuple[int, ...]) -> str:
    if core.kind == "ie":
        body = (_PERSONAL_STEP * index + offsets[1]) % 10**8
        return with_check_digits(f"{core.region.tax_code}{body:08d}")
    body = (_INN_STEP * index + offsets[0]) % 10**7
    return with_check_digits(f"{core.region.tax_code}{body:07d}")


def _address(r) -> str:
    house = f"{_pick(r, pool.STREETS)}, д. {1 + int(r() * 150)}"
    shape = r()
    if shape < 0.45:
        return f"{house}, офис {100 + int(r() * 900)}"
    if shape < 0.55:
        return f"{house}, стр. {1 + int(r() * 5)}"
    return house


def _emails(r, core: _Core, contact, index: int, offsets: tuple[int, ...]) -> tuple[str, ...]:
    # A free mailbox carries an index-derived number, so two organisations never share one.
    number = (_MAILBOX_STEP * index + offsets[4]) % 10**7
    emails = []
    if r() < 0.75:
        if core.domain is None:
            local = _latin(core.name).replace("-", "")[:16]
            emails.append(f"{local}{number}@{_pick(r, _FREE_MAIL)}")
        else:
            # Sisters keep their own mailboxes on the shared domain.
            local = _latin(core.activity) if core.sister else _pick(r, _MAILBOXES)
            emails.append(f"{local}@{core.domain}")
    if contact is not None and r() < 0.35:
        local = f"{_latin(contact[1])[0]}.{_latin(contact[0])}"
        if core.domain is None or r() < 0.2:
            emails.append(f"{local}{number}@{_pick(r, _FREE_MAIL)}")
        else:
            emails.append(f"{local}@{core.domain}")
    return tuple(emails)


def base_org(index: int, seed: int = 7) -> BaseOrg:
    """Organisation `index` of the base generated with `seed`; a pure function of both."""
    core, rng = _core(index, seed)
    r = rng.random
    region, offsets = core.region, _offsets(seed)
    tax_id = _tax_id(core, index, offsets) if r() < TAX_ID_SHARE else None
    address = _address(r)
    postcode = f"{region.postcode}{int(r() * 1000):03d}"
    if core.kind == "ie":
        extra = _landline(region, index, offsets) if r() < 0.2 else None
        contact = core.person
    else:
        extra = _mobile(index, offsets) if r() < 0.3 else None
        contact = _person(r) if r() < 0.7 else None
    return BaseOrg(
        index, core.name, core.form, tax_id, region.city, region.region, address, postcode,
        core.domain, (core.phone, extra) if extra else (core.phone,),
        _emails(r, core, contact, index, offsets), contact,
    )  # fmt: skip


def base_orgs(n: int, seed: int = 7) -> Iterator[BaseOrg]:
    for index in range(n):
        yield base_org(index, seed)


# --- the lead file ---------------------------------------------------------------------------
_SPELLED_FORMS = {
    "ООО": "Общество с ограниченной ответственностью",
    "АО": "Акционерное общество",
    "ПАО": "Публичное акционерное общество",
    "ИП": "Индивидуальный предприниматель",
    "LLC": "Limited Liability Company",
    "Ltd": "Limited",
    "GmbH": "Gesellschaft mit beschränkter Haftung",
}
# How a Russian form reads in a transliterated name: letter by letter, or its English equivalent.
_LATIN_FORMS = {
    "ООО": ("OOO", "LLC", "Limited Liability Company"),
    "АО": ("AO", "JSC", "Joint Stock Company"),
    "ПАО": ("PAO", "PJSC", "Public Joint Stock Company"),
    "ИП": ("IP", "IE", "Individual Entrepreneur"),
}
_LATIN_NAME_FORMS = frozenset(("LLC", "Ltd", "GmbH"))
# Where a varied row puts the legal form, by where the source put it ("start" for Russian names).
_MOVES = {"start": ("end", "end", "drop", "drop", "spelled"), "end": ("start", "drop", "spelled")}
_QUOTES = (("«", "»"), ('"', '"'), ("", ""), ("'", "'"))
_CITY_ALIASES = {
    "Москва": ("Мск", "МОСКВА", "москва"),
    "Санкт-Петербург": ("СПб", "С-Петербург", "Петербург", "Спб"),
    "Нижний Новгород": ("Н. Новгород", "Н.Новгород"),
    "Ростов-на-Дону": ("Ростов", "Ростов-на-дону"),
    "Екатеринбург": ("Екб", "ЕКАТЕРИНБУРГ"),
}
_ADDRESS_WORDS = (
    (re.compile(r"\bул\. "), "улица "),
    (re.compile(r"\bпр-т\b"), "проспект"),
    (re.compile(r"\bш\.,"), "шоссе,"),
    (re.compile(r"\bпер\. "), "переулок "),
    (re.compile(r"\bд\. "), "дом "),
    (re.compile(r"\bофис "), "оф. "),
    (re.compile(r"\bстр\. "), "строение "),
)
_AREA_CODES_4 = frozenset(region.area_code for region in pool.REGIONS if len(region.area_code) == 4)
_CYRILLIC_TYPOS, _LATIN_TYPOS = "аеиоунртсклмвдп", "aeiounrtsklmvdp"
_SITE_PATHS = ("/", "/contacts", "/about", "/kontakty/", "/index.php", "/about/company")
_SOURCES = ("2gis", "2gis", "yandex", "rusprofile", "expo", "site", "cold")
_JUNK_NAMES = ("-", "нет данных", "Тест", "???", "н/д", "Без названия")
# Changes that alter any row, for rows that drew too few of their own.
_FORCED_OPS = ("form", "case", "typo", "city", "address")
_OP_CHANCES = (
    ("form", 0.5), ("quotes", 0.35), ("case", 0.15), ("translit", 0.1), ("typo", 0.25),
    ("yo", 0.2), ("initials", 0.3), ("phone", 0.6), ("email", 0.2), ("site", 0.5),
    ("address", 0.5), ("contact", 0.4), ("city", 0.2),
)  # fmt: skip


def _typo(text: str, r) -> str:
    """One swapped, dropped or replaced letter; half the time never in the first two letters."""
    letters = [k for k, char in enumerate(text) if char.isalpha()]
    if len(letters) < 5:
        return text
    low = 2 if r() < 0.5 else 0
    k = letters[low + int(r() * (len(letters) - low - 1))]
    edit = r()
    if edit < 0.35 and text[k + 1].isalpha() and text[k + 1] != text[k]:
        return text[:k] + text[k + 1] + text[k] + text[k + 2 :]
    if edit < 0.65:
        return text[:k] + text[k + 1 :]
    pool_ = _LATIN_TYPOS if text[k].isascii() else _CYRILLIC_TYPOS
    char = _pick(r, pool_.replace(text[k].lower(), ""))
    return text[:k] + (char.upper() if text[k].isupper() else char) + text[k + 1 :]


def _name_cell(org: BaseOrg, r, ops: set[str], quotes: tuple[str, str]) -> str:
    body, form = org.name, org.legal_form
    latin_name, sole = form in _LATIN_NAME_FORMS, form == "ИП"
    if "initials" in ops and sole and org.contact:
        last, first, middle = org.contact
        body = f"{last} {first[0]}.{middle[0]}."
    if "yo" in ops:
        body = body.replace("ё", "е")
    if "typo" in ops:
        body = _typo(body, r)
    placement = "end" if latin_name else "start"
    if "form" in ops:
        placement = _pick(r, _MOVES[placement])
    if "translit" in ops and not latin_name:
        body = " ".join(word.capitalize() for word in transliterate(body).split())
        spellings = _LATIN_FORMS[form]
        form = spellings[2] if placement == "spelled" else spellings[int(r() * 2)]
    elif placement == "spelled":
        form = _SPELLED_FORMS[form]
    if not sole:
        body = f"{quotes[0]}{body}{quotes[1]}"
    if placement == "drop":
        text = body
    elif placement == "end":
        text = f"{body}, {form}" if r() < 0.3 else f"{body} {form}"
    else:
        text = f"{form} {body}"
    if "case" in ops:
        text = text.upper() if r() < 0.6 else text.lower()
    return text


def _phone_text(phone: str, style: int) -> str:
    national = phone[2:]
    cut = 4 if national[:4] in _AREA_CODES_4 else 3
    code, local = national[:cut], national[cut:]
    grouped = (
        f"{local[:3]}-{local[3:5]}-{local[5:]}"
        if len(local) == 7
        else f"{local[:2]}-{local[2:4]}-{local[4:]}"
    )
    return (
        phone,
        f"8 ({code}) {grouped}",
        f"+7 {code} {local}",
        f"8{national}",
        f"{code}-{grouped}",
        f"+7 ({code}) {grouped}",
        f"7{national}",
    )[style]


def _address_cell(org: BaseOrg, r) -> str:
    address, shape = org.address, r()
    if shape < 0.5:
        for pattern, word in _ADDRESS_WORDS:
            address = pattern.sub(word, address)
    elif shape < 0.7:
        address = address.replace("д. ", "", 1)
    if address == org.address or r() < 0.35:
        address = f"{org.postcode}, г. {org.city}, {address}"
    return address


def _contact_cell(contact: tuple[str, str, str], r) -> str:
    last, first, middle = contact
    shape = r()
    if shape < 0.3:
        return f"{first} {last}"
    if shape < 0.55:
        return f"{last} {first[0]}.{middle[0]}."
    if shape < 0.7:
        return f"{first[0]}.{middle[0]}. {last}"
    if shape < 0.85:
        return f"{first} {middle}"
    return f"{last} {first}"


def _render(org: BaseOrg, r, vary: bool) -> list[str]:
    """The nine file cells of a row describing `org`, after the ID.

    A first sighting of a fresh company reads as the source printed it; every other row is a
    varied spelling, so matching it takes more than string equality.
    """
    ops: set[str] = set()
    if vary:
        # Only changes that change something here count towards the two a varied row needs.
        idle = {
            "yo": "ё" not in org.name and "ё" not in "".join(org.contact or ()),
            "initials": org.legal_form != "ИП" or org.contact is None,
            "translit": org.legal_form in _LATIN_NAME_FORMS,
            "phone": not org.phones,
            "email": not org.emails,
            "site": org.website is None,
            "contact": org.contact is None,
        }
        ops = {op for op, chance in _OP_CHANCES if r() < chance and not idle.get(op)}
        while len(ops) < 2:
            ops.add(_pick(r, _FORCED_OPS))
    if "quotes" in ops:
        quotes = _pick(r, _QUOTES)
    else:  # sources quote Russian names one way or the other, Latin ones not at all
        quotes = _QUOTES[2] if org.legal_form in _LATIN_NAME_FORMS else _QUOTES[int(r() * 2)]
    name = _name_cell(org, r, ops, quotes)
    drop = (0.4, 0.15, 0.25, 0.2, 0.2, 0.3) if vary else (0.0, 0.05, 0.1, 0.15, 0.1, 0.2)
    tax_id = org.tax_id if org.tax_id and r() >= drop[0] else ""
    phones = list(org.phones)
    if len(phones) > 1 and r() < 0.3:
        del phones[int(r() * 2)]
    if r() < drop[1]:
        phones = []
    style = 1 + int(r() * 6) if "phone" in ops else 0
    phone = ", ".join(_phone_text(p, style) for p in phones)
    emails = list(org.emails) if r() >= drop[2] else []
    if len(emails) > 1 and r() < 0.3:
        del emails[int(r() * 2)]
    email = ", ".join(emails)
    if "email" in ops:
        email = email.upper()
    site = org.website or ""
    if site and r() < drop[3]:
        site = ""
    elif site and "site" in ops:
        site = f"https://www.{site}{_pick(r, _SITE_PATHS)}" if r() < 0.7 else f"www.{site}"
    elif site and r() < 0.4:
        site = f"http://{site}" if r() < 0.3 else f"https://{site}"
    address = "" if r() < drop[4] else _address_cell(org, r) if "address" in ops else org.address
    city = org.city
    if "city" in ops:
        city = _pick(r, _CITY_ALIASES.get(city, (f"г. {city}", city.upper())))
    elif vary and r() < 0.05:
        city = ""
    contact = ""
    if org.contact and r() >= drop[5]:
        contact = _contact_cell(org.contact, r) if "contact" in ops else " ".join(org.contact)
        if "yo" in ops:
            contact = contact.replace("ё", "е")
    if not (tax_id or phone or email or city):
        city = org.city  # name and city are then the only way back to the company
    return [name, tax_id, phone, email, site, city, address, contact]


def _junk(r) -> list[str]:
    """A row nobody can match: no name and no contacts, or only a broken tax id."""
    region = _pick(r, REGIONS)
    shape = r()
    city = region.city if r() < 0.7 else ""
    if shape < 0.4:
        return ["", "", "", "", "", city, "", " ".join(_person(r)) if r() < 0.6 else ""]
    if shape < 0.75:
        body = f"{int(r() * 10**9):09d}"
        wrong = (int(with_check_digits(body)[-1]) + 1 + int(r() * 9)) % 10
        tax_id = _pick(r, ("12345", body[:7], f"{body}{wrong}", f"{body}00", "77-0000"))
        return ["", tax_id, "", "", "", city, "", ""]
    return [_pick(r, _JUNK_NAMES), "", "", "", "", city, "", ""]


def lead_file(
    n_rows: int,
    base_size: int,
    seed: int = 11,
    base_share: float = 0.3,
    in_file_dup_share: float = 0.1,
    *,
    base_seed: int = 7,
) -> Iterator[FileRow]:
    """Rows of a lead file against the base `base_orgs(base_size, base_seed)`.

    About `base_share` of the rows are base organisations (repeats included), about
    `in_file_dup_share` repeat an earlier row's company, JUNK_SHARE are junk and the rest are
    fresh companies: organisations base_size, base_size + 1, ... of the same generator, so they
    are never in the base yet can be its sisters, tenants or namesakes.

    truth_cluster is the organisation's index, so a repeated company keeps it without a lookup
    table; junk rows get base_size + n_rows + row, past every fresh index.
    """
    rng = random.Random(seed)
    r = rng.random
    # Repeats copy earlier rows, a base_share of which are base organisations already; drawing
    # fewer new ones keeps the total near base_share.
    new_base = base_share * (1 - in_file_dup_share / (1 - JUNK_SHARE)) if base_size else 0.0
    # The k-th base row takes organisation (start + k * step) % base_size: no company repeats by
    # chance (repeats are in_file_dup_share's job) and no set of drawn indexes is kept.
    step = max(1, int(base_size * 0.618_033_99))
    while base_size and gcd(step, base_size) != 1:
        step += 1
    start = int(r() * base_size) if base_size else 0
    seen = array("q")  # company index of every row so far: 8 bytes a row
    drawn = fresh = 0
    for row in range(n_rows):
        row_id = f"{_pick(r, _SOURCES)}-{row + 1:06d}"
        u = r()
        if u < JUNK_SHARE:
            yield FileRow((row_id, *_junk(r)), None, base_size + n_rows + row)
            continue
        u -= JUNK_SHARE
        vary = True
        if seen and u < in_file_dup_share:
            index = seen[int(r() * len(seen))]
        elif base_size and u < in_file_dup_share + new_base:
            index = (start + drawn * step) % base_size
            drawn += 1
        else:
            index, vary = base_size + fresh, False
            fresh += 1
        seen.append(index)
        cells = (row_id, *_render(base_org(index, base_seed), r, vary))
        yield FileRow(cells, index if index < base_size else None, index)


def _main() -> None:
    for org in base_orgs(5):
        print(org)
    print()
    for row in lead_file(10, base_size=1000):
        truth = f"base={row.truth_base!s:>5} cluster={row.truth_cluster:>5}"
        print(truth, *row.cells, sep=" | ")
    n = 200_000
    started = time.perf_counter()
    for _ in base_orgs(n):
        pass
    seconds = time.perf_counter() - started
    print(f"\n{n:,} base orgs in {seconds:.1f} s ({n / seconds:,.0f} a second)")
    started = time.perf_counter()
    for _ in lead_file(n, base_size=1_000_000):
        pass
    seconds = time.perf_counter() - started
    print(f"{n:,} lead-file rows in {seconds:.1f} s ({n / seconds:,.0f} a second)")


if __name__ == "__main__":
    _main()
