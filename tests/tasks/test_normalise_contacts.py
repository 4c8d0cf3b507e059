import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.normalise_contacts import (
    E164,
    Email,
    Phone,
    ascii_domain,
    company_domain,
    is_free_mail_domain,
    normalise_email,
    normalise_emails,
    normalise_phone,
    normalise_phones,
    registrable_domain,
)


@pytest.mark.parametrize(
    ("text", "e164", "extension"),
    [
        ("8 (495) 123-45-67", "+74951234567", None),
        ("+7 495 1234567", "+74951234567", None),
        ("+7(495)123-45-67", "+74951234567", None),
        ("495-123-45-67", "+74951234567", None),
        ("(495) 123 45 67", "+74951234567", None),
        ("74951234567", "+74951234567", None),
        ("7 (495) 123-45-67", "+74951234567", None),
        ("9161234567", "+79161234567", None),
        ("89161234567", "+79161234567", None),
        ("8-916-123-45-67", "+79161234567", None),
        ("+8 916 123 45 67", "+79161234567", None),  # +8 written for the trunk 8
        ("8 800 555-35-35", "+78005553535", None),
        ("8 (3822) 12-34-56", "+73822123456", None),
        ("8 (812) 123-45-67 доб. 123", "+78121234567", "123"),
        ("8 (812) 123-45-67, доб.123", "+78121234567", "123"),
        ("+7 812 123-45-67 (доб. 1234)", "+78121234567", "1234"),
        ("+7 812 123 45 67 добавочный 55", "+78121234567", "55"),
        ("+7 812 123 45 67 вн. 55", "+78121234567", "55"),
        ("+7 495 123-45-67 ext. 12", "+74951234567", "12"),
        ("+7 495 123-45-67 EXT 12", "+74951234567", "12"),
        ("+7 495 123-45-67 x12", "+74951234567", "12"),
        ("+7 495 123-45-67 #12", "+74951234567", "12"),
        ("тел.: +7 (495) 123-45-67", "+74951234567", None),
        ("tel:+7-495-123-45-67", "+74951234567", None),
        ("８ (４９５) １２３-４５-６７", "+74951234567", None),  # full-width digits
        ("+375 29 123-45-67", "+375291234567", None),
        ("+7 701 123 4567", "+77011234567", None),
        ("+44 20 7946 0958", "+442079460958", None),
        ("8-10-44-20-7946-0958", "+442079460958", None),  # the old Russian way to dial abroad
        ("+1 (650) 253-0000", "+16502530000", None),
        ("+49 30 901820", "+4930901820", None),
    ],
)
def test_valid_phones(text, e164, extension):
    assert normalise_phone(text) == Phone(e164, extension)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("   ", "empty"),
        ("нет", "not a phone number"),
        ("123-45-67", "a local number without its area code"),
        ("12", "too short"),
        ("+7 495 123 45 67 8", "wrong number of digits"),
        ("+999 123 456 789", "unknown country code"),
        ("8 (000) 000-00-00", "no such number range"),
        ("+683 4002", "too short for a number we can call back"),
        ("1" * 80, "too long to be one phone number"),
    ],
)
def test_invalid_phones_say_why(text, reason):
    phone = normalise_phone(text)
    assert phone.e164 is None
    assert phone.reason == reason


def test_default_region_is_a_parameter():
    assert normalise_phone("(650) 253-0000").e164 is None  # read as Russian: no such range
    assert normalise_phone("(650) 253-0000", default_region="US").e164 == "+16502530000"
    assert normalise_phone("030 901820", default_region="de").e164 == "+4930901820"
    assert normalise_phone("+8 916 123 45 67", default_region="US").e164 is None


def test_a_cell_with_several_phones():
    cell = "8 (495) 123-45-67, 8 (916) 123-45-67; +7 812 123 45 67 доб. 5\n123"
    assert [p.e164 for p in normalise_phones(cell)] == [
        "+74951234567",
        "+79161234567",
        "+78121234567",
        None,
    ]
    assert normalise_phones(cell)[2].extension == "5"
    assert normalise_phones("") == ()


