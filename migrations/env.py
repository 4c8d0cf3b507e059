"""Alembic environment: migrates the connection the store hands over, or the configured store."""

from alembic import context

from models.registry import metadata

config = context.config


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    from models.store import get_engine

    with get_engine().connect() as conn:
        run_migrations(conn)
        conn.commit()
