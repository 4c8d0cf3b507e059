"""Demo-data generator against its floor: the same rows loaded with a plain COPY.

Runs on a scratch database created on the server of DATABASE_URL (or the embedded one) and
dropped at the end:

    .venv/bin/python benchmarks/bench_demo_data.py --orgs 100000 [--seed 42]

Two floors, measured in the same run from the rows the generator wrote, dumped to temp files:
the real tables (emptied, with all their indexes, checks and foreign keys), which is the least
any loader of this schema pays; and bare copies (LIKE ... INCLUDING DEFAULTS INCLUDING
IDENTITY: NOT NULL stays, no index, check or foreign key), which shows what the schema costs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_rss_mb, scratch_engine, timed  # noqa: E402
from tasks.bulk_copy import copy_file  # noqa: E402
from tasks.demo_data import COPY_COLUMNS, load_demo_data  # noqa: E402
from tasks.demo_people import SUPPRESSION_COLUMNS  # noqa: E402

TABLES = {**COPY_COLUMNS, "suppressions": SUPPRESSION_COLUMNS}


def dump_tables(engine: Engine, folder: Path) -> dict[str, Path]:
    """The generated rows, in load order, as COPY text files."""
    files = {}
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for table, columns in TABLES.items():
            files[table] = folder / f"{table}.copy"
            order = sa.inspect(conn).get_pk_constraint(table)["constrained_columns"]
            query = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(order)}"
            with files[table].open("wb") as out:
                cursor.copy_expert(f"COPY ({query}) TO STDOUT", out)
    return files


def load_files(engine: Engine, files: dict[str, Path], prefix: str = "") -> dict[str, float]:
    """COPY each file in one transaction; seconds per table."""
    seconds = {}
    with engine.begin() as conn:
        for table, path in files.items():
            started = time.perf_counter()
            with path.open("rb") as source:
                copy_file(conn, prefix + table, TABLES[table], source)
            seconds[table] = time.perf_counter() - started
    return seconds


def floor_real_tables(engine: Engine, files: dict[str, Path]) -> tuple[float, dict[str, float]]:
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    return timed(lambda: load_files(engine, files))


def floor_bare_tables(engine: Engine, files: dict[str, Path]) -> float:
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(
                sa.text(
                    f"CREATE TABLE bare_{table} "
                    f"(LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                )
            )
    return timed(lambda: load_files(engine, files, prefix="bare_"))[0]


def line(label: str, seconds: float, rows: int) -> str:
    return f"{label:<48}{seconds:8.1f} s {rows / seconds:>11,.0f} rows/s"


def report(args, counts, gen_s: float, real: tuple, bare_s: float, gen_rss: float) -> None:
    rows = sum(getattr(counts, table) for table in TABLES)
    real_s, per_table = real
    slowest = sorted(per_table.items(), key=lambda item: -item[1])[:5]
    print(f"demo data: {args.orgs:,} organisations, seed {args.seed}")
    print("rows per table: " + ", ".join(f"{t} {getattr(counts, t):,}" for t in TABLES))
    print(f"total rows: {rows:,} (COPY tables and suppressions; + {counts.total - rows} team rows)")
    print(line("generator + load (one transaction, committed)", gen_s, rows))
    print(line("floor: plain COPY into the real tables", real_s, rows))
    print(line("floor: plain COPY into bare copies", bare_s, rows))
    print("  real-table floor, slowest: " + ", ".join(f"{t} {s:.1f} s" for t, s in slowest))
    print(f"ratio generator / floor (real tables): {gen_s / real_s:.2f}")
    print(f"ratio generator / floor (bare copies): {gen_s / bare_s:.2f}")
    print(f"peak RSS after the generator: {gen_rss:,.0f} MB; at the end: {peak_rss_mb():,.0f} MB")


def main(args: argparse.Namespace) -> None:
    with scratch_engine("bench_demo") as engine:

        def generate():
            with engine.begin() as conn:
                return load_demo_data(conn, orgs=args.orgs, seed=args.seed)

        gen_s, counts = timed(generate)
        gen_rss = peak_rss_mb()
        with tempfile.TemporaryDirectory(prefix="bench_demo_") as folder:
            files = dump_tables(engine, Path(folder))
            real = floor_real_tables(engine, files)
            bare_s = floor_bare_tables(engine, files)
        report(args, counts, gen_s, real, bare_s, gen_rss)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    main(parser.parse_args())
