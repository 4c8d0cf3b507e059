from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.lead_fields import (
    ALIASES,
    COLUMNS,
    FIELDS,
    ColumnMap,
    ColumnMapError,
    _key,
    map_columns,
    parse_mapping,
    row_values,
)

TWO_GIS = [
    "Название", "Рубрика", "Город", "Адрес", "Индекс", "Телефон", "Телефон 2", "E-mail",
    "Сайт", "ИНН", "Рейтинг", "Количество отзывов",
]  # fmt: skip
DIRECTORY = [
    "Company name", "Industry", "Street", "City", "State", "Zip code", "Phone", "Email",
    "Website", "Employees", "Contact person", "Job title", "Rating",
]  # fmt: skip


def test_a_2gis_export_in_russian():
    column_map = map_columns(TWO_GIS)
    assert column_map.fields == {
        "Название": "name", "Рубрика": "industry", "Город": "city", "Адрес": "address",
        "Индекс": "postcode", "Телефон": "phone", "Телефон 2": "phone", "E-mail": "email",
        "Сайт": "website", "ИНН": "tax_id",
    }  # fmt: skip
    assert column_map.custom == ("Рейтинг", "Количество отзывов")
    assert column_map.describe().endswith("; kept as attributes: Рейтинг, Количество отзывов")
    assert column_map.describe().startswith("Название -> name, Рубрика -> industry, ")


def test_an_english_directory_export():
    column_map = map_columns(DIRECTORY)
    assert column_map.fields == {
        "Company name": "name", "Industry": "industry", "Street": "address", "City": "city",
        "State": "region", "Zip code": "postcode", "Phone": "phone", "Email": "email",
        "Website": "website", "Employees": "employee_count", "Contact person": "full_name",
        "Job title": "position",
    }  # fmt: skip
    assert column_map.custom == ("Rating",)


def test_a_person_export_from_an_old_crm():
    headers = [
        "ID", "Фамилия", "Имя", "Отчество", "Дата рождения", "Должность", "Ответственный",
        "Дата назначения", "Мобильный телефон", "Рабочий телефон", "Личный e-mail",
    ]  # fmt: skip
    assert list(map_columns(headers).fields.values()) == [
        "external_id", "last_name", "first_name", "middle_name", "birth_date", "position",
        "owner", "owned_since", "phone", "phone", "email",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"), ("e_mail", "email"), ("Email", "email"), ("EMAIL", "email"),
        ("Эл. почта", "email"), ("эл.почта", "email"), ("  Эл  почта ", "email"),
        ("Населённый пункт", "city"), ("НАСЕЛЕННЫЙ ПУНКТ", "city"), ("Тел.:", "phone"),
        ("Ф.И.О.", "full_name"), ("Кол-во сотрудников", "employee_count"),
        ("Tax ID", "tax_id"), ("TAX_ID", "tax_id"), ("Zip-code", "postcode"),
        ("Веб сайт", "website"), ("Phone #2", "phone"), ("Email 3", "email"),
        ("Ответственный с", "owned_since"), ("Owned-since", "owned_since"),
    ],
)  # fmt: skip
def test_headers_match_whatever_their_case_ё_and_punctuation(header, field):
    assert map_columns([header, "ИНН"]).fields[header] == field


def test_only_phone_and_email_take_numbered_columns():
    column_map = map_columns(["Address 1", "Address 2", "Name"])
    assert "Address 1" not in column_map.fields
    assert column_map.custom == ("Address 1", "Address 2")


def test_the_first_column_takes_a_field_and_later_ones_are_kept_as_attributes():
    column_map = map_columns(["Юридический адрес", "Наименование", "Фактический адрес", "Название"])
    assert column_map.fields == {"Юридический адрес": "address", "Наименование": "name"}
    assert column_map.custom == ("Фактический адрес", "Название")


def test_an_explicit_mapping_wins_over_an_alias():
    headers = ["Название", "Site name", "Телефон", "Рейтинг"]
    column_map = map_columns(headers, parse_mapping(["site NAME = name", "Название=industry"]))
    assert column_map.fields == {"Название": "industry", "Site name": "name", "Телефон": "phone"}
    assert column_map.custom == ("Рейтинг",)


def test_a_field_given_explicitly_is_not_taken_by_an_earlier_alias_column():
    column_map = map_columns(["Название", "Бренд"], {"бренд": "name"})
    assert column_map.fields == {"Бренд": "name"}
    assert column_map.custom == ("Название",)


def test_an_explicit_mapping_can_add_a_phone_column():
    column_map = map_columns(["Название", "Телефон", "Факс"], {"факс": "phone"})
    assert column_map.fields == {"Название": "name", "Телефон": "phone", "Факс": "phone"}


