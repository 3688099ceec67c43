"""Live session records in Redis: ``offered`` -> ``open`` -> ``closed`` (or ``declined``/``handed_off``)."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import WatchError

from assist.customers.schemas import CustomerView
from assist.experiments.schemas import ServedArm
from assist.identity import Identity
from assist.ids import new_id
from assist.stores.redis import KeySpace
from assist.wrapup.schemas import WrapUpState
from models.language.temperament_memory import Detection
from routing.commands import Command, CommandSender

SessionStatus = Literal["offered", "open", "declined", "expired", "closed", "handed_off"]


class SessionState(BaseModel):
    id: str = Field(default_factory=lambda: new_id("S-"))
    agent_id: str
    status: SessionStatus = "offered"
    channel: str
    reason: str
    queue: str | None = None
    """The routing queue the contact came in on (its reason when offered directly), kept on its prompts for the
    per-queue funnel; None only on sessions offered before sessions kept it (their reason stands in)."""
    identifiers: dict[str, str] = Field(default_factory=dict)
    identity: Identity | None = None
    candidates: list[str] = Field(default_factory=list)
    """Ambiguous identity candidates, server-side only (the panel gets a count, never the ids)."""
    customer_id: str | None = None
    customer: CustomerView | None = None
    """The customer as this agent may see them, cached at accept so events need no SQL read."""
    agent_role: str = "agent"
    refund_limit: float = 50.0
    journey_id: str | None = None
    practice: bool = False
    reservation_id: str | None = None
    handoff_from: str | None = None
    handoff_note: str = ""
    """The transferring agent's note, shown to the receiving agent with the offer and the context."""
    offered_at: float = Field(default_factory=time.time)
    expires_at: float | None = None
    opened_at: float | None = None
    wrapup: WrapUpState | None = None
    """Set at close: the draft summary, the after-contact work deadline, and the wrap-up once saved."""
    experiment: ServedArm | None = None
    """The experiment arm guiding this contact, drawn at accept (``assist.experiments.serving``)."""
    temperament_reads: list[Detection] = Field(default_factory=list)
    """The customer's earlier contacts' temperament reads, read at accept with their profiling consent
    (``assist.customers.temperament``): guidance and the panel start from what those contacts' words showed."""


SERVER_ONLY = frozenset({"candidates", "customer", "temperament_reads"})
"""Fields a session's readers outside the service never get: candidate ids and the cached customer view."""


class SessionStore:
    """One JSON value per session (``{session:<id>}`` slot) plus each agent's set of live session ids."""

    def __init__(self, client: Redis, keys: KeySpace, ttl_seconds: int, commands: CommandSender | None = None) -> None:
        self.client = client
        self.keys = keys
        self.ttl_seconds = ttl_seconds
        self.commands = commands or CommandSender(client)

    def key(self, session_id: str) -> str:
        return self.keys.key("session", session_id, "state")

    def _agent_set(self, agent_id: str) -> str:
        return self.keys.key("agent", agent_id, "sessions")

    def get_cmd(self, session_id: str) -> Command:
        """The read behind ``get``, for callers that pipeline it with others; ``parse`` its reply."""
        return ("GET", self.key(session_id))

    @staticmethod
    def parse(raw: str | None) -> SessionState | None:
        return SessionState.model_validate_json(raw) if raw else None

    async def get(self, session_id: str) -> SessionState | None:
        return self.parse(await self.commands.call(self.get_cmd(session_id)))

    async def put(self, state: SessionState) -> str:
        """Store ``state``; returns the value written."""
        raw = state.model_dump_json()
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.key(state.id), raw, ex=self.ttl_seconds)
            self._track(pipe, state)
            await pipe.execute()
        return raw

    def _track(self, pipe: Any, state: SessionState) -> None:
        """Queue on ``pipe`` what keeps the agent's set of live sessions (read by need-to-know customer
        access) in step with the session's status: one round trip with the write, not three."""
        if state.status in ("offered", "open"):
            pipe.sadd(self._agent_set(state.agent_id), state.id)
            pipe.expire(self._agent_set(state.agent_id), self.ttl_seconds)
        else:
            pipe.srem(self._agent_set(state.agent_id), state.id)

    async def claim(self, session_id: str, expected: SessionStatus, new: SessionStatus) -> SessionState | None:
        """Move a session from ``expected`` to ``new`` atomically; None if someone else moved it first."""
        key = self.key(session_id)
        async with self.client.pipeline(transaction=True) as pipe:
            await pipe.watch(key)
            raw = await pipe.get(key)
            if raw is None:
                return None
            state = SessionState.model_validate_json(raw)
            if state.status != expected:
                return None
            state.status = new
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(key, state.model_dump_json(), ex=self.ttl_seconds)
            try:
                await pipe.execute()
            except WatchError:  # another worker won the race
                return None
        async with self.client.pipeline(transaction=False) as track:
            self._track(track, state)
            await track.execute()
        return state

    def agent_sessions_cmd(self, agent_id: str) -> Command:
        """The ids of the agent's live (offered or open) sessions, for callers that pipeline many agents."""
        return ("SMEMBERS", self._agent_set(agent_id))

    def _status_key(self, agent_id: str) -> str:
        return self.keys.key("agent", agent_id, "status")

    async def set_status(self, agent_id: str, status: str) -> None:
        """Remember the availability the agent set in their panel (transfers go only to agents not away)."""
        await self.client.set(self._status_key(agent_id), status, ex=self.ttl_seconds)

    async def status_of(self, agent_id: str) -> str | None:
        """The availability the agent last set, or None if they have not set one within the TTL."""
        raw = await self.client.get(self._status_key(agent_id))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def statuses(self, agent_ids: list[str]) -> dict[str, str | None]:
        """``status_of`` for many agents in one round trip."""
        if not agent_ids:
            return {}
        async with self.client.pipeline(transaction=False) as pipe:  # agents' keys live in different slots
            for agent_id in agent_ids:
                pipe.get(self._status_key(agent_id))
            raw = await pipe.execute()
        return {a: (v.decode() if isinstance(v, bytes) else v) for a, v in zip(agent_ids, raw, strict=True)}

    async def for_agent(self, agent_id: str) -> list[SessionState]:
        ids: list[str] = sorted(await self.client.smembers(self._agent_set(agent_id)))  # type: ignore[arg-type]
        async with self.client.pipeline(transaction=False) as pipe:  # a cluster spreads sessions over slots
            for session_id in ids:
                pipe.get(self.key(session_id))
            raws = await pipe.execute()
        states = [self.parse(raw) for raw in raws]
        return [s for s in states if s is not None and s.status in ("offered", "open")]
