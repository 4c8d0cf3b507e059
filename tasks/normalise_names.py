"""Organisation names: legal forms taken apart, and keys that meet across spellings and scripts.

`name_key` keeps the script; `translit_key` maps Cyrillic and Latin spellings onto one skeleton,
so "ООО «Ромашка»", "Romashka LLC" and "Ромашка ООО" share both keys.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from tasks.transliteration import (
    LATIN_APOSTROPHE,
    QUOTES,
    WORD_RE,
    fold_text,
    fold_word,
    translit_key,
)

# Russian forms and their usual English renderings share one label, because "Romashka LLC" is
# how an ООО spells itself abroad; foreign-only forms keep their own label.
_ANYWHERE = {
    "ООО": "ооо|ooo|о о о|llc|limited liability company|общество с ограниченной ответственностью",
    "ОАО": "оао|oao|ojsc|открытое акционерное общество",
    "ЗАО": "зао|zao|cjsc|закрытое акционерное общество",
    "ПАО": "пао|pao|pjsc|публичное акционерное общество",
    "АО": "ао|jsc|акционерное общество|непубличное акционерное общество",
    "НКО": "нко|некоммерческая организация",
    "АНО": "ано|автономная некоммерческая организация",
    "ИП": "ип|индивидуальный предприниматель|individual entrepreneur",
    "ФГУП": "фгуп|федеральное государственное унитарное предприятие",
    "ГУП": "гуп|государственное унитарное предприятие",
    "МУП": "муп|муниципальное унитарное предприятие",
    "ТОО": "тоо|товарищество с ограниченной ответственностью",
    "Ltd": "ltd|co ltd",
    "Inc": "inc",
    "GmbH": "gmbh|gesellschaft mit beschränkter haftung|gesellschaft mit beschraenkter haftung",
    "PLC": "plc",
    "LLP": "llp",
}
# Short Latin forms are also ordinary words ("IP telephony", "Sa Pa"), so they only count at
# either end of the name, and never when nothing else would remain.
_AT_EDGES = {
    "АО": "ao",
    "ИП": "ip|ie",
    "ТОО": "too",
    "Ltd": "limited",
    "Inc": "incorporated",
    "Corp": "corp|corporation",
    "Co": "co|ко",
    "AG": "ag",
    "SA": "sa|s a",
    "KG": "kg",
    "BV": "bv|b v",
    "NV": "nv",
    "Pty": "pty",
    "SRL": "srl",
    "SARL": "sarl",
}


def _form_table(forms: dict[str, str]) -> dict[tuple[str, ...], str]:
    return {
        tuple(fold_text(spelling).split()): label
        for label, spellings in forms.items()
        for spelling in spellings.split("|")
    }


_FORMS_ANYWHERE = _form_table(_ANYWHERE)
_FORMS_AT_EDGES = _form_table(_AT_EDGES) | _FORMS_ANYWHERE
_LONGEST_FORM = max(len(key) for key in _FORMS_AT_EDGES)
# Most words start no form at all; checking that first keeps the scan cheap on long names.
_STARTS_ANYWHERE = frozenset(key[0] for key in _FORMS_ANYWHERE)
_EDGE_WORDS = frozenset(word for key in _FORMS_AT_EDGES for word in (key[0], key[-1]))

_Word = tuple[int, str]  # (position in the original name, folded word)


class LegalSplit(NamedTuple):
    legal_form: str | None
    bare_name: str


@dataclass(frozen=True, slots=True)
class OrgName:
    legal_form: str | None
    bare_name: str  # for display: the words kept, original case, no quotes
    name_key: str
    translit_key: str


def _drop_anywhere(words: list[_Word], found: list[_Word]) -> list[_Word]:
    index = 0
    while index < len(words):
        if words[index][1] not in _STARTS_ANYWHERE:
            index += 1
            continue
        for size in range(min(_LONGEST_FORM, len(words) - index), 0, -1):
            label = _FORMS_ANYWHERE.get(tuple(w for _, w in words[index : index + size]))
            if label:
                found.append((words[index][0], label))
                words = words[:index] + words[index + size :]
                break
        else:
            index += 1
    return words


def _drop_edges(words: list[_Word], found: list[_Word]) -> list[_Word]:
    if not words or (words[0][1] not in _EDGE_WORDS and words[-1][1] not in _EDGE_WORDS):
        return words
    for size in range(min(_LONGEST_FORM, len(words) - 1), 0, -1):
        for start in (len(words) - size, 0):
            label = _FORMS_AT_EDGES.get(tuple(w for _, w in words[start : start + size]))
            if label:
                found.append((words[start][0], label))
                return words[:start] + words[start + size :]
    return words


def split_legal_form(text: str | None) -> LegalSplit:
    """The first legal form by position, and the name without any of them."""
    text = LATIN_APOSTROPHE.sub("", unicodedata.normalize("NFKC", text or ""))
    matches = list(WORD_RE.finditer(text))
    words: list[_Word] = [(i, fold_word(m.group())) for i, m in enumerate(matches)]
    found: list[_Word] = []
    while True:  # removing one form can join the words around it into another
        remaining = _drop_edges(_drop_anywhere(words, found), found)
        if remaining == words:
            break
        words = remaining
    spans = [text[matches[a].start() : matches[b].end()] for a, b in _runs([i for i, _ in words])]
    bare = " ".join(QUOTES.sub(" ", " ".join(spans)).split())
    return LegalSplit(min(found)[1] if found else None, bare)


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive word indexes as (first, last), so punctuation inside a run survives."""
    runs: list[tuple[int, int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def normalise_org_name(text: str | None) -> OrgName:
    """Legal form apart, display name, and the two keys matching compares."""
    legal_form, bare = split_legal_form(text)
    name_key = fold_text(bare)
    return OrgName(legal_form, bare, name_key, translit_key(name_key))
