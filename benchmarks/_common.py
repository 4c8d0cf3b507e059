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
    """Where the CPU went while a run was timed: this process, one other process (the SMTP
    sink), and the rest of the machine (the database's backends and the kernel, for the
    sender); and how busy the cores were. Reads /proc, so Linux only: elsewhere `split` says
    so. A run on a machine with idle cores left is waiting on something; one with every core
    busy can only go faster by doing less."""

    def __init__(self, other_pid: int) -> None:
        self.other_pid = other_pid
        self.available = Path("/proc/stat").exists()
        self.begin: tuple[float, float, float, float] | None = None
        self.end: tuple[float, float, float, float] | None = None

    def _sample(self) -> tuple[float, float, float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return (
            own.ru_utime + own.ru_stime,
            _process_cpu(self.other_pid),
            *_machine_cpu(),
        )

    def start(self) -> None:
        if self.available:
            self.begin = self._sample()

    def stop(self) -> None:
        if self.available:
            self.end = self._sample()

    def split(self, count: int, own: str, other: str) -> str:
        """CPU milliseconds per item (of `count`) for each part, and the cores' busy share."""
        if self.begin is None or self.end is None:
            return "CPU split not measured (needs /proc)"
        own_s, other_s, busy_s, all_s = (b - a for a, b in zip(self.begin, self.end, strict=True))
        rest_s = max(0.0, busy_s - own_s - other_s)
        cores = os.cpu_count() or 1
        return (
            f"CPU ms a letter: {own} {own_s / count * 1e3:.2f}, {other} "
            f"{other_s / count * 1e3:.2f}, the rest of the machine {rest_s / count * 1e3:.2f}"
            f" (total {busy_s / count * 1e3:.2f}); cores busy {busy_s / all_s:.0%} of {cores}"
        )
