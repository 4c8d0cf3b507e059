"""Matching the columns of a lead file (a directory export or an old CRM's) to canonical fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models.errors import CrmError

FIELDS: tuple[str, ...] = (
    "name", "legal_form", "tax_id", "phone", "email", "website", "address", "city",
    "postcode", "region", "industry", "employee_count", "first_name", "last_name", "middle_name",
    "full_name", "birth_date", "position", "external_id", "owner", "owned_since",
)  # fmt: skip
# A record can have several numbers and addresses, so these fields may take several columns.
MULTI_FIELDS = frozenset({"phone", "email"})
# Without one of these a row cannot be told apart from the next one or matched to a client.
IDENTIFYING = (
    "name", "full_name", "first_name", "last_name", "tax_id", "phone", "email", "website",
)  # fmt: skip

# Header aliases in Russian and English, as 2GIS, Yandex Maps, Rusprofile, Kontur.Focus, 1C,
# amoCRM and Bitrix24 name them. They are compared after _key(), so case, "ё", spaces and
# punctuation do not matter here ("E-mail" and "Эл. почта" cover "email" and "эл почта").
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": (
        "название", "наименование", "компания", "организация", "company", "company name",
        "organisation", "organization", "organisation name", "organization name", "name", "firm",
        "краткое наименование", "полное наименование", "название компании",
        "название организации", "наименование организации", "business name", "account name",
    ),
    "legal_form": (
        "опф", "организационно-правовая форма", "правовая форма", "legal form", "opf",
    ),
    "tax_id": ("инн", "inn", "tax_id", "tin", "инн организации", "vat number", "taxpayer id"),
    "phone": (
        "телефон", "телефоны", "тел.", "phone", "phones", "telephone", "мобильный", "mobile",
        "tel", "номер телефона", "контактный телефон", "рабочий телефон", "мобильный телефон",
        "моб. телефон", "сотовый", "сотовый телефон", "домашний телефон", "другой телефон",
        "доп. телефон", "дополнительный телефон", "phone number", "mobile phone", "cell",
        "work phone", "other phone",
    ),
    "email": (
        "e-mail", "почта", "эл. почта", "электронная почта", "mail", "emails", "email address",
        "адрес электронной почты", "рабочий e-mail", "рабочая почта", "личный e-mail",
        "личная почта", "другой e-mail", "work email", "personal email", "other email",
    ),
    "website": (
        "сайт", "website", "web", "url", "site", "веб-сайт", "сайты", "адрес сайта",
        "сайт компании", "homepage", "websites",
    ),
    "address": (
        "адрес", "address", "юридический адрес", "фактический адрес", "street", "улица",
        "street address", "адрес организации", "почтовый адрес", "юр. адрес", "факт. адрес",
    ),
    "city": ("город", "city", "населенный пункт", "town", "нас. пункт", "locality"),
    "postcode": (
        "индекс", "почтовый индекс", "zip", "zip code", "postcode", "postal code",
    ),
    "region": ("регион", "область", "субъект рф", "state", "region", "province", "субъект"),
    "industry": (
        "отрасль", "рубрика", "рубрики", "вид деятельности", "основной вид деятельности",
        "сфера", "сфера деятельности", "категория", "industry", "category", "categories",
        "rubric", "sector",
    ),
    "employee_count": (
        "численность", "сотрудников", "кол-во сотрудников", "количество сотрудников",
        "число сотрудников", "численность сотрудников", "среднесписочная численность",
        "employees", "employee count", "number of employees", "headcount", "staff",
    ),
    "first_name": ("имя", "first name", "given name"),
    "last_name": ("фамилия", "last name", "surname", "family name"),
    "middle_name": ("отчество", "middle name", "patronymic"),
    "full_name": (
        "фио", "контактное лицо", "контакт", "full name", "contact", "contact person",
        "contact name", "полное имя", "фио контакта",
    ),
    "birth_date": (
        "дата рождения", "день рождения", "birth date", "birthday", "date of birth", "dob",
    ),
    "position": ("должность", "position", "job title", "title"),
    "external_id": (
        "external_id", "id", "id записи", "код", "source id", "record id", "внешний id", "uid",
        "идентификатор", "guid",
    ),
    "owner": (
        "ответственный", "менеджер", "owner", "responsible", "manager", "sales rep",
        "ответственный менеджер", "ответственный сотрудник", "account owner", "lead owner",
        "assigned to",
    ),
    "owned_since": (
        "ответственный с", "дата назначения", "owned since", "assigned at", "assigned on",
        "дата назначения ответственного",
    ),
}  # fmt: skip
# Separators and decoration that exports spell differently ("E-mail", "e_mail", "Тел.:").
_NOISE = re.compile(r"[\s_\-‐–—.,:;*#№()/\\'\"«»]+")
# "Телефон 2", "Phone 3", "Email2": extra numbered columns of a field that takes several.
_NUMBERED = re.compile(r"^(.*?)\d+$")


class ColumnMapError(CrmError):
    """The columns of a lead file cannot be matched to fields; nothing from it is imported."""


def _key(header: str) -> str:
    return _NOISE.sub("", header.casefold().replace("ё", "е"))


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            table.setdefault(_key(alias), field)
    return table


ALIASES = _alias_table()


@dataclass(frozen=True)
class ColumnMap:
    """Which header feeds which field; `custom` headers are kept as free-form attributes."""

    fields: dict[str, str]
    custom: tuple[str, ...]

    def describe(self) -> str:
        parts = [", ".join(f"{header} -> {field}" for header, field in self.fields.items())]
        if self.custom:
            parts.append(f"kept as attributes: {', '.join(self.custom)}")
        return "; ".join(part for part in parts if part) or "no columns"


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        header, field = _split_item(item)
        if mapping.get(header, field) != field:
            raise ColumnMapError(
                f"--map '{item}': column '{header}' is already mapped to {mapping[header]}"
            )
        mapping[header] = field
    return mapping


def _split_item(item: str) -> tuple[str, str]:
    # The last '=' splits, because a field name never holds one and a header may.
    header, sign, field = item.rpartition("=")
    if not sign:
        raise ColumnMapError(f"--map '{item}': expected COLUMN=FIELD, e.g. 'Site name=name'")
    header, field = header.strip().casefold(), field.strip().lower()
    if not header:
        raise ColumnMapError(f"--map '{item}': the column name before '=' is empty")
    _check_field(field, f"--map '{item}'")
    return header, field


def _check_field(field: str, where: str) -> None:
    if field not in FIELDS:
        raise ColumnMapError(f"{where}: unknown field '{field}' (fields: {', '.join(FIELDS)})")


def map_columns(headers: Sequence[str], explicit: Mapping[str, str] | None = None) -> ColumnMap:
    chosen = _explicit_fields(headers, explicit or {})
    # A field the user assigned is theirs alone, even if an earlier column's alias claims it.
    reserved = set(chosen.values()) - MULTI_FIELDS
    fields: dict[str, str] = {}
    custom: list[str] = []
    for header in headers:
        if not header.strip() or header in fields or header in custom:
            continue
        field = chosen.get(header) or _alias_field(header, reserved)
        if field is None or (field not in MULTI_FIELDS and field in fields.values()):
            custom.append(header)
        else:
            fields[header] = field
    if not set(fields.values()) & set(IDENTIFYING):
        raise ColumnMapError(
            f"no column identifies a lead (need one of: {', '.join(IDENTIFYING)}); "
            f"headers: {', '.join(_quoted(headers))}; use --map 'COLUMN=FIELD' to name one"
        )
    return ColumnMap(fields=fields, custom=tuple(custom))


def _explicit_fields(headers: Sequence[str], explicit: Mapping[str, str]) -> dict[str, str]:
    by_key = {header.strip().casefold(): header for header in headers if header.strip()}
    chosen: dict[str, str] = {}
    owners: dict[str, str] = {}
    for wanted, field in explicit.items():
        key = wanted.strip().casefold()
        _check_field(field, f"--map '{wanted}={field}'")
        if key not in by_key:
            raise ColumnMapError(
                f"--map '{wanted}={field}': the file has no column '{wanted}' "
                f"(headers: {', '.join(_quoted(headers))})"
            )
        if field not in MULTI_FIELDS and owners.setdefault(field, wanted) != wanted:
            raise ColumnMapError(
                f"--map: columns '{owners[field]}' and '{wanted}' are both mapped to {field}"
            )
        # Headers that differ only in case all follow the user's choice.
        for header in headers:
            if header.strip().casefold() == key:
                chosen[header] = field
    return chosen


def _alias_field(header: str, reserved: set[str]) -> str | None:
    key = _key(header)
    field = ALIASES.get(key)
    if field is None and (numbered := _NUMBERED.match(key)):
        base = ALIASES.get(numbered[1])
        field = base if base in MULTI_FIELDS else None
    return None if field in reserved else field


def _quoted(headers: Sequence[str]) -> list[str]:
    return [f"'{header}'" for header in headers] or ["none"]


def row_values(
    column_map: ColumnMap, cells: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, list[str]] = {}
    for header, field in column_map.fields.items():
        text = (cells.get(header) or "").strip()
        # The same number is often repeated across "Телефон" and "Телефон 2"; keep it once.
        if text and text not in values.setdefault(field, []):
            values[field].append(text)
    fields = {field: "; ".join(texts) for field, texts in values.items() if texts}
    custom = {
        header: text for header in column_map.custom if (text := (cells.get(header) or "").strip())
    }
    return fields, custom
