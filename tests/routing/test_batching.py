"""Packed and coalesced round trips against the real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from routing.batching import CommandBatcher, pack_commands


def test_commands_are_packed_in_the_redis_protocol() -> None:
    assert pack_commands([("SET", "k", 1), ("GET", b"k", 2.5)]) == \
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n*3\r\n$3\r\nGET\r\n$1\r\nk\r\n$3\r\n2.5\r\n"


def test_unsupported_argument_is_refused() -> None:
    with pytest.raises(TypeError):
        pack_commands([("SET", "k", None)])


async def test_concurrent_callers_each_get_their_own_replies_in_order(redis_client: Redis, prefix: str) -> None:
    batcher = CommandBatcher(redis_client.connection_pool)

    async def caller(i: int) -> list[object]:
        key = f"{prefix}:n{i}"
        return await batcher.send([("INCRBY", key, i), ("INCRBY", key, i), ("GET", key)])

    results = await asyncio.gather(*(caller(i) for i in range(200)))
    assert results == [[i, 2 * i, str(2 * i)] for i in range(200)]
    assert batcher.exchanges < 20, "callers arriving during an exchange share the next one"


async def test_error_reply_is_returned_without_failing_the_others(redis_client: Redis, prefix: str) -> None:
    batcher = CommandBatcher(redis_client.connection_pool)
    await redis_client.set(f"{prefix}:s", "text")
    bad, good = await asyncio.gather(batcher.send([("INCR", f"{prefix}:s")]), batcher.send([("PING",)]))
    assert isinstance(bad[0], ResponseError) and good == ["PONG"]


async def test_an_exchange_longer_than_the_socket_timeout_fails_and_the_next_one_reconnects(
        redis_url: str, prefix: str) -> None:
    client = Redis.from_url(redis_url, decode_responses=True, socket_timeout=0.2)
    batcher = CommandBatcher(client.connection_pool)
    try:
        with pytest.raises(TimeoutError):
            await batcher.send([("BLPOP", f"{prefix}:never", 2)])
        assert await batcher.send([("PING",)]) == ["PONG"]
    finally:
        await client.aclose()
