"""Cleaning one file on its own: its rows grouped into clusters, the base left untouched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tasks.lead_clusters import cluster_file
from tasks.lead_exports import write_csv
from tasks.lead_import import normalise_rows, read_mapped

EXTRA = ("cluster_id", "is_primary", "match_score", "match_reason")


@dataclass(frozen=True)
class DedupeResult:
    rows: int
    clusters: int
    duplicates: int
    invalid: int


def dedupe_file(
    path: Path, output: Path, mapping: Sequence[str], same: float, review: float
) -> DedupeResult:
    table, columns = read_mapped(path, mapping)
    prospects = normalise_rows(columns, table.rows)
    records = [p.record for p in prospects if p.record is not None and not p.problems]
    clusters = cluster_file(records, same, review)
    out = []
    duplicates = invalid = 0
    for (number, cells), prospect in zip(table.rows, prospects, strict=True):
        if prospect.problems:
            invalid += 1
            extra = (None, None, None, "invalid: " + "; ".join(prospect.problems))
        else:
            primary = clusters.primary(number)
            match = clusters.match_of.get(number)
            near = clusters.review.get(number)
            if primary != number:
                duplicates += 1
                reason = f"same as row {primary}" + (f": {match.evidence}" if match else "")
                extra = (primary, False, match.score if match else None, reason)
            elif near:
                other, m = near[0]
                extra = (number, True, None, f"maybe row {other} ({m.score:.2f}: {m.evidence})")
            else:
                extra = (number, True, None, "")
        out.append([cells.get(h, "") for h in table.headers] + list(extra))
    write_csv(output, [*table.headers, *EXTRA], out)
    return DedupeResult(len(prospects), len(prospects) - duplicates - invalid, duplicates, invalid)
