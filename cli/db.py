"""`crm db ...`: where the store is, migrations, and the embedded server."""

from __future__ import annotations

import sqlalchemy as sa
import typer

from models import store
from models.settings import get_settings

app = typer.Typer(
    help="The PostgreSQL store: URL, migrations, embedded server.", no_args_is_help=True
)


@app.command()
def upgrade() -> None:
    """Migrate the store to the newest schema (every command also does this on start)."""
    engine = store.get_engine()
    with engine.connect() as conn:
        version = conn.scalar(sa.text("select version_num from alembic_version"))
    typer.echo(f"schema at revision {version} on {store.describe(engine.url)}")


@app.command()
def url(show_password: bool = typer.Option(False, help="Print the password too.")) -> None:
    """Print the database URL in use (the embedded server's when DATABASE_URL is unset)."""
    typer.echo(store.resolve_url().render_as_string(hide_password=not show_password))


@app.command()
def stop() -> None:
    """Stop the embedded PostgreSQL (it otherwise keeps running between commands)."""
    settings = get_settings()
    if settings.database_url:
        raise typer.BadParameter("DATABASE_URL is set: the store is not the embedded server")
    stopped = store.stop_embedded(settings.embedded_pgdata)
    typer.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
