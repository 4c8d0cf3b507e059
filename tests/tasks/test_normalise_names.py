import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tasks.normalise_names import OrgName, normalise_org_name, split_legal_form
from tasks.normalise_persons import person_key, person_names_compatible, split_person_name
from tasks.transliteration import fold_text, phonetic_fold, translit_key, transliterate

CYRILLIC_LETTERS = "абвгдежзийклмнопрстуфхцчшщыэюя"


def has_cyrillic(text: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(char, "") for char in text)


@pytest.mark.parametrize(
    ("text", "legal_form", "bare_name", "name_key", "key"),
    [
        ("ООО «Ромашка»", "ООО", "Ромашка", "ромашка", "romashka"),
        ('ООО "Ромашка"', "ООО", "Ромашка", "ромашка", "romashka"),
        ("Ромашка ООО", "ООО", "Ромашка", "ромашка", "romashka"),
        ("Romashka LLC", "ООО", "Romashka", "romashka", "romashka"),
        ("OOO Romashka", "ООО", "Romashka", "romashka", "romashka"),
        (
            "Общество с ограниченной ответственностью «Ромашка-Плюс»",
            "ООО",
            "Ромашка-Плюс",
            "ромашка плюс",
            "romashkaplius",
        ),
        ("ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ 'ЁЛКА'", "ООО", "ЁЛКА", "елка", "elka"),
        (
            "АО «Лаборатория Касперского»",
            "АО",
            "Лаборатория Касперского",
            "лаборатория касперского",
            "laboratoriakasperskogo",
        ),
        ("AO Kaspersky Lab", "АО", "Kaspersky Lab", "kaspersky lab", "kasperskilab"),
        (
            "Акционерное общество „Тинькофф Банк“",
            "АО",
            "Тинькофф Банк",
            "тинькофф банк",
            "tinkofbank",
        ),
        ("ПАО Сбербанк", "ПАО", "Сбербанк", "сбербанк", "sberbank"),
        ("PJSC Sberbank", "ПАО", "Sberbank", "sberbank", "sberbank"),
        ("Публичное акционерное общество «Газпром»", "ПАО", "Газпром", "газпром", "gazprom"),
        ("ЗАО «Тандер»", "ЗАО", "Тандер", "тандер", "tander"),
        ("Закрытое акционерное общество Тандер", "ЗАО", "Тандер", "тандер", "tander"),
        ("ОАО РЖД", "ОАО", "РЖД", "ржд", "rzhd"),
        (
            "ИП Иванов Иван Иванович",
            "ИП",
            "Иванов Иван Иванович",
            "иванов иван иванович",
            "ivanovivanivanovich",
        ),
        (
            "Индивидуальный предприниматель Петрова А.С.",
            "ИП",
            "Петрова А.С",
            "петрова а с",
            "petrovas",
        ),
        ("ФГУП «Почта России»", "ФГУП", "Почта России", "почта россии", "pochtarosi"),
        ("МУП Водоканал", "МУП", "Водоканал", "водоканал", "vodokanal"),
        ("НКО «Фонд Добро»", "НКО", "Фонд Добро", "фонд добро", "fondobro"),
        ("ТОО «Казахтелеком»", "ТОО", "Казахтелеком", "казахтелеком", "kazahtelekom"),
        ("Yandex LLC", "ООО", "Yandex", "yandex", "iandeks"),
        ("ООО «Яндекс»", "ООО", "Яндекс", "яндекс", "iandeks"),
        ("Siemens AG", "AG", "Siemens", "siemens", "semens"),
        ("Müller GmbH", "GmbH", "Müller", "müller", "muler"),
        ("Banco Santander, S.A.", "SA", "Banco Santander", "banco santander", "bankosantander"),
        (
            "Shenzhen Romashka Co., Ltd.",
            "Ltd",
            "Shenzhen Romashka",
            "shenzhen romashka",
            "shenzhenromashka",
        ),
        ("Apple Inc.", "Inc", "Apple", "apple", "aple"),
        ("Microsoft Corporation", "Corp", "Microsoft", "microsoft", "mikrosoft"),
        ("Tesco PLC", "PLC", "Tesco", "tesco", "tesko"),
        ("Smith & Co.", "Co", "Smith", "smith", "smith"),
        ("Romashka Limited", "Ltd", "Romashka", "romashka", "romashka"),
        ("McDonald's", None, "McDonalds", "mcdonalds", "mkdonalds"),
        ("Ромашка", None, "Ромашка", "ромашка", "romashka"),
        ("  Рога   и\tкопыта  ", None, "Рога и копыта", "рога и копыта", "rogaikopita"),
        ("ООО", "ООО", "", "", ""),
        ("", None, "", "", ""),
        # A short Latin form alone is a name, not a form with nothing left.
        ("AG", None, "AG", "ag", "ag"),
    ],
)
def test_organisation_names(text, legal_form, bare_name, name_key, key):
    assert normalise_org_name(text) == OrgName(legal_form, bare_name, name_key, key)


