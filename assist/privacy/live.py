"""Erasure of one customer's copies in Redis: session states, live journeys and the agents' outboxes.

SQL is anonymised by ``assist.privacy.service``; this module finds and removes what Redis holds, working on
the key layout (``KeySpace``) rather than through the stores, because it must find what no index points to:

- session states (``{session:<id>}:state``): found by SCAN of the deployment's prefix and matched on the
  customer id, the ambiguous candidates, the channel identifiers, or one of the customer's journeys. A
  finished session's state is deleted; an offered or open one is redacted in place (identifiers, cached
  customer view and the candidate dropped) with a compare-and-set, so the contact in progress goes on
  without the person's data and a concurrent write is never overwritten with the old copy.
- live journeys (``{journey:<id>}:live``): the SQL journeys and every live-only one SCAN finds with the
  customer's id. A journey no open session uses is deleted; one in use is redacted (transcript and collected
  fields emptied) with a compare-and-set on its ``rev``, so the session's next event re-reads it.
- outboxes (``{agent:<id>}:outbox``, read on resume): for every agent who handled the customer, each entry
  of one of the customer's sessions or journeys, or holding one of the person's values, is removed (XDEL).
  The seqs stay numbered as they were: a resuming panel simply never receives those frames again.

What a worker holds in memory (a session snapshot, a frame on its way to a socket) is not reached; it goes
with the next event (the snapshot no longer matches what is stored) or the connection. Routing keeps only
the customer id, which is a surrogate and stays, as in SQL.

Erasure is rare, so SCAN over the prefix is acceptable; each key is read and written on its own (no
multi-key script), which also works on Redis Cluster.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from assist.stores.redis import KeySpace

__all__ = ["ErasureSubject", "LiveErasure", "redact_session"]

log = logging.getLogger(__name__)

LIVE_SESSION = ("offered", "open")
MIN_VALUE_LENGTH = 4
"""Values shorter than this (an initial, a two-digit house number) are not searched for in messages: they
would match unrelated text. They never appear on their own: every message of the customer's sessions goes
by its session id anyway."""
SCAN_COUNT = 500

_SET_IF_SAME = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
"""
"""Replace a string value only if it is still ``ARGV[1]``."""

_JOURNEY_IF_SAME = """
local rev = redis.call('HGET', KEYS[1], 'rev')
if rev ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'rev', (tonumber(rev) or 0) + 1)
return 1
"""
"""Replace a live journey's state only if its ``rev`` is still ``ARGV[1]``, bumping ``rev`` (so a worker's
kept snapshot of it no longer commits)."""


@dataclass
class ErasureSubject:
    """Everything that identifies one customer's live copies, gathered from SQL before it is anonymised."""

    customer_id: str
    journey_ids: set[str] = field(default_factory=set)
    session_ids: set[str] = field(default_factory=set)
    agent_ids: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)
    """Channel identifier values as stored (normalised); matched against a session's identifiers."""
    values: set[str] = field(default_factory=set)
    """The person's own values (name, email, phone, ...), searched for in outbox messages."""

    def add_values(self, values: Iterable[str | None]) -> None:
        """Search messages for each value as written and as JSON escapes it (quotes, non-ASCII)."""
        for value in values:
            if value and len(value) >= MIN_VALUE_LENGTH:
                self.values.update({value, json.dumps(value)[1:-1]})

    def add_identifiers(self, values: Iterable[str]) -> None:
        self.identifiers.update(v.strip().casefold() for v in values if v)


