"""Packed, coalesced round trips on a Redis Cluster: one ``CommandBatcher`` per master node.

redis-py's cluster pipeline spends more CPU per command than a routing decision does in all. Each command here
goes by its first key's hash slot to the node serving that slot (redis-py's own slot map), and each node's
commands go through that node's batcher: one write per node, concurrent callers coalesced per node, a caller's
commands to one node in order. Commands for different nodes travel at the same time, in no order between them,
as in redis-py's cluster pipeline.

A reply that the slot has moved (MOVED, ASK), or that the cluster cannot serve it now (TRYAGAIN, CLUSTERDOWN),
means the command was not run: it is sent again through the cluster client, which follows the redirection and
refreshes its slot map, so the next commands go to the right node. A connection failure reaches the caller as on
one node (the batcher's rules: a batch of reads is tried once more, a write never), and the client re-reads the
cluster's layout before the next send, in case a node failed over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot
from redis.exceptions import AskError, ClusterDownError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.batching import CommandBatcher, encode_arg

__all__ = ["NodeBatchers", "command_key"]

_REDIRECTED = (AskError, TryAgainError, ClusterDownError)  # MovedError is an AskError
_SCRIPT_COMMANDS = frozenset({"EVALSHA", "EVAL", "EVALSHA_RO", "EVAL_RO", "FCALL", "FCALL_RO"})


def command_key(command: Sequence[Any]) -> Any | None:
    """The key that places ``command`` in a hash slot: a script's first key, else the first argument (every plain
    command the service sends names its key first); None for a command without keys."""
    if str(command[0]).upper() in _SCRIPT_COMMANDS:
        return command[3] if int(command[2]) > 0 else None
    return command[1] if len(command) > 1 else None


class _NodePool:
    """A ``ClusterNode``'s own connections, lent to a ``CommandBatcher`` as a pool (it keeps one checked out)."""

    def __init__(self, node: ClusterNode) -> None:
        self.node = node

    async def get_connection(self) -> Any:
        connection = self.node.acquire_connection()
        try:
            await connection.connect()
        except BaseException:
            await connection.disconnect()
            self.node.release(connection)
            raise
        return connection

    async def release(self, connection: Any) -> None:
        self.node.release(connection)


class NodeBatchers:
    """Sends commands to a cluster node by node, each node's share through that node's batcher."""

    def __init__(self, cluster: RedisCluster) -> None:
        self.cluster = cluster
        self._batchers: dict[str, CommandBatcher] = {}
        self.exchanges = 0
        """Round trips callers waited for: a send's writes to several nodes go at once and count as one, and
        each command re-sent after a redirection counts one more (for tests and metrics)."""
        self._stale = True
        """The slot map must be read (first use, or after a connection failure) before commands are placed."""

    async def send(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Replies to ``commands`` in order (error replies as exception objects); raises on a connection failure,
        after which the slot map is read again before the next send."""
        if self._stale:
            await self.cluster.initialize()
            self._stale = False
        by_node: dict[str, list[int]] = {}
        keyless: list[int] = []
        for i, command in enumerate(commands):
            key = command_key(command)
            if key is None:
                keyless.append(i)
                continue
            node = self.cluster.nodes_manager.get_node_from_slot(key_slot(encode_arg(key)))
            if node.name not in self._batchers:
                self._batchers[node.name] = CommandBatcher(_NodePool(node))  # type: ignore[arg-type]
            by_node.setdefault(node.name, []).append(i)
        replies: list[Any] = [None] * len(commands)
        self.exchanges += 1 if by_node else 0
        try:
            results = await asyncio.gather(*(self._batchers[name].send([commands[i] for i in positions])
                                             for name, positions in by_node.items()))
        except (RedisConnectionError, RedisTimeoutError, OSError):
            self._stale = True
            raise
        for positions, result in zip(by_node.values(), results, strict=True):
            for i, reply in zip(positions, result, strict=True):
                replies[i] = reply
        for i, reply in enumerate(replies):
            if i in keyless or isinstance(reply, _REDIRECTED):
                replies[i] = await self._through_client(commands[i])
        return replies

    async def _through_client(self, command: Sequence[Any]) -> Any:
        """``command`` sent by the cluster client (which follows redirections); an error reply as its object."""
        self.exchanges += 1
        try:
            return await self.cluster.execute_command(*command)
        except (RedisConnectionError, RedisTimeoutError):
            self._stale = True
            raise
        except Exception as exc:  # noqa: BLE001 - an error reply is a reply, as in the batchers
            return exc
