"""Packed, coalesced Redis round trips for the routing hot path.

A routing decision sends a handful of commands; with many concurrent requests the client's per-round-
trip cost (not Redis) is the limit. ``CommandBatcher.send`` writes one caller's commands at once, and
while one write/read exchange is in flight, later callers' commands are queued and sent together in the
next exchange (auto-pipelining). A lone caller pays one round trip, as without batching; commands of
different callers are never interleaved, and each caller gets its own replies in order.

Faults: the kept connection goes stale when the server restarts. Before each exchange the batcher looks (no
round trip: the event loop has already seen the server's FIN or RST) whether the server closed it, and takes a
fresh one if so. An exchange that fails on the wire is retried once on a fresh connection only when every
command in it is a read: a write whose reply was lost may have been applied, so it is never sent twice; that
failure reaches the caller as redis-py's ``ConnectionError``/``TimeoutError`` (the app answers 503).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from redis.asyncio import ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["READ_ONLY_COMMANDS", "CommandBatcher", "ReplyTimeout", "encode_arg", "pack_commands"]

Request = tuple[Sequence[Sequence[Any]], "asyncio.Future[list[Any]] | None"]


class ReplyTimeout(RedisTimeoutError, TimeoutError):
    """The replies did not arrive within the connection's socket timeout; the commands may have been applied.
    Both redis-py's and Python's ``TimeoutError``, so either kind of handler catches it."""


READ_ONLY_COMMANDS = frozenset({
    "GET", "MGET", "STRLEN", "EXISTS", "TTL", "PTTL", "TYPE", "HGET", "HMGET", "HGETALL", "HLEN", "HEXISTS",
    "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZCARD", "ZSCORE", "ZRANK", "ZCOUNT",
    "SMEMBERS", "SISMEMBER", "SCARD", "LRANGE", "LLEN", "XRANGE", "XREVRANGE", "XLEN", "PING", "TIME",
})
"""Commands that change nothing, so sending them twice is harmless: a batch made only of these is retried
after a wire failure. Scripts (EVALSHA) are never in it, whatever they do."""


def encode_arg(arg: Any) -> bytes:
    if isinstance(arg, str):
        return arg.encode()
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, int):
        return b"%d" % arg
    if isinstance(arg, float):
        return repr(arg).encode()
    raise TypeError(f"cannot send {type(arg).__name__} to Redis")


def pack_commands(commands: Iterable[Sequence[Any]]) -> bytes:
    """``commands`` in the Redis protocol (RESP arrays of bulk strings), ready to write in one go.

    Hand-rolled because the client's own packer costs more than the rest of a routing decision.
    """
    out: list[bytes] = []
    for command in commands:
        out.append(b"*%d\r\n" % len(command))
        for arg in command:
            data = encode_arg(arg)
            out.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(out)


class CommandBatcher:
    """One exchange in flight at a time on a pooled connection; callers arriving meanwhile are batched."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._queue: list[Request] = []
        self._busy = False
        self._drainer: asyncio.Task[None] | None = None  # held: the loop keeps only weak references
        self._conn: Any = None
        """Kept between exchanges (one at a time): a pool checkout per exchange cost about as much as the
        exchange itself. Given back to the pool, disconnected, when an exchange fails."""
        self._deadline: float | None = None
        """The kept connection's own socket timeout, applied to each exchange as a whole."""
        self.exchanges = 0  # round trips made, for tests and metrics

    async def send(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Replies to ``commands`` in order (error replies as their exception objects). Raises on a
        connection failure, which also fails every request batched with this one."""
        if self._busy:
            future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
            self._queue.append((commands, future))
            return await future
        self._busy = True
        try:
            return (await self._exchange([commands]))[0]
        finally:
            if self._queue:
                self._drainer = asyncio.get_running_loop().create_task(self._drain())
            else:
                self._busy = False

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    results = await self._exchange([commands for commands, _ in batch])
                except BaseException as exc:  # handed to each waiting caller, so none waits forever
                    for _, future in (*batch, *self._queue):
                        if future is not None and not future.done():
                            if isinstance(exc, Exception):
                                future.set_exception(exc)
                            else:
                                future.cancel()
                    if not isinstance(exc, Exception):
                        self._queue = []
                        raise
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if future is not None and not future.done():
                        future.set_result(result)
        finally:
            self._busy = False
            self._drainer = None

    async def _connection(self) -> Any:
        """The kept connection, checked out on first use. Its own per-write timeout is switched off while
        the batcher holds it: redis-py enforces it with ``asyncio.wait_for``, a new task (and a loop
        iteration before the write) per exchange on Python 3.11; the exchange's one deadline covers it."""
        if self._conn is None:
            conn = await self._pool.get_connection()  # type: ignore[no-untyped-call]
            self._deadline, conn.socket_timeout = conn.socket_timeout, None
            self._conn = conn
        return self._conn

    async def _exchange(self, requests: list[Sequence[Sequence[Any]]]) -> list[list[Any]]:
        """One write of every request's commands and the read of their replies.

        Raises redis-py's ``ConnectionError`` (or ``TimeoutError``) when the server cannot be reached or the
        replies did not arrive; then the commands may or may not have been applied."""
        self.exchanges += 1
        conn = await self._connection()
        if _closed_by_server(conn):  # stale since a server restart: nothing was sent on it, so no doubt
            await self._discard(conn)
            conn = await self._connection()
        try:
            return await self._send_and_read(conn, requests)
        except (OSError, RedisConnectionError, RedisTimeoutError) as exc:
            await self._discard(conn)
            if not _all_reads(requests):
                _raise_wire_error(exc)
        except BaseException:
            await self._discard(conn)
            raise
        conn = await self._connection()  # reads only: once more on a fresh connection
        try:
            return await self._send_and_read(conn, requests)
        except BaseException as exc:
            await self._discard(conn)
            if isinstance(exc, OSError | RedisConnectionError | RedisTimeoutError):
                _raise_wire_error(exc)
            raise

    async def _send_and_read(self, conn: Any, requests: list[Sequence[Sequence[Any]]]) -> list[list[Any]]:
        async with asyncio.timeout(self._deadline):  # one deadline for the whole exchange
            await conn.send_packed_command(pack_commands(c for r in requests for c in r), check_health=False)
            results = []
            for commands in requests:
                replies: list[Any] = []
                for _ in commands:
                    try:
                        replies.append(await conn.read_response(timeout=math.inf))
                    except ResponseError as exc:
                        replies.append(exc)
                results.append(replies)
        return results

    async def _discard(self, conn: Any) -> None:
        """Give ``conn`` back to the pool disconnected (the pool reconnects it when it is next checked out)."""
        self._conn = None
        conn.socket_timeout = self._deadline
        try:
            await conn.disconnect()
        finally:
            await self._pool.release(conn)


def _closed_by_server(conn: Any) -> bool:
    """True when the server has closed ``conn`` (its FIN or RST already read by the loop); a cheap look at the
    stream's state, no system call. False for a connection not yet opened."""
    reader = getattr(conn, "_reader", None)
    if reader is None:
        return False
    return bool(reader.at_eof() or reader.exception() is not None)


def _all_reads(requests: list[Sequence[Sequence[Any]]]) -> bool:
    return all(str(command[0]).upper() in READ_ONLY_COMMANDS for commands in requests for command in commands)


def _raise_wire_error(exc: BaseException) -> NoReturn:
    """Raise ``exc`` as redis-py's error, so callers and the app see one family; a timeout stays a timeout."""
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        raise exc
    if isinstance(exc, TimeoutError):
        raise ReplyTimeout("no reply from Redis in time; the commands may have been applied") from exc
    raise RedisConnectionError(f"Redis connection failed: {exc}") from exc
