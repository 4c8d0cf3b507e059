"""Lead lists at scale: a lead file checked against a large base, with known duplicates.

    .venv/bin/python benchmarks/bench_lead_lists.py [--base 1000000] [--rows 10000 100000]

A scratch database gets `--base` organisations (benchmarks/_lead_data.py; a third of them with
an open lead held by another rep), keyed by the same code every import uses (`index_clients`).
For each file size, a CSV with known truth (spelling variants, transliteration, phone formats,
typos, swapped names, missing fields, in-file repeats, junk rows) is imported for real (read,
normalise, match, decide, write, in one transaction, rolled back afterwards so each size meets
the same base). The floor, in the same run: a COPY of the file into a staging table plus one
exact-key join (INN) against the base. Printed: rows/s, peak memory, precision and recall of
the decisions against the truth, and the ratio to the floor. Targets: 100,000 rows against
1,000,000 organisations in under 2 minutes and within 10x the floor, peak memory under 2 GiB,
precision >= 0.99, recall >= 0.95.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_rss_mb, scratch_engine, timed  # noqa: E402
from benchmarks._lead_data import LEAD_FILE_HEADERS, base_orgs, lead_file  # noqa: E402
from models.imports import Decision, ImportKind  # noqa: E402
from tasks.bulk_copy import copy_rows  # noqa: E402
from tasks.client_keys import index_clients  # noqa: E402
from tasks.lead_import import import_prospects, read_source  # noqa: E402
from tasks.lines import add_line  # noqa: E402

LINE, REP, OTHER = "Bench", "rep@bench.example", "other@bench.example"
MATCHES = {
    Decision.duplicate_in_file,
    Decision.existing_client,
    Decision.held_by_other_rep,
    Decision.already_yours,
}
ORG_COLUMNS = (
    "organisation_id", "name", "legal_form", "tax_id", "city", "region", "address", "postcode",
    "website", "phones", "emails",
)  # fmt: skip


def load_base(engine, size: int) -> tuple[float, float]:
    """The base and its keys; returns (load seconds, keying seconds)."""
    with engine.begin() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            add_line(session, LINE)
            session.flush()
        conn.execute(
            sa.text(
                "INSERT INTO employees (full_name, email) VALUES ('Rep', :a), ('Other', :b);"
                " INSERT INTO employee_lines (employee_id, line_id, role)"
                " SELECT e.employee_id, l.line_id, 'rep' FROM employees e, business_lines l"
            ),
            {"a": REP, "b": OTHER},
        )

        def copy_base():
            rows = (
                (
                    o.index + 1,
                    o.name,
                    o.legal_form,
                    o.tax_id,
                    o.city,
                    o.region,
                    o.address,
                    o.postcode,
                    o.website and f"https://{o.website}",
                    list(o.phones),
                    list(o.emails),
                )  # fmt: skip
                for o in base_orgs(size)
            )
            copy_rows(conn, "organisations", ORG_COLUMNS, rows)
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('organisations', 'organisation_id'), :n)"
                ),
                {"n": size},
            )
            # A third of the base is worked by the other rep in the line.
            conn.execute(
                sa.text(
                    "INSERT INTO leads (organisation_id, line_id, owner_id, stage_id, owned_since)"
                    " SELECT o.organisation_id, s.line_id, e.employee_id, s.stage_id,"
                    "        now() - interval '20 days'"
                    " FROM organisations o"
                    " CROSS JOIN (SELECT line_id, stage_id FROM sales_stages"
                    "             ORDER BY position LIMIT 1) s"
                    " CROSS JOIN (SELECT employee_id FROM employees WHERE email = :b) e"
                    " WHERE o.organisation_id % 3 = 0"
                ),
                {"b": OTHER},
            )

        load_s, _ = timed(copy_base)
        key_s, _ = timed(lambda: index_clients(conn))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return load_s, key_s


def write_file(path: Path, rows: int, base: int) -> list:
    truth = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(LEAD_FILE_HEADERS)
        for row in lead_file(rows, base):
            writer.writerow(row.cells)
            truth.append(row)
    return truth


def floor(engine, path: Path) -> float:
    def run():
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TEMP TABLE staging ("
                    + ", ".join(f"c{i} text" for i in range(len(LEAD_FILE_HEADERS)))
                    + ") ON COMMIT DROP"
                )
            )
            raw = conn.connection.driver_connection
            with path.open("rb") as data, raw.cursor() as cursor:
                cursor.copy_expert(
                    "COPY staging FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')", data
                )
            return conn.scalar(
                sa.text("SELECT count(*) FROM staging s JOIN organisations o ON o.tax_id = s.c2")
            )

    seconds, _ = timed(run)
    return seconds


def score(truth: list, result) -> dict[str, float]:
    """Precision and recall of the match decisions against the generated truth."""
    cluster_of = {number: row.truth_cluster for number, row in enumerate(truth, start=2)}
    seen: set[int] = set()
    true_dupes = set()
    for number, row in enumerate(truth, start=2):
        if row.truth_base is not None or row.truth_cluster in seen:
            true_dupes.add(number)
        seen.add(row.truth_cluster)
    predicted = correct = review = 0
    for d in result.decisions:
        row = truth[d.row_number - 2]
        if d.decision == Decision.needs_review:
            review += 1
        if d.decision not in MATCHES:
            continue
        predicted += 1
        if d.decision == Decision.duplicate_in_file:
            correct += cluster_of[d.duplicate_of_row] == row.truth_cluster
        else:
            correct += row.truth_base is not None and d.organisation_id == row.truth_base + 1
    found = sum(1 for d in result.decisions if d.decision in MATCHES and d.row_number in true_dupes)
    return {
        "precision": correct / predicted if predicted else 1.0,
        "recall": correct / len(true_dupes) if true_dupes else 1.0,
        "matched": predicted,
        "true_dupes": len(true_dupes),
        "found": found,
        "review": review,
    }


def import_file(engine, path: Path):
    with engine.connect() as conn:
        trans = conn.begin()
        source = read_source(path)
        result = import_prospects(
            conn, source.prospects, kind=ImportKind.lead_file, source_name=source.name,
            line=LINE, rep=REP, list_name=path.stem, sha256=source.sha256,
        )  # fmt: skip
        trans.rollback()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    with scratch_engine("bench_leads") as engine, tempfile.TemporaryDirectory() as folder:
        load_s, key_s = load_base(engine, args.base)
        print(f"base: {args.base:,} organisations loaded in {load_s:.1f} s, keyed in {key_s:.1f} s")
        per_row = {}
        for rows in args.rows:
            path = Path(folder) / f"leads-{rows}.csv"
            truth = write_file(path, rows, args.base)
            floor_s = floor(engine, path)
            seconds, result = timed(lambda path=path: import_file(engine, path))
            quality = score(truth, result)
            per_row[rows] = seconds / rows
            counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
            print(
                f"{rows:,} rows: import {seconds:.1f} s ({rows / seconds:,.0f} rows/s), floor "
                f"{floor_s:.2f} s, ratio {seconds / floor_s:.1f}; precision "
                f"{quality['precision']:.4f}, recall {quality['recall']:.4f} "
                f"({quality['matched']:,} matched, {quality['true_dupes']:,} true duplicates, "
                f"{quality['review']:,} to review); peak RSS {peak_rss_mb():.0f} MB"
            )
            print(f"  decisions: {counts}")
        if len(per_row) > 1:
            small, large = min(per_row), max(per_row)
            print(
                f"growth: {per_row[large] / per_row[small]:.2f}x the time per row from "
                f"{small:,} to {large:,} rows (1.0 = linear)"
            )


if __name__ == "__main__":
    main()
