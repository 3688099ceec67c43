"""The routing configuration every worker runs, changed by an admin while the service runs.

At start a worker runs the configuration an admin last stored in Redis (it outlives restarts), else the file
``ASSIST_ROUTING_CONFIG`` names, else one ``default`` queue. ``replace`` validates a new configuration (the
document's schema, then every required skill against the skill catalog), stores it with the next version,
applies it on this worker at once and audits it; every other worker reads the version every
``FOLLOW_SECONDS`` and applies a newer one, so a change is in force everywhere within that.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Literal

from redis.asyncio import Redis
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.audit import record_access
from assist.auth.principal import Principal
from assist.errors import InvalidInput
from assist.stores.redis import KeySpace
from assist.tasks import cancel_and_wait
from routing.config import RoutingFile
from routing.service import RoutingService

log = logging.getLogger(__name__)
FOLLOW_SECONDS = 2.0
Source = Literal["default", "file", "admin"]


class QueueConfigs:
    def __init__(self, routing: RoutingService, client: Redis, keys: KeySpace, initial: RoutingFile,
                 source: Source) -> None:
        self.routing = routing
        self.client = client
        self.key = keys.key("routing", "config", "current")
        """A hash: ``doc`` (the configuration's JSON) and ``version``; one hash tag, so one MULTI writes both."""
        self.document = initial
        self.source: Source = source
        self.version = 0
        self._follower: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Run the stored configuration if an admin set one, then follow changes made through other workers."""
        await self.follow_once()
        self._follower = asyncio.create_task(self._follow(), name="routing-config-follower")

    async def stop(self) -> None:
        await cancel_and_wait(self._follower)
        self._follower = None

    async def replace(self, document: RoutingFile, session: AsyncSession, principal: Principal,
                      request_id: str | None) -> int:
        """Store ``document`` as the configuration, apply it here, audit it (in the caller's transaction);
        returns its version. Raises ``invalid_routing_config`` or ``unknown_skill`` (422) before anything is
        stored."""
        if problems := document.problems():
            raise InvalidInput("; ".join(problems), code="invalid_routing_config")
        await self.routing.agents.check_skills({s for q in document.queues.values() for s in q.required_skills})
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(self.key, "version", 1)
            pipe.hset(self.key, "doc", document.model_dump_json())
            version, _ = await pipe.execute()
        changed = sorted(set(document.queues) ^ set(self.document.queues)
                         | {n for n, q in document.queues.items() if self.document.queues.get(n) != q})
        self._apply(document, int(version), "admin")
        await record_access(session, principal, None, "routing_config_changed", purpose="administration",
                            fields=changed, reason=f"version {version}", request_id=request_id)
        return int(version)

    async def follow_once(self) -> bool:
        """Apply the stored configuration if it is newer than this worker's; returns whether it was."""
        version, raw = await self.client.hmget(self.key, ["version", "doc"])
        if version is None or raw is None or int(version) <= self.version:
            return False
        self._apply(RoutingFile.model_validate_json(raw), int(version), "admin")
        return True

    def _apply(self, document: RoutingFile, version: int, source: Source) -> None:
        config = document.config()
        self.routing.config = replace(self.routing.config, policies=config.policies, max_misses=config.max_misses)
        self.document, self.version, self.source = document, version, source
        self.routing.wake()

    async def _follow(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(FOLLOW_SECONDS)
            try:
                await self.follow_once()
                failing = False
            except Exception as exc:  # noqa: BLE001 - a worker keeps its configuration while Redis is away
                if not failing:  # once per outage
                    log.warning("routing configuration not re-read (%s); keeping version %s", type(exc).__name__,
                                self.version)
                failing = True
