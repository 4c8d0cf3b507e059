"""What every benchmark needs: a scratch database, a stopwatch, peak memory, and where the CPU
went."""

from __future__ import annotations

import os
import resource
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models import store


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


@contextmanager
def scratch_engine(prefix: str) -> Iterator[Engine]:
    """A migrated database on the server of DATABASE_URL (or the embedded one), then dropped."""
    server = store.resolve_url()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = store.make_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = store.make_engine(server.set(database=name))
    try:
        store.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float:
    """CPU seconds (user and system) of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15


def _machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of every core so far, from /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    busy = user + nice + system + irq + softirq + steal
    return busy / _TICK, (busy + idle + iowait) / _TICK


class CpuMeter:
    """Where the CPU went while a run was timed (`with meter:` around it): this process, one
    other process (the SMTP sink), and the rest of the machine (the database's backends and the
    kernel, for the sender); and how busy the cores were. Reads /proc, so Linux only: elsewhere
    `split` says so. A run on a machine with idle cores left is waiting on something; one with
    every core busy can only go faster by doing less."""

    def __init__(self, other_pid: int) -> None:
        self.other_pid = other_pid
        self.begin: tuple[float, ...] | None = None
        self.used: tuple[float, ...] | None = None  # own, other, busy, all: seconds in the run

    def _sample(self) -> tuple[float, ...]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return (own.ru_utime + own.ru_stime, _process_cpu(self.other_pid), *_machine_cpu())

    def __enter__(self) -> CpuMeter:
        self.begin = self._sample() if Path("/proc/stat").exists() else None
        return self

    def __exit__(self, *exc) -> None:
        if self.begin is not None:
            self.used = tuple(b - a for a, b in zip(self.begin, self._sample(), strict=True))

    def split(self, letters: int, own: str, other: str) -> str:
        """CPU milliseconds a letter (of `letters`) for each part, and the cores' busy share."""
        if self.used is None:
            return "CPU split not measured (needs /proc)"
        own_s, other_s, busy_s, all_s = (seconds / letters * 1e3 for seconds in self.used)
        rest_s = max(0.0, busy_s - own_s - other_s)
        return (
            f"CPU ms a letter: {own} {own_s:.2f}, {other} {other_s:.2f}, the rest of the machine "
            f"{rest_s:.2f} (total {busy_s:.2f}); cores busy {busy_s / all_s:.0%} of "
            f"{os.cpu_count() or 1}"
        )