def test_row_values_joins_phones_and_keeps_unknown_columns_by_header():
    column_map = map_columns(TWO_GIS)
    cells = dict.fromkeys(TWO_GIS, "")
    cells |= {
        "Название": "Кофейня «Зерно»", "Телефон": "+7 495 123-45-67",
        "Телефон 2": "8 800 555 35 35", "Сайт": "zerno.ru", "Рейтинг": "4.8",
        "Количество отзывов": "  ",
    }  # fmt: skip
    fields, custom = row_values(column_map, cells)
    assert fields == {
        "name": "Кофейня «Зерно»",
        "phone": "+7 495 123-45-67; 8 800 555 35 35",
        "website": "zerno.ru",
    }
    assert custom == {"Рейтинг": "4.8"}


def test_row_values_drops_empty_and_missing_cells_and_repeated_numbers():
    column_map = ColumnMap(
        fields={"Phone": "phone", "Mobile": "phone", "Name": "name", "Email": "email"},
        custom=("Notes",),
    )
    fields, custom = row_values(column_map, {"Phone": "123", "Mobile": "123", "Name": "Acme"})
    assert fields == {"phone": "123", "name": "Acme"}
    assert custom == {}


def test_no_identifying_column_is_refused_with_the_headers_listed():
    with pytest.raises(ColumnMapError) as error:
        map_columns(["Рейтинг", "Город", "Рубрика"])
    message = str(error.value)
    assert "'Рейтинг', 'Город', 'Рубрика'" in message
    assert "name" in message and "tax_id" in message


def test_no_headers_at_all_is_refused():
    with pytest.raises(ColumnMapError, match="headers: none"):
        map_columns([])


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        ("Site name", "expected COLUMN=FIELD"),
        ("=name", "is empty"),
        ("  = name", "is empty"),
        ("Site name=nme", "unknown field 'nme'"),
        ("Site name=", "unknown field ''"),
    ],
)
def test_bad_map_items_are_refused(item, complaint):
    with pytest.raises(ColumnMapError, match=complaint) as error:
        parse_mapping([item])
    if "unknown field" in complaint:
        assert ", ".join(FIELDS) in str(error.value)


def test_map_items_split_on_the_last_equals_sign():
    assert parse_mapping(["a=b=Name", " Site Name =name"]) == {"a=b": "name", "site name": "name"}


def test_one_column_mapped_to_two_fields_is_refused():
    with pytest.raises(ColumnMapError, match="already mapped to name"):
        parse_mapping(["Site=name", "site=website"])


def test_an_explicit_column_missing_from_the_file_is_refused():
    with pytest.raises(ColumnMapError) as error:
        map_columns(["Название", "Телефон"], {"бренд": "name"})
    assert "no column 'бренд'" in str(error.value)
    assert "'Название', 'Телефон'" in str(error.value)


def test_an_explicit_unknown_field_is_refused():
    with pytest.raises(ColumnMapError, match="unknown field 'brand'"):
        map_columns(["Название"], {"название": "brand"})


def test_two_explicit_columns_for_one_unique_field_are_refused():
    with pytest.raises(ColumnMapError, match="both mapped to name"):
        map_columns(["A", "B"], {"a": "name", "b": "name"})


def test_the_alias_table_is_consistent():
    keys = Counter(_key(alias) for aliases in COLUMNS.values() for alias in aliases)
    assert [key for key, count in keys.items() if count > 1] == []
    assert set(COLUMNS) == set(FIELDS)
    assert set(ALIASES.values()) == set(FIELDS)


HEADER = st.one_of(
    st.sampled_from([alias for aliases in COLUMNS.values() for alias in aliases]),
    st.sampled_from(["Телефон 2", "Email 3", "Рейтинг", "", "  ", "ID", "Id", "id "]),
    st.text(max_size=12),
)


@given(st.lists(HEADER, max_size=12))
def test_every_header_gets_one_place_or_none_if_blank(headers):
    try:
        column_map = map_columns(headers)
    except ColumnMapError:
        return
    assert not set(column_map.fields) & set(column_map.custom)
    assert len(set(column_map.custom)) == len(column_map.custom)
    for header in headers:
        placed = (header in column_map.fields) + (header in column_map.custom)
        assert placed == (0 if not header.strip() else 1)
    unique = [f for f in column_map.fields.values() if f not in ("phone", "email")]
    assert len(unique) == len(set(unique))
    assert set(column_map.fields.values()) <= set(FIELDS)


@given(st.lists(HEADER, max_size=12), st.dictionaries(st.text(max_size=8), st.text(max_size=8)))
def test_map_columns_only_ever_raises_column_map_error(headers, explicit):
    with contextlib.suppress(ColumnMapError):
        map_columns(headers, explicit)


@given(st.text(min_size=1).filter(lambda h: h == h.strip()), st.sampled_from(FIELDS))
def test_parse_mapping_round_trips(header, field):
    assert parse_mapping([f"{header}={field}"]) == {header.casefold(): field}
