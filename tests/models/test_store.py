"""Store smoke tests: the embedded PostgreSQL, and one clear line for every store mistake."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from models import store
from models.errors import CrmError

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def embedded_dir(tmp_path_factory):
    pgdata = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield pgdata
    store.stop_embedded(pgdata)


def test_embedded_server_starts_migrates_and_is_reused(embedded_dir):
    url = store.start_embedded(embedded_dir)
    engine = store.make_engine(url)
    store.check_connection(engine)
    store.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into business_lines (name) values ('Kept')"))
    engine.dispose()

    again = store.make_engine(store.start_embedded(embedded_dir))
    with again.connect() as conn:
        assert conn.scalar(sa.text("select name from business_lines")) == "Kept"
        assert conn.scalar(sa.text("show server_version")).startswith("16")
    again.dispose()


def test_stopped_embedded_server_starts_again_with_its_data(embedded_dir):
    store.start_embedded(embedded_dir)
    assert store.stop_embedded(embedded_dir)
    engine = store.make_engine(store.start_embedded(embedded_dir))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from business_lines")) == 1
    engine.dispose()


def test_unwritable_data_folder_is_one_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(CrmError, match="is not writable") as info:
        store.start_embedded(blocker / "data" / "pgdata")
    assert str(blocker / "data") in str(info.value)
    assert not (blocker / "data").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:1/crm", "cannot reach the server"),
        ("mysql://root@127.0.0.1/crm", "must point to PostgreSQL"),
        ("not a url", "not a valid database URL"),
    ],
)
def test_bad_database_url_is_one_clear_error(url, expected):
    with pytest.raises(CrmError, match=expected) as info:
        store.check_connection(store.make_engine(store.normalise_url(url)))
    assert "\n" not in str(info.value)


def test_unknown_database_names_where(database_url):
    engine = store.make_engine(database_url.set(database="no_such_database_here"))
    with pytest.raises(CrmError, match="no_such_database_here") as info:
        store.check_connection(engine)
    assert "does not exist" in str(info.value)


def test_migrations_folder_ships_with_the_code():
    assert (Path(store.MIGRATIONS_DIR) / "env.py").is_file()