def test_the_first_legal_form_by_position_is_reported_and_all_are_removed():
    assert split_legal_form("ООО Ромашка LLC") == ("ООО", "Ромашка")
    assert split_legal_form("Romashka GmbH & Co. KG") == ("GmbH", "Romashka")
    assert split_legal_form("Ромашка ООО Групп") == ("ООО", "Ромашка Групп")


def test_ambiguous_short_forms_only_count_at_the_edges():
    assert normalise_org_name("Travel Ag Group") == OrgName(
        None, "Travel Ag Group", "travel ag group", "travelagroup"
    )
    assert normalise_org_name("Dom Co Working").name_key == "dom co working"
    assert normalise_org_name("AG Dom Co").name_key == "dom"
    assert normalise_org_name("Ромашка АО Групп").name_key == "ромашка групп"  # Cyrillic: anywhere


SAME_COMPANY = [
    ["ООО «Ромашка»", "Romashka LLC", "Ромашка ООО", "ROMASHKA", "Romaschka GmbH"],
    ["Щит", "Shchit", "Schit", "Shhit"],
    ["Хлеб", "Khleb", "Hleb"],
    ["Цемент", "Tsement", "Cement", "Tzement"],
    ["Жемчуг", "Zhemchug"],
    ["Юг", "Yug", "Iug", "Jug"],
    ["Заря", "Zarya", "Zaria", "Zarja"],
    ["Лукойл", "Lukoil", "Lukoyl", "Lukojl"],
    ["Новый", "Novyy", "Novyj", "Novy", "Noviy", "Novyi"],
    ["Россия", "Rossiya", "Rossija", "Rosiya"],
    ["Яндекс", "Yandex", "Yandeks", "Iandeks"],
    ["Кока-Кола", "Coca-Cola", "Coca Cola", "Кока Кола"],
    ["Рос-Авто", "РосАвто", "Ros Avto", "ROS-AVTO"],
    ["Ёлка", "Елка", "Elka"],
    ["Подъезд", "Podezd", "Pod'ezd", "Podyezd", "Podiezd"],
    ["Мальва", "Mal'va", "Malva"],
    ["Счастье", "Schastye", "Shchastye", "Schast'e", "Schastie"],
    ["Максима", "Maxima", "Maksima"],
    ["Волга", "Volga", "Wolga"],
    ["Технология", "Tekhnologiya", "Tehnologija", "Tekhnologia"],
    ["Дружба", "Druzhba"],
]


@pytest.mark.parametrize("spellings", SAME_COMPANY, ids=lambda s: s[0])
def test_spellings_of_one_company_share_a_translit_key(spellings):
    keys = {normalise_org_name(s).translit_key for s in spellings}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ромашка", "Ромашка Плюс"),
        ("Альфа", "Омега"),
        ("Ромашка-1", "Ромашка-2"),
        ("Сибирь", "Сибирь 2000"),
        ("Лада", "Ладья"),
    ],
)
def test_different_companies_keep_different_keys(a, b):
    assert normalise_org_name(a).translit_key != normalise_org_name(b).translit_key


def test_transliteration_and_fold():
    assert transliterate("Щука-Ёж Ъ") == "shchuka ezh"
    assert transliterate("Ärger Straße") == "arger strasse"
    assert transliterate("Київ") == "kiyiv"
    assert phonetic_fold("shchit") == phonetic_fold("schit") == "shit"
    assert phonetic_fold("2000") == "2000"  # digits never collapse
    assert fold_text("«ООО»  Рога-и-Копыта!!") == "ооо рога и копыта"


# Properties. Names are built from letters so legal forms can be added around them on purpose.
cyrillic_word = st.text(alphabet=CYRILLIC_LETTERS, min_size=2, max_size=9)
latin_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
names = st.lists(st.one_of(cyrillic_word, latin_word), min_size=1, max_size=4).map(" ".join)
FORMS = [
    "ООО",
    "ооо",
    "OOO",
    "LLC",
    "Llc.",
    "О.О.О.",
    "Общество с ограниченной ответственностью",
    "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ",
]
QUOTES = [("«", "»"), ('"', '"'), ("'", "'"), ("„", "“"), ("‘", "’"), ("“", "”"), ("", "")]


def plain(name: str) -> bool:
    """A generated name that happens to contain a legal form is a different test."""
    return normalise_org_name(name).name_key == fold_text(name) and fold_text(name) != ""


