"""Duplicates inside one file: rows compared within blocks that share a key, then grouped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from models.client_keys import BLOCK_LENGTH, name_blocks
from tasks.lead_batches import compare_pairs, in_batches
from tasks.lead_matching import Match
from tasks.lead_records import ORGANISATION, Record

# A block this large is a shared switchboard or a common word: only near rows are compared.
MAX_BLOCK = 60
WINDOW = 8


def block_keys(record: Record) -> list[tuple[str, str]]:
    """Exact keys, then the head and tail of the name key for names with a typo."""
    keys = [("tax_id", record.tax_id)] if record.tax_id else []
    keys += [("phone", p) for p in record.phones] + [("email", e) for e in record.emails]
    if record.kind == ORGANISATION:
        keys += [("domain", d) for d in sorted(record.domains)]
    if key := record.name_key:
        keys.append((record.kind, key))
        if record.kind == ORGANISATION and len(key) >= BLOCK_LENGTH:
            head, tail = name_blocks(key)
            keys += [("head", head), ("tail", tail)]
        if record.birth_date:
            keys.append(("birth", f"{key}|{record.birth_date.isoformat()}"))
    return keys


@dataclass
class FileClusters:
    primary_of: dict[int, int] = field(default_factory=dict)  # row -> its cluster's first row
    match_of: dict[int, Match] = field(default_factory=dict)  # row -> why it joined
    review: dict[int, list[tuple[int, Match]]] = field(default_factory=dict)  # row -> near rows

    def primary(self, row: int) -> int:
        return self.primary_of.get(row, row)


class _Groups:
    """Union-find that refuses to join two groups holding different INNs."""

    def __init__(self, records: dict[int, Record]):
        self.parent: dict[int, int] = {}
        self.tax: dict[int, set[str]] = {
            r: {x.tax_id} if x.tax_id else set() for r, x in records.items()
        }

    def find(self, row: int) -> int:
        root = row
        while (parent := self.parent.get(root, root)) != root:
            root = parent
        self.parent[row] = root
        return root

    def join(self, a: int, b: int) -> bool:
        ra, rb = sorted((self.find(a), self.find(b)))
        if ra == rb:
            return True
        if self.tax[ra] and self.tax[rb] and self.tax[ra] != self.tax[rb]:
            return False
        self.parent[rb] = ra
        self.tax[ra] |= self.tax.pop(rb)
        return True


def _pairs(blocks: Iterable[Sequence[int]]) -> Iterable[tuple[int, int]]:
    seen: set[tuple[int, int]] = set()
    for rows in blocks:
        reach = len(rows) if len(rows) <= MAX_BLOCK else WINDOW
        for i, a in enumerate(rows):
            for b in rows[i + 1 : i + 1 + reach]:
                if (a, b) not in seen:
                    seen.add((a, b))
                    yield a, b


def cluster_file(records: Sequence[Record], same: float, review: float) -> FileClusters:
    """Group the rows of one file that describe the same client; the first row leads a group."""
    by_row = {r.row_number: r for r in records}
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record in records:
        for key in dict.fromkeys(block_keys(record)):
            blocks[key].append(record.row_number)
    groups = _Groups(by_row)
    result = FileClusters()
    near: list[tuple[int, int, Match]] = []
    pairs = sorted(_pairs(rows for rows in blocks.values() if len(rows) > 1))
    compared = ((by_row[a], by_row[b]) for a, b in pairs)
    # Scoring is pure (and may run in batches elsewhere); joining stays here, in pair order.
    for a, b, match in in_batches(compare_pairs, compared, review):
        if match.score >= same:
            if groups.join(a, b):
                result.match_of.setdefault(b, match)
        elif match.score >= review:
            near.append((a, b, match))
    for row in by_row:
        root = groups.find(row)
        if root != row:
            result.primary_of[row] = root
    for a, b, match in near:
        if result.primary(a) != result.primary(b):
            result.review.setdefault(b, []).append((result.primary(a), match))
    return result
