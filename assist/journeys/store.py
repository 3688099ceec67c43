"""Journey state: live in Redis (TTL, one hash slot per journey), persisted to SQL on handoff and close.

The live state is one hash: ``json`` (the state) and ``rev`` (bumped by every write). Updates go through
``update``, an optimistic read-modify-write whose write is a compare-and-set script on ``rev``, so the
panel and a channel system posting events at the same moment cannot overwrite each other's changes. That
is two round trips per update, where WATCH/GET/MULTI-EXEC took three (and a connection held between them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.ids import new_id
from assist.journeys.state import JourneyState
from assist.stores.redis import KeySpace
from assist.stores.sql import Database
from assist.stores.tables import Journey, utcnow
from routing.commands import Command, CommandSender

WRITE_FUNCTION = """
local function write_journey(key, expected_rev, json, ttl)
  local rev = redis.call('HGET', key, 'rev')
  if expected_rev ~= '*' and rev ~= expected_rev then
    return 0
  end
  redis.call('HSET', key, 'json', json, 'rev', (tonumber(rev) or 0) + 1)
  redis.call('EXPIRE', key, ttl)
  return 1
end
"""
"""``write_journey(key, expected_rev, json, ttl)``: write the state if ``rev`` is still ``expected_rev``
(``*``: whatever it is); 1 if written, 0 if it moved. Also a step of ``assist.sessions.live``'s commit."""
_WRITE = WRITE_FUNCTION + "return write_journey(KEYS[1], ARGV[1], ARGV[2], ARGV[3])"


@dataclass(frozen=True, slots=True)
class LiveRead:
    """A journey's live hash as read or written: what ``assist.sessions.live`` keeps and compares ``rev`` with."""

    journey_id: str
    rev: str | None
    raw: str | None


class JourneyStore:
    def __init__(self, client: Redis, keys: KeySpace, db: Database, ttl_seconds: int,
                 commands: CommandSender | None = None) -> None:
        self.client = client
        self.keys = keys
        self.db = db
        self.ttl_seconds = ttl_seconds
        self.commands = commands or CommandSender(client)
        self._write = self.commands.script(_WRITE)

    def key(self, journey_id: str) -> str:
        """The live state's hash (fields ``json`` and ``rev``)."""
        return self.keys.key("journey", journey_id, "live")

    def read_cmd(self, journey_id: str) -> Command:
        """The read ``update`` starts with; its reply makes a ``LiveRead``."""
        return ("HMGET", self.key(journey_id), "rev", "json")

    async def get(self, journey_id: str) -> JourneyState | None:
        """Live state, falling back to the SQL row (and warming Redis) once the TTL has passed."""
        raw = await self.client.hget(self.key(journey_id), "json")
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
        """Write the live state whatever it was (creation, warming from SQL)."""
        await self.commands.call(self.write_cmd(state.id, "*", state.model_dump_json()))

    def write_cmd(self, journey_id: str, rev: str | None, raw: str) -> Command:
        """The compare-and-set write of ``raw`` over revision ``rev``; replies 1 if written, 0 if it moved."""
        return self.commands.eval(self._write, [self.key(journey_id)], [rev, raw, self.ttl_seconds])

    async def update(self, journey_id: str, change: Callable[[JourneyState], None]) -> JourneyState:
        """Apply ``change`` atomically to the live state; raises KeyError for an unknown journey.

        ``change`` may run more than once (after a concurrent write it runs again on the new state), so it
        must only change the journey it is given. A journey whose live state expired is warmed from SQL.
        """
        return (await self.update_live(journey_id, change))[0]

    async def update_live(self, journey_id: str,
                          change: Callable[[JourneyState], None]) -> tuple[JourneyState, LiveRead]:
        """``update``, also returning the live hash as written (for a caller that keeps it)."""
        while True:
            rev, raw = await self.commands.call(self.read_cmd(journey_id))
            if raw is None:
                if await self.get(journey_id) is None:
                    raise KeyError(journey_id)
                continue
            state = JourneyState.model_validate_json(raw)
            change(state)
            state.updated_at = datetime.now(UTC).timestamp()
            new_raw = state.model_dump_json()
            if await self.commands.call(self.write_cmd(journey_id, rev, new_raw)):
                return state, LiveRead(journey_id, next_rev(rev), new_raw)

    async def open_for_customer(self, customer_id: str, practice: bool = False) -> JourneyState | None:
        """The customer's most recent open journey on any channel (practice and live kept apart)."""
        async with self.db.session() as session:
            row = (await session.exec(
                select(Journey).where(Journey.customer_id == customer_id, Journey.status == "open",
                                      Journey.practice == practice)
                .order_by(col(Journey.updated_at).desc()))).first()
        return await self.get(row.id) if row else None

    async def create(self, customer_id: str | None, reason: str, practice: bool = False) -> JourneyState:
        state = JourneyState(id=new_id("J-"), customer_id=customer_id, reason=reason,
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
            await write_journey_row(session, state, utcnow())

    async def forget(self, journey_ids: list[str]) -> None:
        """Drop live state (used by erasure)."""
        if journey_ids:
            for journey_id in journey_ids:  # one key per call: each journey has its own cluster slot
                await self.client.delete(self.key(journey_id))


async def write_journey_row(session: AsyncSession, state: JourneyState, at: datetime | None) -> None:
    """Write ``state`` to its SQL row as of ``at`` (created on first write) unless the row was written later:
    a persist delayed in the record journal by a database outage must not overwrite a newer one."""
    if state.customer_id is None:
        return
    at = at or utcnow()
    row = await session.get(Journey, state.id)
    if row is None:
        row = Journey(id=state.id, customer_id=state.customer_id, reason=state.reason, practice=state.practice,
                      opened_at=datetime.fromtimestamp(state.opened_at, UTC))
    elif row.updated_at > at:
        return
    row.status = state.status
    row.reason = state.reason  # a contact that arrived as ``general`` may have learned its reason since
    row.channels = list(state.channels)
    row.owner_agent_id = state.handled_by[-1].agent_id if state.handled_by else None
    row.state = state.sql_state()
    row.updated_at = at
    row.closed_at = at if state.status == "closed" else None
    session.add(row)


def next_rev(rev: str | None) -> str:
    """The ``rev`` a successful write over ``rev`` leaves (as ``write_journey`` counts)."""
    return str(int(rev or 0) + 1)


def from_row(row: Journey) -> JourneyState:
    return JourneyState.model_validate({
        **row.state, "id": row.id, "customer_id": row.customer_id, "reason": row.reason, "status": row.status,
        "practice": row.practice, "channels": row.channels, "opened_at": row.opened_at.timestamp(),
        "updated_at": row.updated_at.timestamp(),
    })