@given(st.text())
def test_org_names_never_raise_and_are_idempotent(text):
    once = normalise_org_name(text)
    assert normalise_org_name(once.name_key).name_key == once.name_key
    assert normalise_org_name(once.bare_name).name_key == once.name_key
    assert normalise_org_name(once.bare_name).legal_form is None or once.bare_name == ""
    assert translit_key(once.translit_key) == once.translit_key
    assert fold_text(once.name_key) == once.name_key


@given(st.text())
def test_translit_key_never_leaves_cyrillic(text):
    assert not has_cyrillic(translit_key(text))
    assert not has_cyrillic(transliterate(text))


@given(names, st.sampled_from(FORMS), st.sampled_from(QUOTES), st.booleans())
def test_keys_ignore_legal_form_quotes_and_position(name, form, quotes, form_first):
    assume(plain(name))
    quoted = f"{quotes[0]}{name}{quotes[1]}"
    text = f"{form} {quoted}" if form_first else f"{quoted} {form}"
    result, reference = normalise_org_name(text), normalise_org_name(name)
    assert result.legal_form == "ООО"
    assert (result.name_key, result.translit_key) == (reference.name_key, reference.translit_key)


@given(names, st.sampled_from([str.upper, str.lower, str.title, str.capitalize, str.swapcase]))
def test_keys_ignore_case(name, change):
    assume(plain(name))
    original, changed = normalise_org_name(name), normalise_org_name(change(name))
    assert (changed.name_key, changed.translit_key) == (original.name_key, original.translit_key)


