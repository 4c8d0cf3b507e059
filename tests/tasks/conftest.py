"""A real uvicorn serving `crm serve-web`'s app on loopback, and committed ledger rows for it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tasks.web_app import make_app
from tests import factories


@pytest.fixture(scope="module")
def web_url(database_url) -> Iterator[str]:
    """Base URL of the app under uvicorn in a background thread, on the test database."""
    # Bound here and handed over, so no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def committed_send(engine: Engine, email: str = "ivan@example.com") -> dict:
    """A committed ledger row (the server reads through its own connections)."""
    with Session(engine) as session, session.begin():
        send = factories.campaign_send(session, email=email)
        return {
            "token": send.unsubscribe_token,
            "person_id": send.person_id,
            "campaign_id": send.campaign_id,
        }
