"""Routing state in Redis: agents, reservations, contacts, queues, the decision log.

Every key is built by the caller's key builder ``key(scope, tag, *parts)``, whose ``{scope:tag}`` part is
a Redis Cluster hash tag. Each Lua script touches the keys of one tag only:

- ``{agent:<id>}`` state hash, reservation hashes, live reservation set: ``reserve``, ``settle``,
  ``agent_upsert``, ``agent_status``, ``agent_remove``;
- ``{contact:<id>}`` record hash: ``contact_open``, ``contact_move``.

Queues (``{queue:<name>}`` waiting sorted set), the agent registry, the skill catalog, the offer
expiry schedule and the decision stream (``{routing:...}``) are written with plain commands. Writes that
span tags are ordered so that a crash in between leaves something the background sweep repairs, never
an agent over capacity: the agent slot (``reserve``/``settle``) is the single source of truth for load.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from routing.batching import CommandBatcher
from routing.codec import agent_from_hash, contact_to_json
from routing.engine import AgentState, Contact, Decision

__all__ = ["KeyBuilder", "RoutingStore", "StoreSettings", "split_reservation_id"]

KeyBuilder = Callable[..., str]
Command = tuple[Any, ...]
_SCRIPTS = ("reserve", "settle", "agent_upsert", "agent_status", "agent_remove", "contact_open", "contact_move")
QUEUE_SCORE_SCALE = 1e10  # priority ranks above arrival time: (100 - priority) * 1e10 + arrived_at


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Retention: settled reservations and contact records expire; the decision stream is capped."""

    settled_ttl_seconds: int = 3600
    contact_ttl_seconds: int = 86400
    decisions_maxlen: int = 10000


def split_reservation_id(reservation_id: str) -> tuple[str, str]:
    """``(agent_id, token)`` of a reservation id ``<agent_id>.<token>``; raises ValueError if malformed."""
    agent_id, dot, token = reservation_id.rpartition(".")
    if not dot or not agent_id or not token.isalnum():
        raise ValueError(f"malformed reservation id {reservation_id!r}")
    return agent_id, token


