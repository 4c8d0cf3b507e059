"""Folding and transliteration: the keys that let Cyrillic and Latin spellings of a name meet.

Keys are for matching, never for display: `translit_key` maps Cyrillic and Latin spellings onto
one phonetic-ish Latin skeleton, so "Ромашка" and "Romashka" share it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD_RE = re.compile(r"[^\W_]+")
# Only between Latin letters: "McDonald's" is one word, while 'ООО'Ромашка'' is quoting.
LATIN_APOSTROPHE = re.compile(r"(?<=[A-Za-z])['’ʼ`´](?=[A-Za-z])")
QUOTES = re.compile(r"[\"'«»„“”‟‘’‚‹›`´]")
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґўқғңөүһә"
_LATIN = (
    "a b v g d e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya "
    "i yi ye g u k g n o u h a"
)
TRANSLIT = dict(zip(_CYRILLIC, _LATIN.replace("-", "").split(" "), strict=True))
_CYRILLIC_BLOCKS = ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F))

# Passport, BGN, German and informal spellings of one Russian name all reduce to one skeleton.
# Applied until nothing changes, so a key folds to itself; every rule only removes c, x, w, q,
# j, y or shortens the text, which is why the loop ends.
_FOLD_RULES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"shch|sch|shh", "sh"),  # щ as shch, sch, shh; and сч sounds like щ anyway
        (r"tch", "ch"),
        (r"dzh", "j"),  # дж, which then meets an English j
        (r"ck", "k"),
        (r"c(?=[eiy])", "ts"),  # Cement ~ Цемент; a Latin c before a front vowel is ц
        (r"c(?!h)", "k"),  # Coca ~ Кока: elsewhere an English c is к
        (r"kh", "h"),  # х as kh or h
        (r"x", "ks"),  # Yandex ~ Яндекс, Maxima ~ Максима
        (r"ph", "f"),
        (r"w", "v"),
        (r"q", "k"),
        (r"tz", "ts"),
        (r"[jy]", "i"),  # й as y/i/j, ю/я as yu/iu/ju, ы as y/i: one semivowel
        (r"ie", "e"),  # ье/ъе written ye or ie ("Schastye", "Podiezd"), and BGN's "Yelena"
        (r"([a-z])\1+", r"\1"),  # Россия ~ Rosiya; digits are left alone ("2000")
    )
)


def fold_text(text: str) -> str:
    """Case folded, ё as е, quotes and punctuation gone, one space between words."""
    text = LATIN_APOSTROPHE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(fold_word(word) for word in WORD_RE.findall(text))


def fold_word(word: str) -> str:
    return unicodedata.normalize("NFKC", word.casefold()).replace("ё", "е")


@lru_cache(maxsize=4096)
def _translit_char(char: str) -> str:
    if char in TRANSLIT:
        return TRANSLIT[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base != char and base:
        return "".join(_translit_char(c) for c in base)
    if any(low <= ord(char) <= high for low, high in _CYRILLIC_BLOCKS):
        return ""  # a rare letter with no agreed spelling is dropped rather than kept
    return char


def transliterate(text: str) -> str:
    """A deterministic Latin spelling of folded text; Latin diacritics dropped, no Cyrillic left."""
    words = ("".join(_translit_char(char) for char in word) for word in fold_text(text).split())
    return " ".join(word for word in words if word)


def phonetic_fold(latin: str) -> str:
    """The Latin skeleton that common spelling variants share (see _FOLD_RULES)."""
    while True:
        folded = latin
        for pattern, replacement in _FOLD_RULES:
            folded = pattern.sub(replacement, folded)
        if folded == latin:
            return folded
        latin = folded


@lru_cache(maxsize=65536)  # surnames, first names and street names repeat across a file
def translit_key(text: str) -> str:
    """Spaces dropped too, since "Рос-Авто", "РосАвто" and "Ros Avto" are one name."""
    return phonetic_fold(transliterate(text).replace(" ", ""))
