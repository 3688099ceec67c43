"""Journey state: live in Redis (TTL, one hash slot per journey), persisted to SQL on handoff and close.

Updates go through ``update``, an optimistic WATCH/MULTI loop, so the panel and a channel system posting
events at the same moment cannot overwrite each other's changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import WatchError
from sqlmodel import col, select

from assist.journeys.state import JourneyState
from assist.stores.redis import KeySpace
from assist.stores.sql import Database
from assist.stores.tables import Journey, utcnow


class JourneyStore:
    def __init__(self, client: Redis, keys: KeySpace, db: Database, ttl_seconds: int) -> None:
        self.client = client
        self.keys = keys
        self.db = db
        self.ttl_seconds = ttl_seconds

    def _key(self, journey_id: str) -> str:
        return self.keys.key("journey", journey_id, "state")

    async def get(self, journey_id: str) -> JourneyState | None:
        """Live state, falling back to the SQL row (and warming Redis) once the TTL has passed."""
        raw = await self.client.get(self._key(journey_id))
        if raw:
            return JourneyState.model_validate_json(raw)
        async with self.db.session() as session:
            row = await session.get(Journey, journey_id)
        if row is None:
            return None
        state = from_row(row)
        await self.put(state)
        return state

    async def put(self, state: JourneyState) -> None:
        await self.client.set(self._key(state.id), state.model_dump_json(), ex=self.ttl_seconds)

    async def update(self, journey_id: str, change: Callable[[JourneyState], None]) -> JourneyState:
        """Apply ``change`` atomically to the live state; raises KeyError for an unknown journey.

        Three round trips in the common case (WATCH, GET, MULTI/SET/EXEC); a journey whose live state
        expired is first warmed from SQL.
        """
        key = self._key(journey_id)
        async with self.client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        await pipe.reset()
                        if await self.get(journey_id) is None:
                            raise KeyError(journey_id)
                        continue
                    state = JourneyState.model_validate_json(raw)
                    change(state)
                    state.updated_at = datetime.now(UTC).timestamp()
                    pipe.multi()
                    pipe.set(key, state.model_dump_json(), ex=self.ttl_seconds)
                    await pipe.execute()
                    return state
                except WatchError:
                    continue

    async def open_for_customer(self, customer_id: str, practice: bool = False) -> JourneyState | None:
        """The customer's most recent open journey on any channel (practice and live kept apart)."""
        async with self.db.session() as session:
            row = (await session.exec(
                select(Journey).where(Journey.customer_id == customer_id, Journey.status == "open",
                                      Journey.practice == practice)
                .order_by(col(Journey.updated_at).desc()))).first()
        return await self.get(row.id) if row else None

    async def create(self, customer_id: str | None, reason: str, practice: bool = False) -> JourneyState:
        state = JourneyState(id=f"J-{uuid.uuid4().hex[:12]}", customer_id=customer_id, reason=reason,
                             practice=practice)
        await self.put(state)
        if customer_id is not None:
            await self.persist(state)
        return state

    async def persist(self, state: JourneyState) -> None:
        """Write the live state to its SQL row (created on first persist)."""
        if state.customer_id is None:
            return
        async with self.db.session() as session:
            row = await session.get(Journey, state.id)
            if row is None:
                row = Journey(id=state.id, customer_id=state.customer_id, reason=state.reason,
                              practice=state.practice,
                              opened_at=datetime.fromtimestamp(state.opened_at, UTC))
            row.status = state.status
            row.channels = list(state.channels)
            row.owner_agent_id = state.handled_by[-1].agent_id if state.handled_by else None
            row.state = state.sql_state()
            row.updated_at = utcnow()
            row.closed_at = utcnow() if state.status == "closed" else None
            session.add(row)

    async def forget(self, journey_ids: list[str]) -> None:
        """Drop live state (used by erasure)."""
        if journey_ids:
            for journey_id in journey_ids:  # one key per call: each journey has its own cluster slot
                await self.client.delete(self._key(journey_id))


def from_row(row: Journey) -> JourneyState:
    return JourneyState.model_validate({
        **row.state, "id": row.id, "customer_id": row.customer_id, "reason": row.reason, "status": row.status,
        "practice": row.practice, "channels": row.channels, "opened_at": row.opened_at.timestamp(),
        "updated_at": row.updated_at.timestamp(),
    })
