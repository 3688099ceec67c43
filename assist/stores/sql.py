"""The SQL store: one async engine per process, sessions per unit of work.

SQLite (aiosqlite) is the embedded default; PostgreSQL goes through psycopg 3. Plain URLs are given the
async driver, so ``ASSIST_DATABASE_URL=postgresql://...`` works as written. The schema is Alembic's
(``assist.stores.schema``): migrated by ``assist db upgrade``, checked or migrated when the service starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.experiments import tables as _experiment_tables  # noqa: F401
from assist.guidance import tables as _model_tables  # noqa: F401 - model_version tables
from assist.panel_use import tables as _panel_use_tables  # noqa: F401
from assist.practice import tables as _practice_tables  # noqa: F401
from assist.stores import schema, tables  # noqa: F401 - tables registers the tables on SQLModel.metadata
from assist.supervision import tables as _supervision_tables  # noqa: F401


def async_url(url: str) -> str:
    """The URL with an async driver: sqlite -> aiosqlite, postgresql -> psycopg.

    Raises ValueError for a backend the service does not support.
    """
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend {backend!r} (use sqlite or postgresql)")


class Database:
    """Engine plus session factory; the schema is brought to the migrations' head by ``upgrade_schema``."""

    def __init__(self, url: str, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(self.url, pool_pre_ping=not self.is_sqlite,
                                                       pool_size=pool_size, max_overflow=max_overflow)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    async def upgrade_schema(self) -> set[str]:
        """Apply every migration the database lacks; returns the revisions it was at before (empty: new)."""
        return await schema.upgrade(self.engine)

    async def check_schema(self) -> None:
        """Raises ``schema.SchemaOutOfDate`` when the database lacks a migration this code needs."""
        await schema.check(self.engine)

    async def prepare_schema(self, migrate: bool) -> None:
        """Before serving: apply missing migrations (``migrate``, development and test), or refuse a database
        that lacks one (production: migrating is an operator's step); raises ``schema.SchemaOutOfDate``."""
        await (self.upgrade_schema() if migrate else self.check_schema())

    async def create_schema(self) -> None:
        """The schema at the migrations' head: kept for callers (seeding, tools, tests) that need the tables."""
        await self.upgrade_schema()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on any error, so no partial write survives."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout)
            return True
        except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
            return False

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """WAL with ``synchronous=NORMAL``: a commit survives a crash of the process (not of the machine's power)
    without an fsync per transaction, which cost more CPU than the prompt log's inserts themselves."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
