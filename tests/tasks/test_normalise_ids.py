import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.normalise_ids import (
    AddressKey,
    TaxId,
    address_tokens,
    normalise_address,
    normalise_tax_id,
)
from tasks.tax_ids import is_valid_inn, make_inn, with_check_digits

# A company INN from region 02 (Bashkortostan): its leading zero is what spreadsheets lose.
BASHKIR_INN = with_check_digits("027406211")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7707083893", "7707083893"),
        (" 7707083893 ", "7707083893"),
        ("ИНН 7707083893", "7707083893"),
        ("инн: 7707083893", "7707083893"),
        ("INN 7707083893", "7707083893"),
        ("ИНН№7707083893", "7707083893"),
        ("7707 083 893", "7707083893"),
        ("7707-083-893", "7707083893"),
        ("7\u00a0707\u00a0083\u00a0893", "7707083893"),
        ("'7707083893", "7707083893"),  # Excel's text marker
        ("ИНН/КПП 7707083893/773601001", "7707083893"),
        ("7707083893 / 773601001", "7707083893"),
        ("ИНН 7707083893 КПП 773601001", "7707083893"),
        ("７７０７０８３８９３", "7707083893"),
        (7707083893, "7707083893"),
        (7707083893.0, "7707083893"),
        ("7707083893.0", "7707083893"),
        ("7.707083893E+09", "7707083893"),
        ("500100732259", "500100732259"),
        ("ИНН 500100732259", "500100732259"),
        (BASHKIR_INN, BASHKIR_INN),
        (BASHKIR_INN[1:], BASHKIR_INN),
        (int(BASHKIR_INN), BASHKIR_INN),
        (float(BASHKIR_INN), BASHKIR_INN),
    ],
)
def test_valid_tax_ids(text, value):
    assert normalise_tax_id(text) == TaxId(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "empty"),
        ("", "empty"),
        ("ИНН", "empty"),
        ("нет", "not only digits"),
        ("77O7083893", "not only digits"),  # a letter O among the digits
        ("12345678", "an INN has 10 or 12 digits, not 8"),
        ("1234567890123", "an INN has 10 or 12 digits, not 13"),
        ("7707083894", "check digits do not match"),
        ("773601001", "check digits do not match after restoring a leading zero"),  # a KPP
        ("0000000000", "a placeholder of zeros"),
        ("5.00101E+11", "check digits do not match"),  # the digits Excel kept are not enough
        (7707083893.5, "not only digits"),
    ],
)
def test_invalid_tax_ids_say_why(text, reason):
    assert normalise_tax_id(text) == TaxId(None, reason)


def test_kind_follows_the_length():
    assert normalise_tax_id("7707083893").kind == "organisation"
    assert normalise_tax_id("500100732259").kind == "person"
    assert normalise_tax_id("bad").kind is None


@given(
    st.integers(min_value=0), st.booleans(), st.sampled_from(["{}", "ИНН {}", "INN: {}", " {} "])
)
def test_generated_inns_survive_every_layout(seed, personal, layout):
    inn = make_inn(random.Random(seed), personal=personal)
    spaced = " ".join(inn[i : i + 3] for i in range(0, len(inn), 3))
    for text in (layout.format(inn), layout.format(spaced), int(inn), f"{inn}/773601001"):
        assert normalise_tax_id(text) == TaxId(inn)


@given(st.integers(min_value=0), st.booleans())
def test_a_lost_leading_zero_is_restored(seed, personal):
    rng = random.Random(seed)
    region = f"0{rng.randint(1, 9)}"  # regions 01-09; there is no region 00
    inn = with_check_digits(
        region + "".join(str(rng.randint(0, 9)) for _ in range(8 if personal else 7))
    )
    for lost in (int(inn), inn[1:], float(inn), f"{inn[1:]}.0"):
        assert normalise_tax_id(lost) == TaxId(inn)


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats()))
def test_tax_ids_never_raise_and_only_return_valid_inns(value):
    result = normalise_tax_id(value)
    assert (result.value is None) == (result.reason is not None)
    if result.value is not None:
        assert is_valid_inn(result.value)
        assert normalise_tax_id(result.value) == result


