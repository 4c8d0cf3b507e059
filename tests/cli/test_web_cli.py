"""`crm serve-web` as ops run it: a real process that prints its URL and serves the pages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_served(url: str, process: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read()
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "crm serve-web did not start listening"
            time.sleep(0.1)


def test_serve_web_prints_its_url_and_serves(database_url):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve-web", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PUBLIC_URL": "https://crm.example.com"},
    )
    try:
        response = _wait_until_served(f"http://127.0.0.1:{port}/u/no-such-token", process)
        assert response.status_code == 404
        assert "Ссылка недействительна" in response.text
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert f"serving on http://127.0.0.1:{port}" in out
    assert "links in letters use https://crm.example.com" in out


def test_serve_web_with_a_bad_database_is_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve-web", "--port", str(_free_port())],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/crm"},
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot reach the server" in result.stderr
    assert "Traceback" not in result.stderr
