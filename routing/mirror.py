"""This process's copy of every agent's state, so a decision costs no Redis read.

The copy may lag: the reservation script re-checks the stored truth, so a stale copy costs a retry,
never a wrong assignment. Every change that can make an agent more available (profile, status, a freed
slot) is announced by the scripts on the agents' pub/sub channel; ``listen`` collects those ids and
``refresh_dirty`` re-reads them in one round trip. Versions make late replies harmless.

While Redis is unreachable ``listen`` keeps trying (the client subscribes again on reconnecting); what was
announced meanwhile is lost, so ``stale`` is set and the routing loop reloads every agent once it can.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from routing.codec import agent_from_hash, as_dict
from routing.engine import AgentState
from routing.index import AgentIndex
from routing.state import RoutingStore

__all__ = ["AgentMirror"]

log = logging.getLogger(__name__)
_BATCH = 500
_POLL = 0.1
_RECONNECT_PAUSE = 0.5
"""Seconds between attempts to read the change feed while Redis is unreachable."""


class AgentMirror:
    """An ``AgentIndex`` fed from Redis; ``on_change`` is called when announced changes arrive."""

    def __init__(self, store: RoutingStore, on_change: Callable[[], None] | None = None) -> None:
        self.store = store
        self.index = AgentIndex()
        self._versions: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._on_change = on_change
        self._listening = False
        self.stale = False
        """True when change announcements may have been missed (the feed was down): reload every agent."""

    async def load_all(self) -> int:
        """Read every registered agent (in batches); returns how many are indexed."""
        ids = sorted(await self.store.agent_ids())
        for start in range(0, len(ids), _BATCH):
            await self.refresh(ids[start:start + _BATCH])
        registered = set(ids)
        for agent_id in [a.agent_id for a in self.index.agents() if a.agent_id not in registered]:
            self._forget(agent_id)
        return len(self.index)

    async def refresh(self, agent_ids: Iterable[str]) -> None:
        """Re-read ``agent_ids`` from Redis and index what is newer than the copy."""
        ids = list(dict.fromkeys(agent_ids))
        for agent_id, found in (await self.store.fetch_agents(ids)).items():
            self._index_stored(agent_id, found)

    def learn(self, agent_id: str, fields: Any) -> None:
        """Index the agent's stored hash (a HGETALL reply, as a refused reservation returns it)."""
        self._index_stored(agent_id, agent_from_hash(agent_id, as_dict(fields)))

    def _index_stored(self, agent_id: str, found: tuple[AgentState, int] | None) -> None:
        if found is None:
            self._forget(agent_id)
        else:
            self.apply(*found)

    async def refresh_dirty(self) -> None:
        """Re-read the agents announced as changed since the last call."""
        if self._dirty:
            ids, self._dirty = self._dirty, set()
            await self.refresh(ids)

    def mark_dirty(self, agent_id: str) -> None:
        self._dirty.add(agent_id)

    def apply(self, agent: AgentState, version: int) -> bool:
        """Index ``agent`` if ``version`` is newer than the copy's; returns whether it was."""
        if version <= self._versions.get(agent.agent_id, -1):
            return False
        self._versions[agent.agent_id] = version
        self.index.upsert(agent)
        return True

    def note_reserved(self, agent_id: str, channel: str, load: int, version: int, now: float) -> None:
        """Apply a reservation this process just made (the script returned the new load and version).
        If other changes happened in between (a version gap), the agent is re-read later."""
        known = self._versions.get(agent_id)
        if known is None or version <= known:
            return
        if version != known + 1:
            self._dirty.add(agent_id)
        self._versions[agent_id] = version
        self.index.set_load(agent_id, channel, load, now)

    async def subscribe(self) -> PubSub:
        """Subscribe to the agents' change channel; do it before ``load_all`` so no change falls between."""
        pubsub = self.store.redis.pubsub()
        await pubsub.subscribe(self.store.events_channel)
        return pubsub

    async def listen(self, pubsub: PubSub) -> None:
        """Follow ``pubsub``, marking announced agents dirty, until ``stop_listening``; then close it.

        Stops cooperatively (within ``_POLL`` seconds) rather than by cancellation: cancelling a pub/sub
        read midway can leave the client's lock held, and closing it would then wait forever.
        """
        self._listening = True
        down = False
        try:
            while self._listening:
                try:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=_POLL)
                except (RedisError, OSError) as exc:
                    if not down:
                        log.warning("agent change feed lost; reconnecting", extra={"error": repr(exc)})
                    down = self.stale = True
                    await asyncio.sleep(_RECONNECT_PAUSE)
                    continue
                if down:
                    log.warning("agent change feed back; reloading every agent")
                    down = False
                    self.stale = True
                    if self._on_change is not None:
                        self._on_change()
                if message is None:
                    continue
                self._dirty.add(str(message["data"]))
                if self._on_change is not None:
                    self._on_change()
        finally:
            await pubsub.aclose()

    def stop_listening(self) -> None:
        self._listening = False

    def _forget(self, agent_id: str) -> None:
        self.index.remove(agent_id)
        self._versions.pop(agent_id, None)
