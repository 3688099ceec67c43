"""Raw Redis commands for hot paths: packed in one round trip, Lua scripts by SHA with an EVAL fallback.

redis-py's per-command machinery (connection checkout, retry wrapper, argument encoding) costs more CPU
than the round trip itself on a busy worker. ``CommandSender`` sends tuples such as ``("GET", key)``
through a ``CommandBatcher`` (one write for a caller's commands, concurrent callers coalesced), and runs
a script by SHA, re-sending it as EVAL when the server does not know it (after a restart or SCRIPT FLUSH).
On a Redis Cluster (redis-py's ``RedisCluster``) the commands go node by node, each node's through its own
batcher (``routing.cluster.NodeBatchers``); ``single_node`` tells callers whether commands on keys of several
hash tags may share one script or transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis, RedisCluster
from redis.exceptions import NoScriptError

from routing.batching import CommandBatcher
from routing.cluster import NodeBatchers

__all__ = ["Command", "CommandSender"]

Command = tuple[Any, ...]


class CommandSender:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.batcher: CommandBatcher | None = None
        """The one server's batcher; None on a cluster, whose commands go through ``nodes``."""
        self.nodes: NodeBatchers | None = None
        if isinstance(redis, RedisCluster):
            self.nodes = NodeBatchers(redis)
        else:
            self.batcher = CommandBatcher(redis.connection_pool)
        self._sources: dict[str, str] = {}

    @property
    def single_node(self) -> bool:
        """True when every key lives on one server, so one script or MULTI may touch keys of several hash tags;
        False on a cluster, where each must keep to one tag."""
        return self.batcher is not None

    @property
    def exchanges(self) -> int:
        """Round trips made so far (on a cluster, writes to several nodes at once count as one)."""
        return self.batcher.exchanges if self.batcher is not None else self.nodes.exchanges  # type: ignore[union-attr]

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
        if self.batcher is not None:
            replies = await self.batcher.send(commands)
        else:
            replies = await self.nodes.send(commands)  # type: ignore[union-attr]
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