@pytest.mark.parametrize(
    ("text", "postcode", "tokens"),
    [
        ("ул. Ленина, д. 5", None, {"ул", "lenina", "д5"}),
        ("Lenina st. 5", None, {"ул", "lenina", "д5"}),
        ("улица Ленина, дом 5", None, {"ул", "lenina", "д5"}),
        ("ul. Lenina, d. 5", None, {"ул", "lenina", "д5"}),
        ("Ленина ул, 5", None, {"ул", "lenina", "д5"}),
        (
            "123456, г. Москва, ул. Ленина, д. 12А, корп. 2, кв. 15",
            "123456",
            {"moskva", "ул", "lenina", "д12a", "к2", "кв15"},
        ),
        (
            "Москва, Ленина ул., дом 12 а, к2, кв15",
            None,
            {"moskva", "ул", "lenina", "д12a", "к2", "кв15"},
        ),
        (
            "Moscow, Lenina street 12a, korp. 2, apt 15",
            None,
            {"moskva", "ул", "lenina", "д12a", "к2", "кв15"},
        ),
        (
            "г.Москва, Ленинский пр-т, д.5 стр.1, офис 301",
            None,
            {"moskva", "leninski", "пр", "д5", "стр1", "оф301"},
        ),
        (
            "Moscow, Leninsky prospekt 5 bldg 1 office 301",
            None,
            {"moskva", "leninski", "пр", "д5", "стр1", "оф301"},
        ),
        ("Санкт-Петербург, Невский пр., 28", None, {"spb", "nevski", "пр", "д28"}),
        ("St. Petersburg, Nevsky ave. 28", None, {"spb", "nevski", "пр", "д28"}),
        ("Певческий пер., 12/1", None, {"pevcheski", "пер", "д12", "1"}),
        ("Pevchesky pereulok 12/1", None, {"pevcheski", "пер", "д12", "1"}),
        ("Каширское ш., 3, оф. 5", None, {"kashirskoe", "ш", "д3", "оф5"}),
        ("наб. реки Мойки, 12", None, {"наб", "reki", "moiki", "д12"}),
        ("пл. Революции, 2", None, {"пл", "revoliutsi", "д2"}),
        ("Ёлочная ул., 3б", None, {"elochnaia", "ул", "д3b"}),
        ("Елочная улица 3Б", None, {"elochnaia", "ул", "д3b"}),
        ("ул. Ленина, д. 12, г. Москва", None, {"ул", "lenina", "д12", "moskva"}),
        ("ул. 8 Марта, д. 5", None, {"ул", "8", "marta", "д5"}),
        (
            "Московская обл., г. Химки, ул. Мира, 1, этаж 3",
            None,
            {"moskovskaia", "himki", "ул", "mira", "д1", "эт3"},
        ),
        ("Россия, 190000, Санкт-Петербург", "190000", {"spb"}),
        ("", None, set()),
    ],
)
def test_addresses(text, postcode, tokens):
    assert normalise_address(text) == AddressKey(postcode, frozenset(tokens))


def test_different_buildings_stay_apart():
    assert address_tokens("Ленина, 5 к 2") != address_tokens("Ленина, 5 стр 2")
    assert address_tokens("Ленина, д. 2, к. 5") != address_tokens("Ленина, д. 5, к. 2")
    assert address_tokens("Ленина, 12А") != address_tokens("Ленина, 12Б")
    assert address_tokens("Ленина, 12") != address_tokens("Ленина, 12А")


STREETS = [
    "Ленина",
    "Мира",
    "Советская",
    "Тверская",
    "Садовая",
    "Щорса",
    "Юбилейная",
    "Льва Толстого",
]
STREET_TYPES = [("ул.", "st."), ("улица", "street"), ("пр-т", "prospekt"), ("пер.", "lane")]
HOUSE_LABELS = ["д. ", "д.", "дом ", "", "house "]
LETTERS = ["", "А", "а", "Б", "В"]


@st.composite
def addresses(draw):
    street = draw(st.sampled_from(STREETS))
    kind = draw(st.sampled_from(STREET_TYPES))[0]
    house = f"{draw(st.integers(min_value=1, max_value=250))}{draw(st.sampled_from(LETTERS))}"
    office = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=999)))
    postcode = draw(st.one_of(st.none(), st.integers(min_value=101000, max_value=694999)))
    return street, kind, house, office, postcode


def render(street, kind, house, office, postcode, label, separator, kind_first):
    parts = [str(postcode)] if postcode else []
    parts += [f"{kind} {street}" if kind_first else f"{street} {kind}", f"{label}{house}"]
    parts += [f"оф. {office}"] if office else []
    return separator.join(parts)


@given(
    addresses(),
    st.sampled_from(HOUSE_LABELS),
    st.sampled_from([", ", " ", " , ", ",\n"]),
    st.booleans(),
    st.sampled_from([str.upper, str.lower, str]),
)
def test_tokens_ignore_case_order_labels_and_separators(
    address, label, separator, kind_first, case
):
    reference = normalise_address(render(*address, "д. ", ", ", True))
    changed = normalise_address(case(render(*address, label, separator, kind_first)))
    assert changed == reference
    assert reference.postcode == (str(address[-1]) if address[-1] else None)


@given(addresses())
def test_latin_spelling_meets_cyrillic(address):
    street, kind, house, office, postcode = address
    latin_kind = dict(STREET_TYPES)[kind]
    latin_house = house.translate(str.maketrans("АаБВ", "aabv"))
    latin = f"{translit(street)} {latin_kind} {latin_house}" + (
        f", office {office}" if office else ""
    )
    cyrillic = render(street, kind, house, office, None, "д. ", ", ", True)
    assert address_tokens(latin) == address_tokens(cyrillic)


BGN_LATIN = "a b v g d e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
BGN = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюя", BGN_LATIN.split(), strict=True))


def translit(text: str) -> str:
    """The spelling a Latin-writing source would use, independent of the code under test."""
    return "".join(BGN.get(char, char) for char in text.lower()).replace("-", "").title()


@given(st.text(max_size=80))
def test_addresses_never_raise_and_are_idempotent(text):
    key = normalise_address(text)
    assert key.postcode is None or (len(key.postcode) == 6 and key.postcode.isdigit())
    assert all(token and " " not in token for token in key.tokens)
    # Commas as an address writes them: "д0 ш" would read ш as the house letter of 0.
    again = normalise_address(", ".join(sorted(key.tokens)))
    assert again.tokens == key.tokens
