"""The schema is Alembic's: the migrations and the sqlmodel tables agree on both backends, an empty
PostgreSQL migrated to head has exactly the tables ``create_all`` would make, and production refuses a
database that lacks a migration instead of creating tables behind the operator's back."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from asgi_lifespan import LifespanManager
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

from assist.app import create_app
from assist.cli import main
from assist.stores.schema import SchemaOutOfDate, alembic_config, current_revisions, head_revisions, metadata
from assist.stores.sql import Database
from tests.conftest import POSTGRES_URL, make_settings


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata())


def _schema(connection: Connection) -> dict[str, Any]:
    """Everything a table is made of, as the database reports it (names, types, nullability, keys, indexes)."""
    found = inspect(connection)
    return {table: {
        "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
        "primary_key": found.get_pk_constraint(table)["constrained_columns"],
        "foreign_keys": sorted((tuple(fk["constrained_columns"]), fk["referred_table"])
                               for fk in found.get_foreign_keys(table)),
        "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)),
        "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
    } for table in sorted(found.get_table_names()) if table != "alembic_version"}


@pytest.fixture
def empty_postgres(postgres_server_url: str | None) -> Iterator[Any]:
    """A factory of brand-new PostgreSQL databases on the shared server, dropped at the end."""
    if postgres_server_url is None:
        pytest.skip("no PostgreSQL server here (required under CI)")
    made: list[str] = []
    base = POSTGRES_URL.rpartition("/")[0]

    def new() -> str:
        name = f"assist_migrate_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    yield new
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_autogenerate_finds_no_difference_between_the_models_and_the_migrations(database_url):
    db = Database(database_url)
    try:
        await db.upgrade_schema()
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_differences)
    finally:
        await db.close()
    assert differences == []


async def test_upgrade_on_an_empty_postgresql_gives_the_schema_create_all_makes(empty_postgres):
    migrated, created = Database(empty_postgres()), Database(empty_postgres())
    try:
        assert await migrated.upgrade_schema() == set()
        async with created.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        async with migrated.engine.connect() as a, created.engine.connect() as b:
            migrated_schema, created_schema = await a.run_sync(_schema), await b.run_sync(_schema)
    finally:
        await migrated.close()
        await created.close()
    assert set(migrated_schema) == set(metadata().tables)
    assert migrated_schema == created_schema


async def test_a_second_upgrade_finds_the_database_at_head_and_changes_nothing(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        await db.upgrade_schema()
        assert await db.upgrade_schema() == head_revisions()
        assert await current_revisions(db.engine) == head_revisions()
    finally:
        await db.close()


def _tables_of_the_last_release_without_migrations(connection: Connection) -> None:
    """What that release's ``create_all`` made: the initial revision's tables, with no ``alembic_version``."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "0001")
    connection.exec_driver_sql("DROP TABLE alembic_version")


async def test_a_database_made_by_create_all_before_migrations_is_adopted_at_the_initial_revision(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_tables_of_the_last_release_without_migrations)
        await db.upgrade_schema()
        assert await current_revisions(db.engine) == head_revisions()
    finally:
        await db.close()


async def test_production_refuses_to_start_on_a_database_never_migrated(tmp_path, redis_url):
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'new.db'}", environment="production")
    with pytest.raises(SchemaOutOfDate, match="assist db upgrade"):
        async with LifespanManager(create_app(settings), startup_timeout=30):
            pass


def test_db_check_fails_before_db_upgrade_and_passes_after(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("ASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "check"]) == 1
    assert "run `assist db upgrade`" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert f"database schema at {', '.join(sorted(head_revisions()))} (was none)" in capsys.readouterr().out
    assert main(["db", "check"]) == 0


async def test_production_starts_on_a_migrated_database(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    db = Database(url)
    await db.upgrade_schema()
    await db.close()
    settings = make_settings(tmp_path, redis_url, url, environment="production")
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30):
        assert await app.state.db.ping()


UPGRADE = """
import asyncio, sys
from assist.stores.sql import Database

async def upgrade():
    db = Database(sys.argv[1])
    try:
        await db.upgrade_schema()
    finally:
        await db.close()

asyncio.run(upgrade())
"""


def upgrade_at_once(url: str, processes: int = 3) -> list[str]:
    """Start ``processes`` upgrades of ``url`` together; the end of each failed one's stderr."""
    started = [subprocess.Popen([sys.executable, "-c", UPGRADE, url], stderr=subprocess.PIPE, text=True)
               for _ in range(processes)]
    return [p.stderr.read()[-300:] for p in started if p.wait(timeout=120) != 0]  # type: ignore[union-attr]


def test_processes_started_together_on_a_new_sqlite_file_all_migrate_it(tmp_path: Path):
    assert upgrade_at_once(f"sqlite:///{tmp_path / 'shared.db'}") == []


def test_replicas_started_together_on_an_empty_postgresql_all_migrate_it(empty_postgres):
    assert upgrade_at_once(empty_postgres()) == []
