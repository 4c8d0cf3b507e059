"""Person names: order, initials and gender read from the words, and an order-free key."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from tasks.transliteration import TRANSLIT, fold_text, translit_key

# Person names. Russian lists write "Фамилия Имя Отчество", Western ones "First Last"; the order
# is read from patronymic endings, surname endings and a short list of common first names.
_MALE_FIRST = (
    "александр алексей анатолий андрей антон аркадий арсений артем артур богдан борис вадим "
    "валентин валерий василий виктор виталий владимир владислав вячеслав геннадий георгий глеб "
    "григорий даниил данила денис дмитрий евгений егор иван игорь илья кирилл константин лев "
    "леонид максим марат марк матвей михаил никита николай олег павел петр роман руслан семен "
    "сергей станислав степан тимофей тимур федор филипп эдуард юрий яков ярослав john james "
    "michael david robert william richard thomas peter paul george"
)
_FEMALE_FIRST = (
    "александра алена алина алла анастасия ангелина анна антонина валентина валерия вера "
    "вероника виктория галина дарья диана ева евгения екатерина елена елизавета жанна зинаида "
    "зоя инна ирина карина кира кристина ксения лариса лидия любовь людмила маргарита марина "
    "мария милана надежда наталья нина оксана олеся ольга полина раиса регина светлана софья "
    "тамара татьяна ульяна юлия яна mary elizabeth jennifer linda sarah susan karen emma olivia"
)


def _tag(words: str, value: str) -> dict[str, str]:
    """Longest first, so that an ending is tested before any shorter ending it contains."""
    return dict.fromkeys(sorted(words.split(), key=len, reverse=True), value)


_GENDER_BY_FIRST = {
    translit_key(name): gender
    for gender, names in (("m", _MALE_FIRST), ("f", _FEMALE_FIRST))
    for name in names.split()
}
_PATRONYMIC = _tag("ovich evich ogli oglu ugli", "m") | _tag("ovna evna ichna kizi gizi", "f")
_SURNAME_ENDINGS = (
    _tag("ova eva ina aia", "f")
    | _tag("ov ev in ski oi", "m")
    | _tag("shvili enko dze ian uk ich", "")  # surnames that do not tell the gender
)
_HONORIFICS = _tag("mr господин", "m") | _tag("mrs ms miss госпожа", "f") | _tag("dr", "")
_HONORIFICS |= {"г н": "m", "г жа": "f"}  # г-н, г-жа
_TURKIC_PARTICLES = _tag("оглы угли кызы гызы ogly oglu ogli ugli kyzy kizi", "")
_PERSON_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*\.?")


@dataclass(frozen=True, slots=True)
class PersonName:
    last: str | None = None
    first: str | None = None
    middle: str | None = None
    first_initial: str | None = None
    middle_initial: str | None = None
    gender: str | None = None  # "m" or "f"
    order_known: bool = True  # False when swapping first and last reads just as well


def _ending(key: str, endings: dict[str, str]) -> str | None:
    return next((value for ending, value in endings.items() if key.endswith(ending)), None)


def _patronymic_strength(key: str) -> int:
    if _ending(key, _PATRONYMIC) is not None:
        return 2
    return 1 if key.endswith("ich") else 0  # Ильич, Лукич, but also Бабич the surname


def _role_score(role: str, word: str) -> int:
    key = translit_key(word)
    strength, is_first = _patronymic_strength(key), key in _GENDER_BY_FIRST
    score = {2: 3, 1: 1, 0: -3}[strength] if role == "M" else (-3 if strength == 2 else 0)
    if role == "F":
        score += 2 if is_first else -(_ending(key, _SURNAME_ENDINGS) is not None)
    elif role == "L":
        score += -2 if is_first else int(_ending(key, _SURNAME_ENDINGS) is not None)
    return score


_Reading = tuple[tuple[str, str], ...]  # (role, word) pairs; role is L, F or M


def _readings(words: list[str], middle_free: bool) -> list[_Reading]:
    if len(words) == 1:
        return [(("L", words[0]),), (("F", words[0]),)]
    if len(words) == 2:
        a, b = words
        readings = [(("L", a), ("F", b)), (("F", a), ("L", b))]
        readings += [] if middle_free else [(("F", a), ("M", b))]
    else:
        head, tail = " ".join(words[:-2]), " ".join(words[2:])
        readings = [
            (("L", head), ("F", words[-2]), ("M", words[-1])),
            (("F", words[0]), ("M", words[1]), ("L", tail)),
        ]
    # Ties go to the script's habit: surname first in Russian lists, last in Latin ones.
    cyrillic = any(TRANSLIT.get(c) for c in "".join(words).casefold())
    return readings if cyrillic else [readings[1], readings[0], *readings[2:]]


def _best_reading(words: list[str], middle_free: bool = False) -> tuple[dict[str, str], bool]:
    """The likeliest roles, and whether the order is clear enough not to try the swap."""
    readings = _readings(words, middle_free)
    scores = [sum(_role_score(role, word) for role, word in r) for r in readings]
    best = max(range(len(readings)), key=scores.__getitem__)
    margin = scores[best] - max((s for i, s in enumerate(scores) if i != best), default=-99)
    roles = dict(readings[best])
    return roles, margin >= 2 and set(roles) != {"F", "M"}


def _person_words(text: str) -> tuple[list[str], str]:
    words: list[str] = []
    hint = ""
    for word in _PERSON_WORD.findall(unicodedata.normalize("NFKC", text)):
        folded = fold_text(word)
        if folded in _HONORIFICS:
            hint = hint or _HONORIFICS[folded]
        elif folded in _TURKIC_PARTICLES and words:
            words[-1] = f"{words[-1]} {word}"  # "Ахмед оглы" is one patronymic
        else:
            words.append(word)
    return words, hint


def _is_initial(word: str) -> bool:
    letters = word.rstrip(".")
    return len(letters) == 1 or (word.endswith(".") and len(letters) == 2 and "-" not in letters)


def _display(word: str) -> str:
    word = word.rstrip(".")
    if word.isupper() or word.islower():
        return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return word


def _gender(roles: dict[str, str], hint: str) -> str | None:
    if "M" in roles:
        key = translit_key(roles["M"])
        found = _ending(key, _PATRONYMIC) or ("m" if _patronymic_strength(key) else None)
        if found:
            return found
    if hint:
        return hint
    if "F" in roles and translit_key(roles["F"]) in _GENDER_BY_FIRST:
        return _GENDER_BY_FIRST[translit_key(roles["F"])]
    return _ending(translit_key(roles.get("L", "")), _SURNAME_ENDINGS) or None


def split_person_name(text: str | None) -> PersonName:
    """Last, first and middle names (or initials) from any usual order, and the likely gender."""
    words, hint = _person_words(text or "")
    full = [w for w in words if not _is_initial(w)]
    initials = [_display(w) for w in words if _is_initial(w)]
    order_known = True
    if not full:
        roles: dict[str, str] = {}
    elif initials and (len(full) == 1 or len(initials) >= 2):
        roles = {"L": " ".join(full)}
    elif initials and len(full) == 2:
        roles, order_known = _best_reading(full, middle_free=True)
    else:
        (roles, order_known), initials = _best_reading(full), []
    roles = {role: _display(word) for role, word in roles.items()}
    first_initial = roles["F"][:1] if "F" in roles else (initials.pop(0) if initials else None)
    middle_initial = roles["M"][:1] if "M" in roles else (initials.pop(0) if initials else None)
    return PersonName(
        last=roles.get("L"),
        first=roles.get("F"),
        middle=roles.get("M"),
        first_initial=first_initial,
        middle_initial=middle_initial,
        gender=_gender(roles, hint),
        order_known=order_known,
    )


def _person(name: str | PersonName | None) -> PersonName:
    return name if isinstance(name, PersonName) else split_person_name(name)


def _initial_key(name: str | None) -> str:
    return translit_key(name)[:1] if name else ""


def _alternatives(person: PersonName) -> list[PersonName]:
    if person.order_known:
        return [person]
    if person.last is None and person.middle:  # "Роман Абрамович": patronymic or surname
        return [person, replace(person, last=person.middle, middle=None, middle_initial=None)]
    if person.last and person.first:
        swapped = replace(person, last=person.first, first=person.last)
        return [person, replace(swapped, first_initial=person.last[:1])]
    return [person]


def person_key(name: str | PersonName | None) -> str | None:
    """Surname and first initial in folded Latin, as "ivanov|i"; None without a surname.

    When the order cannot be told ("Kim Lee"), the smaller of the two readings is the key, so
    both orders of one name still share it.
    """
    keys = [
        f"{translit_key(p.last)}|{_initial_key(p.first or p.first_initial)}"
        for p in _alternatives(_person(name))
        if p.last
    ]
    return min(keys) if keys else None


def _parts_agree(
    full_a: str | None, init_a: str | None, full_b: str | None, init_b: str | None
) -> bool:
    if full_a and full_b:
        return translit_key(full_a) == translit_key(full_b)
    a, b = _initial_key(full_a or init_a), _initial_key(full_b or init_b)
    return not a or not b or a == b


def _same_person(a: PersonName, b: PersonName) -> bool:
    return bool(
        a.last
        and b.last
        and translit_key(a.last) == translit_key(b.last)
        and _parts_agree(a.first, a.first_initial, b.first, b.first_initial)
        and _parts_agree(a.middle, a.middle_initial, b.middle, b.middle_initial)
        and not (a.gender and b.gender and a.gender != b.gender)
    )


def person_names_compatible(a: str | PersonName | None, b: str | PersonName | None) -> bool:
    """Same surname and nothing that contradicts: initials agree with names, genders agree."""
    first, second = _person(a), _person(b)
    return any(_same_person(x, y) for x in _alternatives(first) for y in _alternatives(second))