class RoutingStore:
    """All routing reads and writes to Redis. Hot paths are built as commands and sent packed in one
    round trip by ``send``; the rest are plain async methods."""

    def __init__(self, redis: Redis, key: KeyBuilder, settings: StoreSettings | None = None) -> None:
        self.redis = redis
        self.key = key
        self.settings = settings or StoreSettings()
        scripts = resources.files("routing") / "lua"
        self._source = {name: (scripts / f"{name}.lua").read_text() for name in _SCRIPTS}
        pool = getattr(redis, "connection_pool", None)
        self._batcher = CommandBatcher(pool) if pool is not None else None
        self._sha: dict[str, str] = {}
        self._source_of_sha: dict[str, str] = {}
        self.events_channel = key("routing", "agents", "events")
        self.registry_key = key("routing", "agents", "ids")
        self.skills_key = key("routing", "skills", "catalog")
        self.queues_key = key("routing", "queues", "names")
        self.expiry_key = key("routing", "reservations", "expiry")
        self.decisions_key = key("routing", "decisions", "stream")

    def agent_key(self, agent_id: str) -> str:
        return self.key("agent", agent_id, "state")

    def live_key(self, agent_id: str) -> str:
        return self.key("agent", agent_id, "reservations")

    def reservation_key(self, reservation_id: str) -> str:
        agent_id, token = split_reservation_id(reservation_id)
        return self.key("agent", agent_id, "res", token)

    def contact_key(self, contact_id: str) -> str:
        return self.key("contact", contact_id, "routing")

    def waiting_key(self, queue: str) -> str:
        return self.key("queue", queue, "waiting")

    def lock_key(self, queue: str) -> str:
        return self.key("queue", queue, "dispatch")

    async def load_scripts(self) -> None:
        """Load the Lua scripts into Redis (again after a flush or restart is harmless)."""
        for name, source in self._source.items():
            sha = await self.redis.script_load(source)
            self._sha[name] = sha
            self._source_of_sha[sha] = source

    async def send(self, commands: Sequence[Command]) -> list[Any]:
        """Send ``commands`` in one round trip (no transaction) and return their replies in order; an
        error reply is returned as its exception. A script unknown to the server is re-sent as EVAL.
        Concurrent callers' commands share round trips (``routing.batching``)."""
        if not commands:
            return []
        if self._batcher is None:  # a cluster client: its pipeline groups the commands per node
            async with self.redis.pipeline(transaction=False) as pipe:
                for command in commands:
                    pipe.execute_command(*command)
                replies = list(await pipe.execute(raise_on_error=False))
        else:
            replies = await self._batcher.send(commands)
        for i, reply in enumerate(replies):
            if isinstance(reply, NoScriptError):
                replies[i] = await self.redis.execute_command(  # type: ignore[no-untyped-call]
                    "EVAL", self._source_of_sha[commands[i][1]], *commands[i][2:])
        return replies

    async def call(self, command: Command) -> Any:
        """``send`` one command; raises its error reply."""
        (reply,) = await self.send([command])
        if isinstance(reply, Exception):
            raise reply
        return reply

    def _script(self, name: str, keys: Sequence[str], args: Iterable[Any]) -> Command:
        return ("EVALSHA", self._sha[name], len(keys), *keys, *args)

    # -- agents -----------------------------------------------------------------------------------

    def upsert_agent_cmds(self, agent_id: str, fields: list[str], status: str, now: float) -> list[Command]:
        """Commands that create or update an agent's profile and register its id."""
        return [
            self._script("agent_upsert", [self.agent_key(agent_id)],
                         [repr(now), status, self.events_channel, agent_id, *fields]),
            ("SADD", self.registry_key, agent_id),
        ]

    def status_cmd(self, agent_id: str, status: str, now: float) -> Command:
        return self._script("agent_status", [self.agent_key(agent_id)],
                            [status, repr(now), self.events_channel, agent_id])

    def remove_agent_cmd(self, agent_id: str) -> Command:
        return self._script("agent_remove", [self.agent_key(agent_id), self.live_key(agent_id)],
                            [self.events_channel, agent_id])

    async def agent_ids(self) -> set[str]:
        return {str(m) for m in await self.redis.smembers(self.registry_key)}

    async def fetch_agents(self, agent_ids: Sequence[str]) -> dict[str, tuple[AgentState, int] | None]:
        """Current state and version of each agent (None for an unknown one), in one round trip."""
        replies = await self.send([("HGETALL", self.agent_key(a)) for a in agent_ids]) if agent_ids else []
        return {a: agent_from_hash(a, _as_dict(r)) for a, r in zip(agent_ids, replies, strict=True)}

    async def reservations_of(self, agent_id: str) -> list[dict[str, str]]:
        """The live reservations (pending or accepted) of ``agent_id``."""
        ids = sorted(str(m) for m in await self.redis.smembers(self.live_key(agent_id)))
        replies = await self.send([("HGETALL", self.reservation_key(r)) for r in ids]) if ids else []
        return [_as_dict(r) for r in replies if r]

    async def reservation(self, reservation_id: str) -> dict[str, str]:
        """The stored reservation (empty when unknown or long settled)."""
        return _as_dict(await self.redis.hgetall(self.reservation_key(reservation_id)))

    # -- reservations -----------------------------------------------------------------------------

    @staticmethod
    def new_reservation_id(agent_id: str) -> str:
        return f"{agent_id}.{secrets.token_hex(8)}"

    def reserve_cmd(self, rid: str, contact: Contact, needs: Mapping[str, int], now: float,
                    expires_at: float) -> Command:
        """The atomic slot reservation of ``rid``'s agent for ``contact`` (see ``lua/reserve.lua``)."""
        agent_id, _ = split_reservation_id(rid)
        pairs = [x for skill, level in needs.items() for x in (skill, level)]
        return self._script(
            "reserve",
            [self.agent_key(agent_id), self.reservation_key(rid), self.live_key(agent_id)],
            [rid, contact.contact_id, contact.queue, contact.channel, repr(now), repr(expires_at),
             contact.language or "", *pairs],
        )

    def settle_cmd(self, action: str, rid: str, now: float, max_misses: int) -> Command:
        agent_id, _ = split_reservation_id(rid)
        return self._script(
            "settle",
            [self.agent_key(agent_id), self.reservation_key(rid), self.live_key(agent_id)],
            [action, rid, repr(now), max_misses, self.settings.settled_ttl_seconds, self.events_channel,
             agent_id],
        )

    def schedule_expiry_cmd(self, rid: str, expires_at: float) -> Command:
        return ("ZADD", self.expiry_key, repr(expires_at), rid)

    def unschedule_expiry_cmd(self, rid: str) -> Command:
        return ("ZREM", self.expiry_key, rid)

    async def due_reservations(self, now: float, limit: int = 200) -> list[str]:
        return [str(m) for m in await self.redis.zrangebyscore(self.expiry_key, "-inf", repr(now), start=0, num=limit)]

    # -- contacts and queues ------------------------------------------------------------------------

    def open_contact_cmd(self, contact: Contact, state: str, now: float) -> Command:
        return self._script("contact_open", [self.contact_key(contact.contact_id)],
                            [contact_to_json(contact), contact.queue, state, repr(now),
                             self.settings.contact_ttl_seconds])

    def move_contact_cmd(self, contact_id: str, expect: str, new_state: str, now: float, *,
                         expect_rid: str = "", rid: str = "", agent_id: str = "",
                         exclude: str = "") -> Command:
        """Conditional state change of a contact record (see ``lua/contact_move.lua``)."""
        return self._script("contact_move", [self.contact_key(contact_id)],
                            [expect, expect_rid, new_state, rid, agent_id, repr(now),
                             self.settings.contact_ttl_seconds, exclude])

    async def contact_record(self, contact_id: str) -> dict[str, str]:
        return _as_dict(await self.redis.hgetall(self.contact_key(contact_id)))

    def enqueue_cmds(self, contact: Contact) -> list[Command]:
        """Add ``contact`` to its queue's waiting set (priority first, then arrival) and rank it."""
        score = (100 - contact.priority) * QUEUE_SCORE_SCALE + contact.arrived_at
        waiting = self.waiting_key(contact.queue)
        return [("ZADD", waiting, repr(score), contact.contact_id),
                ("SADD", self.queues_key, contact.queue),
                ("ZRANK", waiting, contact.contact_id)]

    def dequeue_cmd(self, queue: str, contact_id: str) -> Command:
        return ("ZREM", self.waiting_key(queue), contact_id)

    async def waiting(self, queue: str, limit: int) -> list[str]:
        """The first ``limit`` waiting contact ids of ``queue``, in service order."""
        return [str(m) for m in await self.redis.zrange(self.waiting_key(queue), 0, limit - 1)]

    async def queue_names(self) -> set[str]:
        return {str(m) for m in await self.redis.smembers(self.queues_key)}

    async def try_lock_queue(self, queue: str, owner: str, ttl_ms: int) -> bool:
        """Take the queue's dispatch lease for ``ttl_ms`` (one worker dispatches a queue at a time)."""
        return bool(await self.redis.set(self.lock_key(queue), owner, nx=True, px=ttl_ms))

    # -- skills and decisions -------------------------------------------------------------------------

    async def skills(self) -> dict[str, str]:
        return _as_dict(await self.redis.hgetall(self.skills_key))

    async def put_skill(self, skill: str, description: str) -> bool:
        """Add or describe a skill; returns True when it is new."""
        return bool(await self.redis.hset(self.skills_key, skill, description))

    def decision_cmd(self, contact: Contact, decision: Decision, now: float, rid: str = "") -> Command:
        """Append ``decision`` to the capped decision stream (why, for analytics) as one JSON field."""
        entry = {"ts": now, "contact": contact.contact_id, "queue": contact.queue, "agent": decision.agent_id,
                 "reservation": rid or None, "step": decision.step, "eligible": decision.eligible,
                 "reason": decision.reason,
                 "candidates": [[c.agent_id, round(c.score, 6)] for c in decision.candidates]}
        return ("XADD", self.decisions_key, "MAXLEN", "~", self.settings.decisions_maxlen, "*",
                "d", json.dumps(entry, separators=(",", ":")))

    async def recent_decisions(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` decisions, newest first, each with its stream ``id``."""
        entries = await self.redis.xrevrange(self.decisions_key, count=limit) or []
        return [{"id": entry_id, **json.loads(str((fields or {})["d"]))} for entry_id, fields in entries]


def _as_dict(reply: Any) -> dict[str, str]:
    """A HGETALL reply as a dict, whether the client speaks RESP2 (flat list) or RESP3 (map)."""
    if isinstance(reply, dict):
        return reply
    if isinstance(reply, list):
        return dict(zip(reply[::2], reply[1::2], strict=False))
    return {}
