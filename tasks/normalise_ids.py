"""Tax ids validated with their check digits, and addresses as sets of comparable tokens."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tasks.tax_ids import is_valid_inn
from tasks.transliteration import translit_key


@dataclass(frozen=True, slots=True)
class TaxId:
    value: str | None
    reason: str | None = None  # why value is None

    @property
    def kind(self) -> str | None:
        """A 10-digit INN belongs to an organisation, a 12-digit one to a person."""
        return {10: "organisation", 12: "person"}.get(len(self.value)) if self.value else None


_TAX_LABELS = re.compile(r"(?<![^\W\d_])(?:инн|inn|tin)(?![^\W\d_])", re.IGNORECASE)
# 1C exports put "ИНН/КПП 7707083893/773601001" in one cell; the INN always comes first.
_KPP_PART = re.compile(r"(?<![^\W\d_])(?:кпп|kpp)(?![^\W\d_])|[/\\]", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—'’_:#]+")
_SCIENTIFIC = re.compile(r"^\d(?:[.,]\d+)?e\+?\d{1,2}$", re.IGNORECASE)


def _as_text(value: str | int | float) -> str:
    """Spreadsheets hand numbers over as 7707083893.0 or 7.707083893E+09."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    # NFKC spells "№" as "No", which would hide the label in front of it.
    text = unicodedata.normalize("NFKC", str(value).replace("№", " ")).strip()
    if _SCIENTIFIC.match(text) or re.fullmatch(r"\d+\.0+", text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return text
        return str(int(number)) if number == number.to_integral_value() else text
    return text


def normalise_tax_id(text: str | int | float | None) -> TaxId:
    """A valid INN (leading zeros lost in a spreadsheet restored), or None and the reason."""
    if text is None or isinstance(text, bool):
        return TaxId(None, "empty")
    raw = _as_text(text)
    chunks = [c for c in _KPP_PART.split(raw) if c and any(ch.isdigit() for ch in c)]
    digits = _SEPARATORS.sub("", _TAX_LABELS.sub("", chunks[0] if chunks else raw))
    if not digits:
        return TaxId(None, "empty")
    if not re.fullmatch(r"[0-9]+", digits):
        return TaxId(None, "not only digits")
    restored = digits.zfill(len(digits) + 1) if len(digits) in (9, 11) else digits
    if len(restored) not in (10, 12):
        return TaxId(None, f"an INN has 10 or 12 digits, not {len(digits)}")
    if restored.strip("0") == "":
        return TaxId(None, "a placeholder of zeros")
    if not is_valid_inn(restored):
        padded = " after restoring a leading zero" if restored != digits else ""
        return TaxId(None, f"check digits do not match{padded}")
    return TaxId(restored)


@dataclass(frozen=True, slots=True)
class AddressKey:
    postcode: str | None
    tokens: frozenset[str]


def _by_key(table: dict[str, str]) -> dict[str, str]:
    """Spellings compared by translit key, so "ул", "ul" and "улица" look alike."""
    return {translit_key(s): label for label, spellings in table.items() for s in spellings.split()}


_STREET_TYPES = _by_key(
    {
        "ул": "ул улица ulitsa ulica ul street st str",
        "пр": "пр проспект просп prospekt prosp pr avenue ave av",
        "пер": "пер переулок pereulok lane ln",
        "ш": "ш шоссе shosse highway hwy",
        "наб": "наб набережная naberezhnaya embankment",
        "пл": "пл площадь ploshchad square sq",
        "бул": "бул бульвар bulvar boulevard blvd",
        "прд": "прд проезд proezd",
        "мкр": "мкр микрорайон mkr",
    }
)
# These own the number after them: "к 2" and "стр 2" are different buildings.
_NUMBER_LABELS = _by_key(
    {
        "д": "д дом dom house h no",
        "к": "к корп корпус korp korpus",
        "стр": "стр с строение str stroenie bldg building",
        "кв": "кв квартира kv apt apartment flat",
        "оф": "оф офис ofis office of suite ste",
        "пом": "пом помещение pom room rm комн комната",
        "эт": "эт этаж etazh floor fl",
        "вл": "вл владение vl",
    }
)
_NOISE_WORDS = (
    "г город gorod city россия рф russia russian federation российская федерация обл область "
    "oblast region регион край krai респ республика respublika район rayon district "
    "пос поселок пгт село деревня дер снт"
)
# Words that every address in a region shares say nothing about which building it is.
_NOISE = frozenset(translit_key(word) for word in _NOISE_WORDS.split())
_REWRITES = tuple(
    (re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), f" {replacement} ")
    for pattern, replacement in (
        (r"пр-к?т|pr-k?t", "проспект"),
        (r"пр-д|pr-d", "проезд"),
        (r"б-р", "бульвар"),
        (r"р-н", "район"),
        # English exonyms of the two cities a lead file names most; "St." would read as street.
        (r"(?:санкт|saint|sankt|st)[\s.\-]*(?:петербург|peterburg|petersburg)|спб|spb", "спб"),
        (r"moscow", "москва"),
    )
)
_POSTCODE = re.compile(r"(?<!\w)\d{6}(?!\d)")
# "12 а", "12-а" and "12а" are one house; "12 к 2", "12 г. Москва" and "12, г." are not.
_HOUSE_LETTER = re.compile(r"(\d+)[ \-]?([^\W\d_])(?![\w.]|\s*\d)")
_ADDRESS_WORD = re.compile(r"\d+[^\W\d_](?!\w)|\d+|[^\W\d_]+")


def _number(token: str) -> str:
    """A house number with its letter as one Latin letter, so "12А" meets "12a"."""
    letter = token.lstrip("0123456789")
    return token[: len(token) - len(letter)] + translit_key(letter)[:1]


def normalise_address(text: str | None) -> AddressKey:
    """The postcode apart, and the rest as tokens that meet across spellings and scripts."""
    folded = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    for pattern, replacement in _REWRITES:
        folded = pattern.sub(replacement, folded)
    postcodes = _POSTCODE.findall(folded)
    words = _ADDRESS_WORD.findall(_HOUSE_LETTER.sub(r"\1\2", _POSTCODE.sub(" ", folded)))
    keys = [translit_key(w) for w in words]
    labelled = [
        _NUMBER_LABELS.get(k) if i + 1 < len(words) and words[i + 1][0].isdigit() else None
        for i, k in enumerate(keys)
    ]
    house_missing = "д" not in labelled
    tokens: set[str] = set()
    for index, (word, key, label) in enumerate(zip(words, keys, labelled, strict=True)):
        if label:
            tokens.add(label + _number(words[index + 1]))
        elif word[0].isdigit() and not (index and labelled[index - 1]):
            # A bare number is the house when no "д." says otherwise: "Lenina st. 5".
            tokens.add(("д" if house_missing else "") + _number(word))
            house_missing = False
        elif key in _STREET_TYPES:
            tokens.add(_STREET_TYPES[key])
        elif len(word) > 1 and len(key) > 1 and key not in _NOISE and not word[0].isdigit():
            tokens.add(key)
    return AddressKey(postcodes[0] if postcodes else None, frozenset(tokens))


def address_tokens(text: str | None) -> frozenset[str]:
    """Comparable tokens of an address, postcode left out (see normalise_address)."""
    return normalise_address(text).tokens
