"""Alembic's entry point: the service's own metadata, run on the connection the caller passes in.

``assist db upgrade`` and the app's startup hand their connection in ``config.attributes["connection"]``
(one transaction, under the upgrade lock); the plain ``alembic`` command (alembic.ini at the top of the repo)
opens one from ``ASSIST_DATABASE_URL`` like the service does.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from assist.stores.schema import metadata, render_item, sync_url


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata(), render_item=render_item,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported: run `assist db upgrade`")
    from assist.settings import Settings

    engine = create_engine(sync_url(Settings().resolved_database_url))
    try:
        with engine.begin() as conn:
            run(conn)
    finally:
        engine.dispose()


main()