@given(names, st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", "\n", " - ", ", "]), min_size=4))
def test_keys_ignore_whitespace_and_punctuation_between_words(name, gaps):
    assume(plain(name))
    words = name.split()
    spaced = gaps[0] + "".join(w + gaps[(i + 1) % len(gaps)] for i, w in enumerate(words))
    assert normalise_org_name(spaced).name_key == normalise_org_name(name).name_key


# Each Cyrillic letter may be written in any spelling a passport, BGN, German or casual writer uses.
VARIANTS = {letter: [transliterate(letter)] for letter in CYRILLIC_LETTERS} | {
    "в": ["v", "w"],
    "й": ["y", "i", "j"],
    "х": ["kh", "h"],
    "ц": ["ts", "tz"],
    "щ": ["shch", "sch"],
    "ы": ["y", "i"],
    "ь": ["", "'"],
    "ъ": ["", "'"],
    "ю": ["yu", "iu", "ju"],
    "я": ["ya", "ia", "ja"],
}


@st.composite
def spelled_pairs(draw):
    letters = draw(st.lists(st.sampled_from(sorted(VARIANTS)), min_size=1, max_size=12))
    latin = "".join(draw(st.sampled_from(VARIANTS[letter])) for letter in letters)
    return "".join(letters), latin


@given(spelled_pairs())
def test_every_usual_transliteration_meets_the_cyrillic_key(pair):
    cyrillic, latin = pair
    assert translit_key(cyrillic) == translit_key(latin)


@pytest.mark.parametrize(
    ("text", "last", "first", "middle", "initials", "gender"),
    [
        ("Иванов Иван Иванович", "Иванов", "Иван", "Иванович", ("И", "И"), "m"),
        ("Иван Иванович Иванов", "Иванов", "Иван", "Иванович", ("И", "И"), "m"),
        ("ИВАНОВ ИВАН ИВАНОВИЧ", "Иванов", "Иван", "Иванович", ("И", "И"), "m"),
        ("Ivanov Ivan", "Ivanov", "Ivan", None, ("I", None), "m"),
        ("Ivan Ivanov", "Ivanov", "Ivan", None, ("I", None), "m"),
        ("Иванов И.И.", "Иванов", None, None, ("И", "И"), "m"),
        ("И. И. Иванов", "Иванов", None, None, ("И", "И"), "m"),
        ("И.И.Иванов", "Иванов", None, None, ("И", "И"), "m"),
        ("Петрова Анна Сергеевна", "Петрова", "Анна", "Сергеевна", ("А", "С"), "f"),
        ("Анна Сергеевна Петрова", "Петрова", "Анна", "Сергеевна", ("А", "С"), "f"),
        ("Анна Петрова", "Петрова", "Анна", None, ("А", None), "f"),
        ("Petrova A.S.", "Petrova", None, None, ("A", "S"), "f"),
        ("Абрамович Роман Аркадьевич", "Абрамович", "Роман", "Аркадьевич", ("Р", "А"), "m"),
        ("Бабич Ольга Ильинична", "Бабич", "Ольга", "Ильинична", ("О", "И"), "f"),
        ("Ульянов Владимир Ильич", "Ульянов", "Владимир", "Ильич", ("В", "И"), "m"),
        (
            "Римский-Корсаков Николай Андреевич",
            "Римский-Корсаков",
            "Николай",
            "Андреевич",
            ("Н", "А"),
            "m",
        ),
        ("Алиев Рашид Ахмед оглы", "Алиев", "Рашид", "Ахмед оглы", ("Р", "А"), "m"),
        ("Мамедова Айгюль Рашид кызы", "Мамедова", "Айгюль", "Рашид кызы", ("А", "Р"), "f"),
        ("Mr. John Smith", "Smith", "John", None, ("J", None), "m"),
        ("Smith John", "Smith", "John", None, ("J", None), "m"),
        ("Mrs Jane Doe", "Doe", "Jane", None, ("J", None), "f"),
        ("г-жа Сидорова", "Сидорова", None, None, (None, None), "f"),
        ("Yu. Ivanov", "Ivanov", None, None, ("Yu", None), "m"),
        ("Иван Петрович", None, "Иван", "Петрович", ("И", "П"), "m"),
        ("", None, None, None, (None, None), None),
    ],
)
def test_person_names(text, last, first, middle, initials, gender):
    person = split_person_name(text)
    assert (person.last, person.first, person.middle) == (last, first, middle)
    assert (person.first_initial, person.middle_initial) == initials
    assert person.gender == gender


SAME_PERSON = [
    "Иванов Иван Иванович",
    "Иван Иванович Иванов",
    "Иван Иванов",
    "Иванов Иван",
    "Иванов И.И.",
    "И. И. Иванов",
    "Ivanov Ivan",
    "Ivan Ivanov",
    "Ivanov I.",
    "IVANOV IVAN IVANOVICH",
    "Ivanov Ivan Ivanovich",
]


def test_spellings_of_one_person_share_a_key_and_are_compatible():
    assert {person_key(name) for name in SAME_PERSON} == {"ivanov|i"}
    for a in SAME_PERSON:
        for b in SAME_PERSON:
            assert person_names_compatible(a, b), (a, b)


@pytest.mark.parametrize(
    ("a", "b", "compatible"),
    [
        ("Иванов Иван", "Иванов Пётр", False),
        ("Иванов И.", "Иванов П.", False),
        ("Иванов Иван Петрович", "Иванов Иван Сергеевич", False),
        ("Иванов И.П.", "Иванов Иван Сергеевич", False),
        ("Иванов И.П.", "Иванов Иван Петрович", True),
        ("Иванова Анна", "Иванов Андрей", False),
        ("Петров", "Петров Пётр Петрович", True),  # nothing contradicts, the surname agrees
        ("Петров Пётр", "Сидоров Пётр", False),
        ("Kim Lee", "Lee Kim", True),
        ("Roman Abramovich", "Абрамович Роман", True),
        ("Шевченко Юлия", "Shevchenko Yulia", True),
        ("Щукин Фёдор", "Shchukin Fedor", True),
        ("Хохлова Я.", "Khokhlova Yana", True),
        ("Иван", "Иван Иванов", False),  # no surname on one side: cannot be told
    ],
)
def test_person_comparison(a, b, compatible):
    assert person_names_compatible(a, b) is compatible
    assert person_names_compatible(b, a) is compatible


SURNAMES = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Соколов", "Лебедев", "Новиков", "Морозов"]
FIRST = ["Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Андрей", "Михаил", "Николай"]
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Андреевич", "Николаевич"]


@given(st.sampled_from(SURNAMES), st.sampled_from(FIRST), st.sampled_from(PATRONYMICS))
def test_person_key_ignores_order_initials_script_and_case(last, first, middle):
    forms = [
        f"{last} {first} {middle}",
        f"{first} {middle} {last}",
        f"{first} {last}",
        f"{last} {first}",
        f"{last} {first[0]}.{middle[0]}.",
        f"{first[0]}. {middle[0]}. {last}",
        f"{last} {first[0]}.",
        f"{last.upper()} {first.lower()} {middle}",
        transliterate(f"{last} {first} {middle}").title(),
        transliterate(f"{first} {last}").title(),
    ]
    expected = person_key(f"{last} {first} {middle}")
    assert expected == f"{translit_key(last)}|{translit_key(first)[0]}"
    for form in forms:
        assert person_key(form) == expected, form
        assert person_names_compatible(form, f"{last} {first} {middle}"), form


@given(st.text(), st.text())
def test_person_functions_never_raise(a, b):
    person = split_person_name(a)
    assert person.gender in (None, "m", "f")
    key = person_key(a)
    assert key is None or ("|" in key and not has_cyrillic(key))
    assert person_names_compatible(a, b) == person_names_compatible(b, a)