@given(st.text(max_size=80), st.sampled_from(["RU", "US", "GB", "KZ", "DE", "XX"]))
def test_phones_never_raise_and_always_come_out_as_e164(text, region):
    phone = normalise_phone(text, region)
    assert (phone.e164 is None) == (phone.reason is not None)
    if phone.e164 is not None:
        assert E164.match(phone.e164)
        assert normalise_phone(phone.e164, region).e164 == phone.e164  # idempotent
    for each in normalise_phones(text, region):
        assert each.e164 is None or E164.match(each.e164)


AREA_CODES = ["495", "499", "812", "343", "383", "846", "916", "903", "926", "985", "999"]


@st.composite
def russian_numbers(draw):
    code = draw(st.sampled_from(AREA_CODES))
    rest = draw(st.text(alphabet="0123456789", min_size=7, max_size=7).filter(lambda s: s[0] > "1"))
    return code, rest


def layouts(code: str, rest: str) -> list[str]:
    a, b, c = rest[:3], rest[3:5], rest[5:]
    return [
        f"+7{code}{rest}",
        f"+7 ({code}) {a}-{b}-{c}",
        f"8 ({code}) {a}-{b}-{c}",
        f"8{code}{rest}",
        f"7{code}{rest}",
        f"{code}-{a}-{b}-{c}",
        f"{code}{rest}",
        f"8 {code} {a} {b} {c}",
        f" +7 - {code} - {rest} ",
    ]


@given(russian_numbers(), st.sampled_from([None, "1", "12", "1234"]), st.data())
def test_every_russian_layout_gives_one_number(number, extension, data):
    code, rest = number
    expected = normalise_phone(f"+7{code}{rest}").e164
    if expected is None:
        return  # a range that does not exist; its layouts are refused alike below
    marker = data.draw(st.sampled_from([" доб. ", ", доб.", " ext. ", " x", " #", " (доб. "]))
    for layout in layouts(code, rest):
        text = layout if extension is None else f"{layout}{marker}{extension}"
        assert normalise_phone(text) == Phone(expected, extension), text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("ivan@romashka.ru", "ivan@romashka.ru"),
        ("  Ivan.Petrov@Romashka.RU ", "ivan.petrov@romashka.ru"),
        ("mailto:info@romashka.ru", "info@romashka.ru"),
        ("MAILTO:info@romashka.ru?subject=Заявка", "info@romashka.ru"),
        ("Иван Петров <ivan@romashka.ru>", "ivan@romashka.ru"),
        ("<sales@romashka.ru>;", "sales@romashka.ru"),
        ("first.last+tag@sub.romashka.co.uk", "first.last+tag@sub.romashka.co.uk"),
        ("o'connor@example.ie", "o'connor@example.ie"),
        ("info@пример.рф", "info@xn--e1afmkfd.xn--p1ai"),
        ("info@ПРИМЕР.РФ", "info@xn--e1afmkfd.xn--p1ai"),
        ("info@romashka.ru.", "info@romashka.ru"),
        ("ｉｎｆｏ＠romashka.ru", "info@romashka.ru"),  # full-width, as pasted from a PDF
    ],
)
def test_valid_emails(text, address):
    assert normalise_email(text) == Email(address)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("mailto:", "empty"),
        ("ivan.romashka.ru", "no @"),
        ("ivan@@romashka.ru", "more than one @"),
        ("ivan@petrov@romashka.ru", "more than one @"),
        (".ivan@romashka.ru", "malformed local part"),
        ("ivan..petrov@romashka.ru", "malformed local part"),
        ("ivan petrov@romashka.ru", "malformed local part"),
        ("иван@romashka.ru", "malformed local part"),
        ("ivan@romashka", "malformed domain"),
        ("ivan@romashka..ru", "malformed domain"),
        ("ivan@-romashka.ru", "malformed domain"),
        ("ivan@romashka.r", "malformed domain"),
        ("ivan@romashka,ru", "malformed domain"),
        ("ivan@192.168.0.1", "malformed domain"),
        ("a" * 65 + "@romashka.ru", "malformed local part"),
    ],
)
def test_invalid_emails_say_why(text, reason):
    assert normalise_email(text) == Email(None, reason)


