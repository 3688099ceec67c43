"""Packed, coalesced round trips on a Redis Cluster: one ``CommandBatcher`` per master node.

redis-py's cluster pipeline spends more CPU per command than a routing decision does in all. Each command here
goes by its first key's hash slot to the node serving that slot (redis-py's own slot map), and each node's
commands go through that node's batcher: one write per node, concurrent callers coalesced per node, a caller's
commands to one node in order. Commands for different nodes travel at the same time, in no order between them,
as in redis-py's cluster pipeline.

A reply that the slot has moved (MOVED) means the command was not run: the slot map is read again and the command
sent to the slot's new node, so the next commands go straight there. One being migrated (ASK) or that the cluster
cannot serve now (TRYAGAIN, CLUSTERDOWN) is sent again through the cluster client, which follows the redirection
or waits and retries (its replies then come through redis-py's parsers: ``True`` for a SET, a dict for
HGETALL). A connection failure reaches the caller as on one node (the batcher's rules: a batch of reads is
tried once more, a write never), and the client re-reads the cluster's layout before the next send, in case a
node failed over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot
from redis.exceptions import AskError, ClusterDownError, MovedError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.batching import CommandBatcher, encode_arg

__all__ = ["NodeBatchers", "command_key"]

_REDIRECTED = (AskError, TryAgainError, ClusterDownError)  # MovedError is an AskError
_PLACEMENTS = 3
"""Sends of a command whose slot moved, each after reading the slot map again, before the client takes over."""
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
            await connection.connect()  # type: ignore[no-untyped-call]
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
        self._started = False
        self._stale = False
        """A connection failed: a node may have failed over, so the slot map is read again before the next send."""

    async def send(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Replies to ``commands`` in order (error replies as exception objects); raises on a connection failure,
        after which the slot map is read again before the next send."""
        if not self._started:
            await self.cluster.initialize()  # the slot map, read once by the client
            self._started = True
        if self._stale:
            await self.cluster.nodes_manager.initialize()
            self._stale = False
        replies: list[Any] = [None] * len(commands)
        pending = [i for i, command in enumerate(commands) if command_key(command) is not None]
        by_client = [i for i, command in enumerate(commands) if command_key(command) is None]
        for attempt in range(_PLACEMENTS):
            await self._send_placed(commands, pending, replies)
            pending = [i for i in pending if isinstance(replies[i], MovedError)]
            if not pending or attempt == _PLACEMENTS - 1:
                break
            await self.cluster.nodes_manager.initialize()  # the slot moved for good: read the new map
        by_client += [i for i, reply in enumerate(replies) if isinstance(reply, _REDIRECTED)]
        for i in sorted(by_client):
            replies[i] = await self._through_client(commands[i])
        return replies

    async def _send_placed(self, commands: Sequence[Sequence[Any]], positions: list[int], replies: list[Any]) -> None:
        """Send the commands at ``positions``, each to its slot's node, and put their replies there."""
        by_node: dict[str, list[int]] = {}
        for i in positions:
            node = self.cluster.nodes_manager.get_node_from_slot(key_slot(encode_arg(command_key(commands[i]))))
            if node.name not in self._batchers:
                self._batchers[node.name] = CommandBatcher(_NodePool(node))  # type: ignore[arg-type]
            by_node.setdefault(node.name, []).append(i)
        if not by_node:
            return
        self.exchanges += 1
        sends = [self._batchers[name].send([commands[i] for i in node_positions])
                 for name, node_positions in by_node.items()]
        try:  # one node: awaited in place, no task for it
            results = [await sends[0]] if len(sends) == 1 else await asyncio.gather(*sends)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            self._stale = True
            raise
        for node_positions, result in zip(by_node.values(), results, strict=True):
            for i, reply in zip(node_positions, result, strict=True):
                replies[i] = reply

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
