"""Test harness: one database per run built by the migrations, isolation per test.

The server is TEST_DATABASE_URL, else DATABASE_URL, else the embedded PostgreSQL under
`.crm/test-pgdata`. Each run creates its own database there and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from models import store
from models.registry import metadata
from models.settings import PROJECT_ROOT, get_settings


def server_url() -> URL:
    raw = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if raw:
        return store.normalise_url(raw)
    return store.start_embedded(PROJECT_ROOT / ".crm" / "test-pgdata")


def _admin(url: URL) -> Engine:
    return store.make_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(prefix: str = "crm_test") -> URL:
    base = server_url()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _admin(base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name)


def drop_database(url: URL) -> None:
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[URL]:
    """A fresh database migrated to head; the code under test is pointed at it."""
    url = create_database()
    engine = store.make_engine(url)
    store.upgrade(engine)
    engine.dispose()
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "CRM_DATA_DIR")}
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    os.environ["CRM_DATA_DIR"] = str(tmp_path_factory.mktemp("crm-data"))
    store.reset_caches()
    yield url
    store.reset_caches()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url) -> Iterator[Engine]:
    engine = store.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may call `session.begin()`/`commit()`: those become savepoints.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
            yield s
        outer.rollback()


@pytest.fixture
def committed(engine) -> Iterator[Engine]:
    """For code that opens its own sessions and commits: every table is emptied afterwards."""
    yield engine
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def prefect_harness(database_url, tmp_path_factory) -> Iterator[None]:
    """A real, temporary Prefect server for the whole run (it takes ~15 s to start)."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def write_file(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def mailbox() -> Path:
    """The local capture's folder, emptied: only this test's letters are in it."""
    folder = get_settings().mail_capture_dir
    for eml in folder.glob("*.eml"):
        eml.unlink()
    return folder
