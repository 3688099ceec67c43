"""Raw Redis commands for hot paths: packed in one round trip, Lua scripts by SHA with an EVAL fallback.

redis-py's per-command machinery (connection checkout, retry wrapper, argument encoding) costs more CPU
than the round trip itself on a busy worker. ``CommandSender`` sends tuples such as ``("GET", key)``
through a ``CommandBatcher`` (one write for a caller's commands, concurrent callers coalesced), and runs
a script by SHA, re-sending it as EVAL when the server does not know it (after a restart or SCRIPT FLUSH).
With a client that has no single connection pool (Redis Cluster) it falls back to a redis-py pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from routing.batching import CommandBatcher

__all__ = ["Command", "CommandSender"]

Command = tuple[Any, ...]


class CommandSender:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        pool = getattr(redis, "connection_pool", None)
        self.batcher = CommandBatcher(pool) if pool is not None else None
        self._sources: dict[str, str] = {}

    def script(self, source: str) -> str:
        """Register a Lua script; returns its SHA for ``eval``."""
        sha = hashlib.sha1(source.encode()).hexdigest()
        self._sources[sha] = source
        return sha

    def eval(self, sha: str, keys: Sequence[str], args: Sequence[Any]) -> Command:
        """The command that runs the registered script ``sha``."""
        return ("EVALSHA", sha, len(keys), *keys, *args)

    async def send(self, commands: Sequence[Command]) -> list[Any]:
        """Replies to ``commands`` in order, sent in one round trip (no transaction); an error reply is
        returned as its exception object. Raises on a connection failure."""
        if not commands:
            return []
        if self.batcher is None:
            async with self.redis.pipeline(transaction=False) as pipe:
                for command in commands:
                    pipe.execute_command(*command)
                replies = list(await pipe.execute(raise_on_error=False))
        else:
            replies = await self.batcher.send(commands)
        for i, reply in enumerate(replies):
            if isinstance(reply, NoScriptError) and commands[i][1] in self._sources:
                replies[i] = await self.redis.execute_command(  # type: ignore[no-untyped-call]
                    "EVAL", self._sources[commands[i][1]], *commands[i][2:])
        return replies

    async def call(self, command: Command) -> Any:
        """``send`` one command; raises its error reply."""
        (reply,) = await self.send([command])
        if isinstance(reply, Exception):
            raise reply
        return reply
