"""Phones, e-mails and web domains in the forms that matching compares.

Phones go through `phonenumbers` (Google's libphonenumber metadata) because which number ranges
exist changes every year and no hand-written table keeps up. Domains are cut to their
registrable part with a small built-in list of two-level suffixes rather than the full Public
Suffix List: lead files name Russian companies and a few foreign ones, and the list covers them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str | None
    extension: str | None = None
    reason: str | None = None  # why e164 is None


@dataclass(frozen=True, slots=True)
class Email:
    address: str | None
    reason: str | None = None  # why address is None

    @property
    def domain(self) -> str | None:
        return self.address.rpartition("@")[2] if self.address else None


_EXTENSION = re.compile(
    r"[\s,;]*\(?\s*(?<![^\W\d_])(?:доб(?:авочный)?|вн(?:утр(?:енний)?)?|ext(?:ension|n)?|x|#)"
    r"\s*\.?\s*[:=№]?\s*(\d{1,7})\s*\)?\s*$",
    re.IGNORECASE,
)
# A comma before "доб." belongs to the number; any other comma, semicolon or new line separates.
_PHONE_SEPARATORS = re.compile(r"[;\n|]|,(?!\s*\(?\s*(?:доб|вн|ext|x|#))", re.IGNORECASE)
_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}
_POSSIBILITY_REASONS = {
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "wrong number of digits",
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "a local number without its area code",
}


def normalise_phone(text: str | None, default_region: str = "RU") -> Phone:
    """E.164 with the extension kept apart, or None and the reason."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        return Phone(None, reason="empty")
    if len(raw) > 60:
        return Phone(None, reason="too long to be one phone number")
    extension = None
    if match := _EXTENSION.search(raw):
        extension, raw = match.group(1), raw[: match.start()]
    phone = _parse(raw, default_region, extension)
    digits = re.sub(r"\D", "", raw)
    # "+8 916 …" is a common slip for +7 when the 8 trunk prefix and +7 get mixed up.
    russian = default_region.upper() in ("RU", "KZ")
    if phone.e164 is None and russian and raw.startswith("+8") and len(digits) == 11:
        return _parse("+7" + digits[1:], default_region, extension)
    return phone


def _parse(raw: str, region: str, extension: str | None) -> Phone:
    try:
        number = phonenumbers.parse(raw, region.upper())
    except NumberParseException as error:
        return Phone(None, extension, _PARSE_REASONS.get(error.error_type, "not a phone number"))
    extension = extension or number.extension or None
    if not phonenumbers.is_valid_number(number):
        possible = phonenumbers.is_possible_number_with_reason(number)
        reason = _POSSIBILITY_REASONS.get(possible, "no such number range")
        return Phone(None, extension, reason)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not E164.match(e164):
        return Phone(None, extension, "too short for a number we can call back")
    return Phone(e164, extension)


def normalise_phones(text: str | None, default_region: str = "RU") -> tuple[Phone, ...]:
    """Every number in a cell that lists several ("8 495 123-45-67; +7 916 …")."""
    parts = (part.strip() for part in _PHONE_SEPARATORS.split(text or ""))
    return tuple(normalise_phone(part, default_region) for part in parts if part)


_LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TOP_LABEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def ascii_domain(domain: str) -> str | None:
    """Lower-case, IDN labels as punycode ("пример.рф" → "xn--e1afmkfd.xn--p1ai"), or None."""
    domain = unicodedata.normalize("NFKC", domain).strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253 or not _TOP_LABEL.match(labels[-1]):
        return None
    return domain if all(_LABEL.match(label) for label in labels) else None


