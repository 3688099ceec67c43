"""Packed and coalesced round trips against the real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

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


# -- faults: a private redis-server (tests/conftest.py), restarted or killed under the batcher ------------------


async def test_the_first_exchange_after_a_redis_restart_succeeds_on_a_fresh_connection(private_redis) -> None:
    client = Redis.from_url(private_redis.url, decode_responses=True)
    batcher = CommandBatcher(client.connection_pool)
    try:
        assert await batcher.send([("SET", "k", "before")]) == ["OK"]
        private_redis.restart()
        await asyncio.sleep(0.1)  # the loop reads the old server's FIN, as it would between requests
        assert await batcher.send([("SET", "k", "after"), ("GET", "k")]) == ["OK", "after"]
    finally:
        await client.aclose()


async def test_a_kept_connection_closed_by_the_server_is_replaced_before_the_next_write(
        redis_client: Redis, prefix: str) -> None:
    batcher = CommandBatcher(redis_client.connection_pool)
    ((own_id,),) = [await batcher.send([("CLIENT", "ID")])]
    await redis_client.client_kill_filter(_id=own_id)
    await asyncio.sleep(0.1)
    assert await batcher.send([("INCR", f"{prefix}:n")]) == [1]


async def test_a_write_whose_reply_is_lost_raises_and_is_never_sent_twice(redis_url: str, prefix: str) -> None:
    client = Redis.from_url(redis_url, decode_responses=True, socket_timeout=0.3)
    batcher = CommandBatcher(client.connection_pool)
    try:
        with pytest.raises(RedisTimeoutError):
            await batcher.send([("INCR", f"{prefix}:applied"), ("BLPOP", f"{prefix}:never", 2)])
        assert await batcher.send([("GET", f"{prefix}:applied")]) == ["1"]
    finally:
        await client.aclose()


async def test_a_read_only_exchange_that_fails_on_the_wire_is_retried_once(private_redis) -> None:
    client = Redis.from_url(private_redis.url, decode_responses=True, socket_timeout=1.0)
    admin = Redis.from_url(private_redis.url, decode_responses=True)
    batcher = CommandBatcher(client.connection_pool)
    try:
        await admin.set("r", "v")
        assert await batcher.send([("PING",)]) == ["PONG"]
        await admin.execute_command("CLIENT", "PAUSE", 1500, "ALL")  # the first try times out; the retry is answered
        assert await batcher.send([("GET", "r"), ("EXISTS", "r")]) == ["v", 1]
    finally:
        await admin.aclose()
        await client.aclose()


async def test_while_redis_is_down_a_send_raises_connection_error(private_redis) -> None:
    client = Redis.from_url(private_redis.url, decode_responses=True)
    batcher = CommandBatcher(client.connection_pool)
    try:
        await batcher.send([("PING",)])
        private_redis.stop()
        with pytest.raises(RedisConnectionError):
            await batcher.send([("PING",)])
        private_redis.start()
        assert await batcher.send([("PING",)]) == ["PONG"]
    finally:
        await client.aclose()
