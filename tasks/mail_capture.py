"""Local mail capture: an aiosmtpd server on loopback that stores each message as an .eml file.

With no SMTP_HOST configured the project's sender starts one for the duration of a send, so
`crm demo` and the flows deliver somewhere a person can open the letters.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller


class CaptureHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def capture_server(directory: Path) -> Iterator[tuple[str, int]]:
    """Run a capturing SMTP server on 127.0.0.1; yields its (host, port)."""
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(CaptureHandler(directory), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port
    finally:
        controller.stop()