@dataclass
class LiveErasureCounts:
    sessions_deleted: int = 0
    sessions_redacted: int = 0
    journeys_deleted: int = 0
    journeys_redacted: int = 0
    outbox_entries_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class LiveErasure:
    """Removes one customer's data from a deployment's Redis (its key prefix)."""

    def __init__(self, client: Redis, keys: KeySpace, attempts: int = 20) -> None:
        self.client = client
        self.keys = keys
        self.attempts = attempts
        """Compare-and-set attempts per key before giving up (each retry follows a concurrent write)."""

    async def erase(self, subject: ErasureSubject) -> dict[str, int]:
        """Remove or redact every copy of ``subject``'s data; returns how many of each kind were touched.

        Raises the Redis client's errors (the caller's SQL transaction then rolls back, and the erasure can
        simply be run again), or RuntimeError when a key kept changing under every compare-and-set.
        """
        counts = LiveErasureCounts()
        in_use = await self._sessions(subject, counts)
        await self._journeys(subject, in_use, counts)
        await self._outboxes(subject, counts)
        log.info("live state erased", extra={"customer_id": subject.customer_id, **counts.as_dict()})
        return counts.as_dict()

    async def _scan(self, scope: str, part: str) -> list[str]:
        pattern = f"{self.keys.prefix}:{{{scope}:*}}:{part}"
        return [key async for key in self.client.scan_iter(match=pattern, count=SCAN_COUNT)]

    async def _read_all(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Replies to ``commands`` in one pipeline; a key of the wrong type reads as None."""
        if not commands:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            replies = await pipe.execute(raise_on_error=False)
        return [None if isinstance(reply, Exception) else reply for reply in replies]

    async def _sessions(self, subject: ErasureSubject, counts: LiveErasureCounts) -> set[str]:
        """Delete or redact the customer's session states; returns the journey ids live sessions still use.

        Adds what it learns (session ids, agents, journeys) to ``subject`` for the outbox pass."""
        keys = await self._scan("session", "state")
        in_use: set[str] = set()
        for key, raw in zip(keys, await self._read_all([("GET", key) for key in keys]), strict=True):
            state = _json(raw)
            if state is None or not _concerns(state, subject):
                continue
            subject.session_ids.add(str(state.get("id", "")))
            subject.agent_ids.add(str(state.get("agent_id", "")))
            if state.get("journey_id"):
                subject.journey_ids.add(str(state["journey_id"]))
            if state.get("status") in LIVE_SESSION:
                if await self._redact_session(key, raw, subject):
                    counts.sessions_redacted += 1
                    if state.get("journey_id"):
                        in_use.add(str(state["journey_id"]))
                else:
                    counts.sessions_deleted += 1
            else:
                await self.client.srem(self.keys.key("agent", str(state.get("agent_id", "")), "sessions"),
                                       str(state.get("id", "")))
                counts.sessions_deleted += await self.client.delete(key)
        return in_use

    async def _redact_session(self, key: str, raw: Any, subject: ErasureSubject) -> bool:
        """Redact a live session in place; False if it disappeared meanwhile."""
        for _ in range(self.attempts):
            state = _json(raw)
            if state is None:
                return False
            redact_session(state, subject)
            if await self.client.eval(_SET_IF_SAME, 1, key, raw, json.dumps(state)):
                return True
            raw = await self.client.get(key)
        raise RuntimeError(f"session {key} kept changing; erasure not finished, run it again")

    async def _journeys(self, subject: ErasureSubject, in_use: set[str], counts: LiveErasureCounts) -> None:
        """Delete the customer's live journeys, or redact those an open session still works on."""
        keys = await self._scan("journey", "live")
        for raw in await self._read_all([("HGET", key, "json") for key in keys]):
            journey = _json(raw)
            if journey is not None and journey.get("customer_id") == subject.customer_id:
                subject.journey_ids.add(str(journey.get("id", "")))
        for journey_id in sorted(subject.journey_ids):
            key = self.keys.key("journey", journey_id, "live")
            rev, raw = await self._journey(key)
            journey = _json(raw)
            for handler in (journey or {}).get("handled_by") or []:
                subject.agent_ids.add(str(handler.get("agent_id", "")))
                subject.session_ids.add(str(handler.get("session_id", "")))
            if journey_id in in_use and journey is not None:
                await self._redact_journey(key, rev, journey)
                counts.journeys_redacted += 1
            else:
                counts.journeys_deleted += await self.client.delete(key)

    async def _journey(self, key: str) -> tuple[str | None, str | None]:
        (reply,) = await self._read_all([("HMGET", key, "rev", "json")])
        return (reply[0], reply[1]) if reply else (None, None)

    async def _redact_journey(self, key: str, rev: str | None, journey: dict[str, Any]) -> None:
        for _ in range(self.attempts):
            journey["transcript"] = []
            journey["collected"] = {}
            if await self.client.eval(_JOURNEY_IF_SAME, 1, key, rev or "", json.dumps(journey)):
                return
            rev, raw = await self._journey(key)
            fresh = _json(raw)
            if fresh is None:
                return
            journey = fresh
        raise RuntimeError(f"journey {key} kept changing; erasure not finished, run it again")

    async def _outboxes(self, subject: ErasureSubject, counts: LiveErasureCounts) -> None:
        """XDEL every outbox entry of the customer's sessions or journeys, or holding one of their values."""
        sessions = subject.session_ids - {""}
        journeys = subject.journey_ids - {""}
        values = [v.casefold() for v in subject.values]
        for agent_id in sorted(subject.agent_ids - {""}):
            key = self.keys.key("agent", agent_id, "outbox")
            entries: list[Any] = await self.client.xrange(key, "-", "+") or []
            doomed = [entry_id for entry_id, entry in entries
                      if _mentions(entry.get("m", ""), sessions, journeys, values)]
            for start in range(0, len(doomed), 500):
                counts.outbox_entries_deleted += await self.client.xdel(key, *doomed[start:start + 500])


def _json(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, str | bytes):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _concerns(state: dict[str, Any], subject: ErasureSubject) -> bool:
    """Whether a stored session belongs to (or might show) the customer."""
    if state.get("customer_id") == subject.customer_id or subject.customer_id in (state.get("candidates") or []):
        return True
    if state.get("journey_id") in subject.journey_ids or state.get("id") in subject.session_ids:
        return True
    return any(_is_theirs(value, subject) for value in (state.get("identifiers") or {}).values())


def redact_session(state: dict[str, Any], subject: ErasureSubject) -> None:
    """Drop from a stored session what is the customer's: the identifiers that are theirs, the cached view of
    them, their place among ambiguous candidates. A household's shared landline can put another customer's
    contact here too: what is that customer's own stays."""
    own = state.get("customer_id") == subject.customer_id or state.get("customer_id") is None
    state["identifiers"] = {kind: value for kind, value in (state.get("identifiers") or {}).items()
                            if not own and not _is_theirs(value, subject)}
    if own or (state.get("customer") or {}).get("id") == subject.customer_id:
        state["customer"] = None
    state["candidates"] = [c for c in state.get("candidates") or [] if c != subject.customer_id]


def _is_theirs(value: Any, subject: ErasureSubject) -> bool:
    """Whether a channel identifier as a session holds it is one of the customer's (as stored, normalised)."""
    text = str(value).strip().casefold()
    digits = "".join(c for c in text if c.isdigit())
    return text in subject.identifiers or bool(digits) and f"+{digits}" in subject.identifiers


def _mentions(raw: str, sessions: set[str], journeys: set[str], values: list[str]) -> bool:
    """Whether one stored message is of the customer's sessions or journeys, or carries one of their values."""
    message = _json(raw)
    data = (message or {}).get("data") or {}
    if data.get("session_id") in sessions or data.get("journey_id") in journeys:
        return True
    text = raw.casefold()
    return any(value in text for value in values)
