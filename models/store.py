"""The store: which PostgreSQL to use (embedded by default), engines, sessions and migrations."""

from __future__ import annotations

import atexit
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models.errors import CrmError
from models.settings import PROJECT_ROOT, get_settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# Any constant works; it only has to be the same in every process that migrates this database.
_MIGRATION_LOCK_KEY = 720_130_001


class StoreError(CrmError):
    """A store problem a user can fix; its message is one line saying what and where."""


def normalise_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if url.get_backend_name() != "postgresql":
        raise StoreError(f"DATABASE_URL must point to PostgreSQL, got '{url.drivername}'")
    return url.set(drivername="postgresql+psycopg2")


def describe(url: URL) -> str:
    """Where a URL points, without its password."""
    host = url.host or url.query.get("host") or "local socket"
    port = f":{url.port}" if url.port else ""
    return f"{url.username or ''}@{host}{port}/{url.database}"


def start_embedded(pgdata: Path) -> URL:
    """Start (or reuse) the embedded PostgreSQL whose data lives in `pgdata`; return its URL."""
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        probe = pgdata.parent / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"embedded database folder {pgdata.parent} is not writable ({exc.strerror or exc}); "
            "set CRM_DATA_DIR to a writable folder or DATABASE_URL to a server"
        ) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver

        cached = pgserver.PostgresServer._instances.get(pgdata.resolve())
        if cached is not None and not cached.get_postmaster_info().is_running():
            _forget_instance(pgdata)
        try:
            # cleanup_mode=None keeps the server running after this process, so the next
            # command (or a Prefect worker's subprocess) reuses it instead of starting again.
            server = pgserver.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:  # pgserver raises bare subprocess/assert errors
            raise StoreError(
                f"embedded PostgreSQL in {pgdata} did not start: {exc}; see {pgdata / 'log'}"
            ) from None
    return normalise_url(server.get_uri())


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server if it runs; True when it did."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import pg_ctl

    # pgserver runs PostgreSQL as its own system user when started by root.
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    _forget_instance(pgdata)
    return True


def _forget_instance(pgdata: Path) -> None:
    """Drop pgserver's handle of a stopped server so the next start checks it afresh."""
    import pgserver

    instance = pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
    if instance is not None:
        atexit.unregister(instance._cleanup)
        instance.global_process_id_list.get_and_remove(os.getpid())


def resolve_url() -> URL:
    settings = get_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    return start_embedded(settings.embedded_pgdata)


def make_engine(url: URL, **kwargs) -> Engine:
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def check_connection(engine: Engine, setting: str | None = None) -> None:
    """Connect once, turning driver errors into one line a user can act on (naming the setting
    the URL came from, if any)."""
    where = describe(engine.url) + (f" ({setting})" if setting else "")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except OperationalError as exc:
        text = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if "password authentication failed" in text or "no password supplied" in text:
            reason = "wrong user name or password"
        elif "does not exist" in text:
            reason = text
        else:
            reason = f"cannot reach the server ({text})"
        raise StoreError(f"PostgreSQL at {where}: {reason}") from None


def alembic_config(connection: sa.Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to call from many processes at once."""
    from alembic import command

    with engine.connect() as conn:
        conn.execute(sa.text("select pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        try:
            command.upgrade(alembic_config(conn), revision)
            conn.commit()
        finally:
            conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            conn.commit()


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    with engine.connect() as conn:
        command.downgrade(alembic_config(conn), revision)
        conn.commit()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine: resolved, reachable and migrated to head."""
    engine = make_engine(resolve_url())
    check_connection(engine, "DATABASE_URL" if get_settings().database_url else None)
    if os.environ.get("CRM_SKIP_MIGRATIONS") != "1":
        upgrade(engine)
    return engine


def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session whose caller owns the transaction (`with session.begin():`)."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


def reset_caches() -> None:
    """Forget the engine and settings, e.g. after tests change the environment."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()
