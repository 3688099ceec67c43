"""A scratch database for a benchmark: the service's schema, empty, on SQLite (a file in a temporary folder) or
on the machine's PostgreSQL (a database of its own), deleted afterwards whatever happens. The benchmarks load it
with their own bulk loaders (sqlite3 ``executemany``, PostgreSQL ``COPY``), which the ORM would make slow."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from assist.stores.sql import Database

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@asynccontextmanager
async def scratch_database(backend: str, prefix: str) -> AsyncIterator[str]:
    """The URL of a fresh database with the schema created; ``backend`` is ``sqlite`` or ``postgresql``."""
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        try:
            url = f"sqlite:///{directory / 'bench.db'}"
            await _create_schema(url)
            yield url
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    import psycopg

    name = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{POSTGRES}/{name}"
        await _create_schema(url)
        yield url
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_path(url: str) -> Path:
    """The file behind a ``sqlite:///`` URL, for a bulk loader that writes it with sqlite3."""
    return Path(url.removeprefix("sqlite:///"))


async def _create_schema(url: str) -> None:
    db = Database(url)
    try:
        await db.create_schema()
    finally:
        await db.close()
