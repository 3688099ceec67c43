"""The stores against real servers: Redis (machine or embedded) and SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import redis as sync_redis
from sqlmodel import select

from assist.stores.redis import EmbeddedRedis, KeySpace, RedisStore
from assist.stores.sql import async_url
from assist.stores.tables import AuditEntry, Customer


def test_keys_share_a_cluster_hash_tag_per_entity():
    keys = KeySpace("assist")
    assert keys.key("agent", "A1", "stream") == "assist:{agent:A1}:stream"
    assert keys.key("agent", "A1", "load").split(":")[1] == keys.key("agent", "A1", "stream").split(":")[1]


async def test_redis_store_round_trips_through_the_real_server(redis_url):
    store = RedisStore(redis_url, "t-store")
    try:
        key = store.keys.key("agent", "A1", "probe")
        await store.client.set(key, "v", ex=10)
        assert await store.client.get(key) == "v"
        assert await store.ping()
        await store.client.delete(key)
    finally:
        await store.close()


async def test_redis_ping_is_false_when_nothing_listens():
    store = RedisStore("redis://127.0.0.1:1/0", "t")
    try:
        assert not await store.ping(timeout=1)
    finally:
        await store.close()


def test_embedded_redis_starts_a_real_server_and_stops_it():
    server = EmbeddedRedis()
    url = server.start()
    client = sync_redis.Redis.from_url(url)
    assert client.ping()
    assert client.info("server")["redis_version"]
    server.stop()
    with pytest.raises(sync_redis.ConnectionError):
        sync_redis.Redis.from_url(url).ping()


@pytest.mark.parametrize(("given", "expected"), [
    ("sqlite:///var/a.db", "sqlite+aiosqlite:///var/a.db"),
    ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
])
def test_plain_urls_get_the_async_driver(given, expected):
    assert async_url(given) == expected


def test_unsupported_backend_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        async_url("oracle://h/d")


async def test_datetimes_come_back_timezone_aware_utc(database):
    when = datetime(2026, 11, 23, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    async with database.session() as s:
        s.add(Customer(id="C-tz", created_at=when))
    async with database.session() as s:
        stored = await s.get(Customer, "C-tz")
    assert stored.created_at == when and stored.created_at.tzinfo == UTC


async def test_json_columns_round_trip(database):
    async with database.session() as s:
        s.add(Customer(id="C-json", consent={"marketing": False, "profiling": True}))
    async with database.session() as s:
        assert (await s.get(Customer, "C-json")).consent == {"marketing": False, "profiling": True}


async def test_failed_unit_of_work_leaves_no_partial_write(database):
    with pytest.raises(RuntimeError):
        async with database.session() as s:
            s.add(Customer(id="C-partial"))
            s.add(AuditEntry(actor_id="A1", actor_role="agent", customer_id="C-partial", action="read"))
            await s.flush()
            raise RuntimeError("boom after the flush")
    async with database.session() as s:
        assert await s.get(Customer, "C-partial") is None
        assert (await s.exec(select(AuditEntry))).all() == []


async def test_database_ping(database):
    assert await database.ping()
