"""The SQL schema's version: Alembic migrations brought to head, or checked before the service starts.

The migrations (``assist/stores/migrations``) ship inside the package, so an installed service, the Docker
image and the tests all run the same revisions. ``upgrade`` takes a lock on PostgreSQL, so several workers or
replicas started at once apply each revision once; the others wait and then find nothing to do. On a SQLite
file the same is done with a lock file beside it (``<file>.migrate-lock``): processes started together on a new
file (``uvicorn --workers 2``) otherwise both create the first table and one fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, DateTime, MetaData, String, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["SchemaOutOfDate", "check", "current_revisions", "head_revisions", "metadata", "upgrade"]

log = logging.getLogger(__name__)
# alembic's "Context impl SQLiteImpl." lines on every start said nothing: an upgrade that ran is logged here
# once instead, with the revisions before and after
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_LOCK = 0x61737369  # "assi": the PostgreSQL advisory lock held while migrating
INITIAL_REVISION = "0001"
"""The revision a database made by ``create_all`` before migrations existed is at (see ``_adopt``)."""


class SchemaOutOfDate(RuntimeError):
    """The database lacks revisions this code needs; the message says which and what to run."""


def metadata() -> MetaData:
    """Every table of the service, registered by importing the modules that define them."""
    from sqlmodel import SQLModel

    from assist.adoption import adherence_rollup, rollup  # noqa: F401 - the adoption roll-up's tables
    from assist.stores import sql  # noqa: F401 - imports every other table module

    return SQLModel.metadata


def alembic_config() -> Config:
    """Alembic's configuration without an ini file: the packaged scripts are the only setting."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> set[str]:
    """The newest revision(s) this code knows."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def sync_url(url: str) -> str:
    """The URL with the synchronous driver the ``alembic`` command uses (psycopg 3 for PostgreSQL)."""
    parsed = make_url(url)
    backend = parsed.drivername.partition("+")[0]
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return str(parsed.set(drivername=backend))


async def upgrade(engine: AsyncEngine) -> set[str]:
    """Apply every missing revision in one transaction; returns the revisions the database was at before.

    Raises whatever the database raises; on PostgreSQL a failed upgrade leaves the schema as it was (DDL is
    transactional there), on SQLite the revisions already applied stay applied.
    """
    async with _sqlite_file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        return await conn.run_sync(_upgrade)


@contextlib.asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """An exclusive lock on ``<file>.migrate-lock`` for a SQLite file (waited for off the event loop), else
    nothing: PostgreSQL's advisory lock does this job there, and an in-memory database has one connection."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _upgrade(connection: Connection) -> set[str]:
    before = _adopt(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    now = set(MigrationContext.configure(connection).get_current_heads())
    if now != before:
        log.info("database schema upgraded", extra={"before": sorted(before), "now": sorted(now)})
    return before


def _adopt(connection: Connection) -> set[str]:
    """The database's revisions; a database made by ``create_all`` before migrations existed (the initial
    revision's tables, no version table) is stamped at the initial revision instead of failing on
    "table already exists"."""
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current:
        return current
    tables = set(inspect(connection).get_table_names())
    if {"customer", "prompt", "model_version", "practice_run"} <= tables:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.stamp(config, INITIAL_REVISION)
        log.warning("database made before migrations: stamped at the initial revision",
                    extra={"revision": INITIAL_REVISION})
    return current


async def current_revisions(engine: AsyncEngine) -> set[str]:
    """The revision(s) the database is at; empty for a database never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: set(MigrationContext.configure(sync).get_current_heads()))


async def check(engine: AsyncEngine) -> None:
    """Refuse a database that lacks revisions this code needs.

    Raises SchemaOutOfDate naming the revisions and the command that applies them. A database at a revision
    this code does not know (a newer release migrated it) passes with a warning: migrations only add, so the
    older code still works during a rolling deploy.
    """
    current, heads = await current_revisions(engine), head_revisions()
    if current == heads:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current and not current & known:
        log.warning("database is at a revision this release does not know",
                    extra={"current": sorted(current), "head": sorted(heads)})
        return
    where = ", ".join(sorted(current)) or "no revision (never migrated)"
    raise SchemaOutOfDate(f"the database schema is at {where}, this release needs {', '.join(sorted(heads))}: "
                          "run `assist db upgrade` (with the same ASSIST_DATABASE_URL) before starting the service")


def render_item(type_: str, obj: Any, context: AutogenContext) -> str | Literal[False]:
    """Autogenerate renders the service's column types as plain SQLAlchemy ones, so revisions import neither
    sqlmodel nor the app (a revision must not change when the code that defined a table does)."""
    if type_ != "type":
        return False
    if isinstance(obj, JSON):
        context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    impl = getattr(obj, "impl", None)
    if isinstance(impl, DateTime):
        return f"sa.DateTime(timezone={impl.timezone})"
    if isinstance(impl, String) and type(obj).__module__.startswith("sqlmodel"):
        return f"sa.String(length={impl.length})" if impl.length else "sa.String()"
    return False