def test_a_cell_with_several_emails():
    found = normalise_emails("info@romashka.ru, Sales@Romashka.ru; bad@ ")
    assert [e.address for e in found] == ["info@romashka.ru", "sales@romashka.ru", None]
    assert found[0].domain == "romashka.ru"


@given(st.text(max_size=80))
def test_emails_never_raise_and_are_idempotent(text):
    email = normalise_email(text)
    assert (email.address is None) == (email.reason is not None)
    if email.address is not None:
        assert email.address == email.address.lower().strip()
        assert email.address.isascii() and email.address.count("@") == 1
        assert normalise_email(email.address) == email
        assert normalise_email(email.address.upper()).address == email.address


local_parts = st.from_regex(r"\A[a-zA-Z0-9][a-zA-Z0-9._+-]{0,20}[a-zA-Z0-9]\Z")
FREE = [
    "gmail.com",
    "mail.ru",
    "yandex.ru",
    "ya.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "rambler.ru",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "protonmail.com",
    "yahoo.co.uk",
    "googlemail.com",
    "proton.me",
    "ukr.net",
    "tut.by",
]


@given(local_parts, st.sampled_from(FREE), st.sampled_from(["", "m.", "smtp."]), st.booleans())
def test_free_mail_is_never_a_company_domain(local, domain, sub, upper):
    address = f"{local}@{sub}{domain}"
    address = address.upper() if upper else address
    assert company_domain(address) is None
    assert company_domain(f"https://{sub}{domain}/") is None
    assert is_free_mail_domain(address)


@pytest.mark.parametrize(
    ("text", "registrable", "company"),
    [
        ("https://www.Shop.Romashka.ru/contacts", "romashka.ru", "romashka.ru"),
        ("http://romashka.ru", "romashka.ru", "romashka.ru"),
        ("romashka.ru", "romashka.ru", "romashka.ru"),
        ("www.romashka.ru/", "romashka.ru", "romashka.ru"),
        ("WWW.ROMASHKA.RU:8080/path?q=1#top", "romashka.ru", "romashka.ru"),
        ("ivan@romashka.ru", "romashka.ru", "romashka.ru"),
        ("mailto:ivan@mail.romashka.ru", "romashka.ru", "romashka.ru"),
        ("www.romashka.ru, romashka.com", "romashka.ru", "romashka.ru"),
        ("https://shop.romashka.co.uk/", "romashka.co.uk", "romashka.co.uk"),
        ("romashka.com.ru", "romashka.com.ru", "romashka.com.ru"),
        ("www.romashka.msk.ru", "romashka.msk.ru", "romashka.msk.ru"),
        ("www.romashka.spb.ru", "romashka.spb.ru", "romashka.spb.ru"),
        ("romashka.com.au", "romashka.com.au", "romashka.com.au"),
        ("http://ромашка.рф", "xn--80aa3agjl3d.xn--p1ai", "xn--80aa3agjl3d.xn--p1ai"),
        ("romashka.narod.ru", "romashka.narod.ru", "romashka.narod.ru"),
        ("https://romashka.tilda.ws", "romashka.tilda.ws", "romashka.tilda.ws"),
        ("ivan@gmail.com", "gmail.com", None),
        ("IVAN@MAIL.RU", "mail.ru", None),
        ("https://e.mail.ru/inbox", "mail.ru", None),
        ("yandex.ru", "yandex.ru", None),
        ("ivan@yahoo.co.uk", "yahoo.co.uk", None),
        ("https://vk.com/romashka", "vk.com", None),
        ("https://t.me/romashka", "t.me", None),
        ("https://2gis.ru/moscow/firm/123", "2gis.ru", None),
        ("co.uk", None, None),
        ("narod.ru", None, None),
        ("localhost", None, None),
        ("http://192.168.0.1/", None, None),
        ("http://[::1]/", None, None),
        ("нет сайта", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_domains(text, registrable, company):
    assert registrable_domain(text) == registrable
    assert company_domain(text) == company


@given(st.text(max_size=60))
def test_domains_never_raise_and_are_plain_ascii(text):
    domain = registrable_domain(text)
    if domain is not None:
        assert domain.isascii() and domain == domain.lower() and "." in domain
        assert registrable_domain(domain) == domain
        assert ascii_domain(domain) == domain
    assert company_domain(text) in (None, domain)