def normalise_email(text: str | None) -> Email:
    """Trimmed, lower-cased and syntax-checked, or None and the reason."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if "<" in raw and raw.endswith(">"):  # "Иван Петров <ivan@romashka.ru>"
        raw = raw[raw.rfind("<") + 1 : -1]
    raw = raw.strip(" \t\"'()[]<>,;")
    if raw[:7].lower() == "mailto:":
        raw = raw[7:].partition("?")[0]
    if not raw:
        return Email(None, "empty")
    if raw.count("@") != 1:
        return Email(None, "no @" if "@" not in raw else "more than one @")
    local, _, domain = raw.lower().partition("@")
    if len(local) > 64 or not _LOCAL_PART.match(local):
        return Email(None, "malformed local part")
    if (ascii := ascii_domain(domain)) is None:
        return Email(None, "malformed domain")
    address = f"{local}@{ascii}"
    return Email(address) if len(address) <= 254 else Email(None, "too long")


def normalise_emails(text: str | None) -> tuple[Email, ...]:
    """Every address in a cell that lists several, separated by commas, semicolons or spaces."""
    return tuple(normalise_email(part) for part in re.split(r"[,;\s]+", text or "") if part)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Where the registrable domain is one level deeper: second-level public suffixes, and hosting
# platforms whose every subdomain is a different site.
_TWO_LEVEL_SUFFIXES = _words(
    "co.uk org.uk me.uk ltd.uk plc.uk net.uk ac.uk gov.uk "
    "com.ru net.ru org.ru pp.ru msk.ru spb.ru nnov.ru msk.su spb.su ac.ru edu.ru gov.ru mil.ru "
    "com.ua net.ua org.ua kiev.ua in.ua gov.ua edu.ua com.kz org.kz gov.kz com.by net.by org.by "
    "com.au net.au org.au edu.au gov.au co.nz org.nz co.jp ne.jp or.jp ac.jp co.kr co.il "
    "co.za co.in net.in org.in com.br com.cn net.cn org.cn com.hk com.sg com.tr com.mx com.ar "
    "com.my com.tw com.pl co.id co.th com.vn com.eg com.sa com.pk com.co com.pe "
    "narod.ru ucoz.ru ucoz.net tilda.ws wixsite.com blogspot.com business.site turbo.site "
    "nethouse.ru myinsales.ru github.io herokuapp.com netlify.app vercel.app webflow.io"
)
# Addresses anybody can get: the domain says nothing about who the sender works for.
_FREE_MAIL = _words(
    "gmail.com googlemail.com yandex.ru yandex.com yandex.by yandex.kz yandex.ua ya.ru "
    "mail.ru bk.ru inbox.ru list.ru internet.ru mail.ua rambler.ru ro.ru lenta.ru "
    "autorambler.ru myrambler.ru rambler.ua qip.ru pochta.ru e1.ru ngs.ru live.ru "
    "yahoo.com yahoo.co.uk ymail.com rocketmail.com outlook.com hotmail.com hotmail.co.uk "
    "live.com msn.com icloud.com me.com mac.com protonmail.com protonmail.ch proton.me pm.me "
    "aol.com gmx.com gmx.net gmx.de web.de mail.com email.com zoho.com yopmail.com "
    "tutanota.com tuta.io fastmail.com hey.com ukr.net i.ua meta.ua bigmir.net tut.by mail.kz "
    "qq.com 163.com 126.com sina.com naver.com seznam.cz wp.pl o2.pl interia.pl onet.pl "
    "libero.it orange.fr laposte.net free.fr t-online.de freemail.hu inbox.lv rediffmail.com"
)
# Pages on these belong to the platform's domain, so a website cell pointing there (a VK group,
# a 2GIS card, a marketplace shop) is not the company's own domain either.
_PLATFORMS = _words(
    "vk.com vkontakte.ru ok.ru odnoklassniki.ru facebook.com fb.com instagram.com t.me "
    "telegram.me telegram.org youtube.com youtu.be twitter.com x.com linkedin.com wa.me "
    "whatsapp.com tiktok.com dzen.ru 2gis.ru 2gis.com google.com goo.gl bit.ly clck.ru "
    "avito.ru hh.ru zoon.ru yell.ru flamp.ru rusprofile.ru list-org.com ozon.ru "
    "wildberries.ru"
)


def _host(text: str | None) -> str | None:
    raw = unicodedata.normalize("NFKC", text or "").strip()
    raw = raw.replace(",", " ").replace(";", " ").split()[0] if raw.strip(",; ") else ""
    if "@" in raw and "://" not in raw:
        return raw.rpartition("@")[2] or None
    try:
        return urlsplit(raw if "://" in raw else "//" + raw).hostname
    except ValueError:
        return None


def registrable_domain(text: str | None) -> str | None:
    """A URL, host name or e-mail cut to the domain its owner registered, or None.

    "https://www.Shop.Romashka.ru/contacts" and "ivan@romashka.ru" both give "romashka.ru".
    """
    host = _host(text)
    domain = ascii_domain(host) if host else None
    if domain is None or domain.replace(".", "").isdigit():  # an IP address has no owner name
        return None
    labels = domain.split(".")
    size = 3 if ".".join(labels[-2:]) in _TWO_LEVEL_SUFFIXES else 2
    return ".".join(labels[-size:]) if len(labels) >= size else None


def is_free_mail_domain(domain: str | None) -> bool:
    return registrable_domain(domain) in _FREE_MAIL


def company_domain(text: str | None) -> str | None:
    """The registrable domain when it can identify a company: never free mail or a platform."""
    domain = registrable_domain(text)
    return None if domain in _FREE_MAIL or domain in _PLATFORMS else domain
