"""A demo lead file, as a business directory would export it, made from the demo base.

Some rows are clients the base already has, spelt the way directories spell them (legal form
moved, upper case, a Latin name, the phone in another format); some repeat an earlier row;
a few are unusable; the rest are fresh prospects. So a demo shows every kind of decision.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import sqlalchemy as sa

from tasks import demo_names as pool
from tasks.lead_records import org_words
from tasks.transliteration import transliterate

HEADERS = ("ID", "Название", "ИНН", "Телефон", "E-mail", "Сайт", "Город", "Адрес", "Рубрика")


def _phone_variant(e164: str, r: random.Random) -> str:
    d = e164[2:]
    return r.choice(
        (f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}", f"+7 {d[:3]} {d[3:]}", f"8{d}", e164)
    )


def _name_variant(name: str, r: random.Random) -> str:
    form, bare, _, _ = org_words(name)
    bare = bare or name
    choice = r.randrange(4)
    if choice == 0:
        return f"{bare} {form or ''}".strip()
    if choice == 1:
        return name.upper()
    if choice == 2 and form in ("ООО", None):
        return f"{transliterate(bare).title()} LLC"
    return f'{form or ""} "{bare}"'.strip()


def write_demo_lead_file(conn: sa.Connection, path: Path, seed: int = 42, size: int = 120) -> Path:
    r = random.Random(f"demo-lead-file-{seed}")
    known = conn.execute(
        sa.text(
            "SELECT name, tax_id, phones[1], city, industry FROM organisations"
            " WHERE cardinality(phones) > 0 ORDER BY organisation_id LIMIT :n"
        ),
        {"n": size},
    ).all()
    rows: list[list[str]] = []
    for name, tax_id, phone, city, industry in r.sample(known, min(len(known), size // 3)):
        keep_tax = tax_id if r.random() < 0.5 else ""
        rows.append(
            [
                "",
                _name_variant(name, r),
                keep_tax,
                _phone_variant(phone, r),
                "",
                "",
                city,
                "",
                industry or "",
            ]
        )
    for _ in range(size - len(rows) - size // 10 - 3):
        stem = f"{r.choice(pool.RU_PREFIXES)}{r.choice(pool.RU_SUFFIXES)}"
        region = r.choice(pool.REGIONS)
        digits = f"{r.randrange(10**6, 10**7)}"
        domain = f"{pool.latin(stem)}-{r.randrange(100, 999)}.ru"
        rows.append([
            "", f"ООО «{stem}-{r.randrange(10, 99)}»", "", f"+7 {region.area_code} {digits}",
            f"info@{domain}", domain, region.city,
            f"ул. {r.choice(pool.STREETS)}, д. {r.randrange(1, 90)}",
            r.choice(pool.INDUSTRIES)[0],
        ])  # fmt: skip
    for source in r.sample(rows, size // 10):
        copy = list(source)
        copy[1], copy[3] = _name_variant(copy[1], r), _phone_variant(_e164(copy[3]), r)
        rows.append(copy)
    rows += [
        ["", "", "", "", "", "", "Москва", "", ""],
        ["", "ООО «Без контактов»", "", "", "", "", "Тверь", "", ""],
        ["", "ООО «Ошибка ИНН»", "12345", "+7 495 000-11-22", "", "", "Москва", "", ""],
    ]
    r.shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for number, row in enumerate(rows, start=1):
            writer.writerow([f"demo-{number:04d}", *row[1:]])
    return path


def _e164(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return "+7" + digits[-10:]
