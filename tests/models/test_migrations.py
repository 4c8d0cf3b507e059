"""The migrations build exactly the schema the models describe, and undo it cleanly."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from models import store
from models.registry import metadata
from tests.conftest import create_database, drop_database

pytestmark = pytest.mark.embedded


@pytest.fixture
def scratch_engine():
    url = create_database("crm_migrations")
    engine = store.make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _public_objects(conn) -> dict[str, list[str]]:
    return {
        "tables": conn.scalars(
            sa.text(
                "select tablename from pg_tables where schemaname = 'public' "
                "and tablename <> 'alembic_version' order by 1"
            )
        ).all(),
        "types": conn.scalars(
            sa.text(
                "select typname from pg_type where typnamespace = 'public'::regnamespace "
                "and typtype = 'e' order by 1"
            )
        ).all(),
        "functions": conn.scalars(
            sa.text("select proname from pg_proc where pronamespace = 'public'::regnamespace")
        ).all(),
    }


def test_one_head():
    heads = ScriptDirectory.from_config(store.alembic_config()).get_heads()
    assert len(heads) == 1


def test_upgrade_from_empty_matches_the_models(scratch_engine):
    store.upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert set(_public_objects(conn)["tables"]) == set(metadata.tables)


def test_upgrade_is_idempotent_and_downgrade_leaves_nothing(scratch_engine):
    store.upgrade(scratch_engine)
    store.upgrade(scratch_engine)
    store.downgrade(scratch_engine, "base")
    with scratch_engine.connect() as conn:
        assert _public_objects(conn) == {"tables": [], "types": [], "functions": []}
    store.upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        assert len(_public_objects(conn)["tables"]) == len(metadata.tables)
