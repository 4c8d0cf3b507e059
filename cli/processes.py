"""The child processes of `crm serve`: started in sessions of their own, stopped in order."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from models.errors import CrmError
from models.settings import PROJECT_ROOT

STARTUP_SECONDS = 180  # a loaded 2-core machine needs ~30 s for a first start
STOP_SECONDS = 15


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(errors="replace").strip().splitlines() if path.is_file() else []
    return "\n".join(text[-lines:])


class Stack:
    """Children in sessions of their own (Ctrl-C reaches only `crm serve`, which stops them in
    reverse order: workers first, so no run starts on a server that is going away)."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict, to_log: bool) -> subprocess.Popen:
        out = (self.logs / f"{name}.log").open("w") if to_log else None
        child = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=out and subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.children.append((name, child))
        return child

    def stopped(self) -> str | None:
        for name, child in self.children:
            if child.poll() is not None:
                return f"the {name} stopped (exit code {child.returncode})"
        return None

    def run_processes(self) -> set[str]:
        """The pids of the processes the workers started (their flow runs), as Prefect keeps
        them in a run's infrastructure_pid."""
        import psutil

        pids = set()
        for name, child in self.children:
            if name.startswith("worker"):
                with contextlib.suppress(psutil.Error):
                    pids |= {str(p.pid) for p in psutil.Process(child.pid).children(True)}
        return pids

    def stop(self, before_server: Callable[[], None] | None = None) -> None:
        """Stop every child; `before_server` runs once the workers are gone."""
        for name, child in reversed(self.children):
            if name == "server" and before_server is not None and child.poll() is None:
                try:
                    before_server()
                except Exception as error:  # stopping must go on whatever the API says
                    print(f"could not tidy up the runs in flight: {error!r}")
            # A worker asked with SIGINT stops polling and ends its runs' processes.
            stop(child, signal.SIGINT if name.startswith("worker") else signal.SIGTERM)
        self.children.clear()


def stop(child: subprocess.Popen, first: signal.Signals) -> None:
    """The child's whole process group: a polite signal, then SIGKILL."""
    for sig in (first, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        with contextlib.suppress(ProcessLookupError):  # the leader is gone; so goes its group
            os.killpg(child.pid, signal.SIGKILL)
        return


def wait_healthy(api_url: str, server: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CrmError(f"the Prefect server did not start; {log}:\n{tail(log)}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise CrmError(f"the Prefect server did not answer within {STARTUP_SECONDS} s; see {log}")
