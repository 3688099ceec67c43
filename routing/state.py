"""Routing state in Redis: agents, reservations, contacts, queues, the decision log.

Every key is built by the caller's key builder ``key(scope, tag, *parts)``, whose ``{scope:tag}`` part is
a Redis Cluster hash tag. Each Lua script touches the keys of one tag only:

- ``{agent:<id>}`` state hash, reservation hashes, live reservation set: ``reserve``, ``settle``,
  ``agent_upsert``, ``agent_status``, ``agent_remove``;
- ``{contact:<id>}`` record hash: ``contact_open``, ``contact_move``.

The exceptions are ``contact_submit`` (duplicate guard, then the first reservation or queue place, and
the decision log) and ``contact_route`` (contact state guard, reservation, contact move, expiry and log):
one script, one round trip per submit or routing attempt, but their keys span tags, so they are used
only when every key lives on one Redis node (``RoutingStore.single_node_scripts``). On a cluster a
submit takes ``contact_open`` and then the single-tag scripts, one more round trip.

Queues (``{queue:<name>}`` waiting sorted set), the agent registry, the skill catalog, the offer
expiry schedule and the decision stream (``{routing:...}``) are written with plain commands. Writes that
span tags without a script (on a cluster) are ordered so that a crash in between leaves something the
background sweep repairs, never an agent over capacity: the agent slot (``reserve_slot``/``settle``)
is the single source of truth for load.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.asyncio import Redis

from routing.codec import agent_from_hash, as_dict, contact_to_json
from routing.commands import Command, CommandSender
from routing.engine import AgentState, Contact, Decision

__all__ = ["KeyBuilder", "RoutingStore", "StoreSettings", "split_reservation_id"]

KeyBuilder = Callable[..., str]
_SCRIPTS = ("reserve", "settle", "agent_upsert", "agent_status", "agent_remove", "contact_open", "contact_move",
            "contact_submit", "contact_route")
# Lua has no import between scripts: a script's libraries (lua/<name>.lua) are prepended to its source.
_LIBRARIES = {"reserve": ("slot",), "contact_open": ("record",), "contact_submit": ("slot", "record"),
              "contact_route": ("slot",)}
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))  # made once: json.dumps makes one per call
QUEUE_SCORE_SCALE = 1e10  # priority ranks above arrival time: (100 - priority) * 1e10 + arrived_at


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Retention: settled reservations and contact records expire; the decision stream is capped.

    ``single_node_scripts``: commit a submit, or a routing attempt, with one script whose keys span hash
    tags (one round trip); only possible when every key lives on one Redis node, so a cluster client
    ignores it. Off, the cluster's single-tag commands are used (switchable so that tests cover both
    paths on one server).
    """

    settled_ttl_seconds: int = 3600
    contact_ttl_seconds: int = 86400
    decisions_maxlen: int = 10000
    floor_maxlen: int = 50000
    """Answered and abandoned contacts kept for the live floor view (``floor_log``): a busy day's worth."""
    single_node_scripts: bool = True


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
        self._source = {name: "\n".join((scripts / f"{part}.lua").read_text()
                                         for part in (*_LIBRARIES.get(name, ()), name)) for name in _SCRIPTS}
        self.commands = CommandSender(redis)
        self.single_node_scripts = self.commands.single_node and self.settings.single_node_scripts
        self._sha = {name: self.commands.script(source) for name, source in self._source.items()}
        self.events_channel = key("routing", "agents", "events")
        self.registry_key = key("routing", "agents", "ids")
        self.skills_key = key("routing", "skills", "catalog")
        self.expiry_key = key("routing", "reservations", "expiry")
        self.decisions_key = key("routing", "decisions", "stream")
        self.floor_key = key("routing", "floor", "stream")

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
        """Load the Lua scripts into Redis ahead of use (a script the server lost is re-sent anyway)."""
        for source in self._source.values():
            await self.redis.script_load(source)

    async def send(self, commands: Sequence[Command]) -> list[Any]:
        """``commands`` in one round trip, replies in order, error replies as exceptions (``CommandSender``)."""
        return await self.commands.send(commands)

    async def call(self, command: Command) -> Any:
        """``send`` one command; raises its error reply."""
        return await self.commands.call(command)

    def _script(self, name: str, keys: Sequence[str], args: Iterable[Any]) -> Command:
        return self.commands.eval(self._sha[name], keys, list(args))

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
        return {a: agent_from_hash(a, as_dict(r)) for a, r in zip(agent_ids, replies, strict=True)}

    async def reservations_of(self, agent_id: str) -> list[dict[str, str]]:
        """The live reservations (pending or accepted) of ``agent_id``."""
        ids = sorted(str(m) for m in await self.redis.smembers(self.live_key(agent_id)))
        replies = await self.send([("HGETALL", self.reservation_key(r)) for r in ids]) if ids else []
        return [as_dict(r) for r in replies if r]

    async def reservation(self, reservation_id: str) -> dict[str, str]:
        """The stored reservation (empty when unknown or long settled)."""
        return as_dict(await self.redis.hgetall(self.reservation_key(reservation_id)))

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

    def due_reservations_cmd(self, now: float, limit: int = 200) -> Command:
        """Reservations whose offer deadline is ``now`` or earlier, the earliest first."""
        return ("ZRANGEBYSCORE", self.expiry_key, "-inf", repr(now), "LIMIT", 0, limit)

    # -- contacts and queues ------------------------------------------------------------------------

    def open_contact_cmd(self, contact: Contact, state: str, now: float) -> Command:
        return self._script("contact_open", [self.contact_key(contact.contact_id)],
                            [contact_to_json(contact), contact.queue, state, repr(now),
                             self.settings.contact_ttl_seconds])

    def submit_offer_cmd(self, contact: Contact, decision: Decision, rid: str, needs: Mapping[str, int],
                         now: float, expires_at: float) -> Command:
        """Open ``contact`` and reserve ``rid``'s agent for it in one step, logging ``decision``; a
        duplicate changes nothing (see ``lua/contact_submit.lua``). Only when ``single_node_scripts``."""
        agent_id, _ = split_reservation_id(rid)
        keys = [self.agent_key(agent_id), self.reservation_key(rid), self.live_key(agent_id), self.expiry_key]
        pairs = [x for skill, level in needs.items() for x in (skill, level)]
        return self._submit(contact, decision, now, rid, keys,
                            [rid, agent_id, contact.channel, repr(expires_at), contact.language or "", *pairs])

    def submit_wait_cmd(self, contact: Contact, decision: Decision, now: float) -> Command:
        """Open ``contact`` straight into its queue in one step, logging ``decision``; a duplicate changes
        nothing (see ``lua/contact_submit.lua``). Only when ``single_node_scripts``."""
        return self._submit(contact, decision, now, "", [self.waiting_key(contact.queue)],
                            [repr(_queue_score(contact))])

    def route_offer_cmd(self, contact: Contact, expect: str, expect_rid: str, decision: Decision, rid: str,
                        needs: Mapping[str, int], now: float, expires_at: float) -> Command:
        """Commit a routing attempt for an open contact in state ``expect`` (and reservation ``expect_rid``)
        in one step: reserve, move, schedule, dequeue, log (see ``lua/contact_route.lua``). Only when
        ``single_node_scripts``."""
        agent_id, _ = split_reservation_id(rid)
        pairs = [x for skill, level in needs.items() for x in (skill, level)]
        return self._script(
            "contact_route",
            [self.contact_key(contact.contact_id), self.decisions_key, self.agent_key(agent_id),
             self.reservation_key(rid), self.live_key(agent_id), self.expiry_key, self.waiting_key(contact.queue)],
            [expect, expect_rid, contact.contact_id, contact.queue, repr(now), self.settings.contact_ttl_seconds,
             _decision_entry(contact, decision, now, rid), self.settings.decisions_maxlen, rid, agent_id,
             contact.channel, repr(expires_at), contact.language or "", *pairs])

    def _submit(self, contact: Contact, decision: Decision, now: float, rid: str, keys: list[str],
                args: list[Any]) -> Command:
        return self._script(
            "contact_submit", [self.contact_key(contact.contact_id), self.decisions_key, *keys],
            [contact.contact_id, contact_to_json(contact), contact.queue, repr(now),
             self.settings.contact_ttl_seconds, _decision_entry(contact, decision, now, rid),
             self.settings.decisions_maxlen, *args])

    def move_contact_cmd(self, contact_id: str, expect: str, new_state: str, now: float, *,
                         expect_rid: str = "", rid: str = "", agent_id: str = "",
                         exclude: str = "") -> Command:
        """Conditional state change of a contact record (see ``lua/contact_move.lua``)."""
        return self._script("contact_move", [self.contact_key(contact_id)],
                            [expect, expect_rid, new_state, rid, agent_id, repr(now),
                             self.settings.contact_ttl_seconds, exclude])

    async def contact_record(self, contact_id: str) -> dict[str, str]:
        return as_dict(await self.redis.hgetall(self.contact_key(contact_id)))

    def enqueue_cmds(self, contact: Contact) -> list[Command]:
        """Add ``contact`` to its queue's waiting set (priority first, then arrival) and rank it."""
        waiting = self.waiting_key(contact.queue)
        return [("ZADD", waiting, repr(_queue_score(contact)), contact.contact_id),
                ("ZRANK", waiting, contact.contact_id)]

    def dequeue_cmd(self, queue: str, contact_id: str) -> Command:
        return ("ZREM", self.waiting_key(queue), contact_id)

    def waiting_cmd(self, queue: str, limit: int) -> Command:
        """The first ``limit`` waiting contact ids of ``queue``, in service order."""
        return ("ZRANGE", self.waiting_key(queue), 0, limit - 1)

    async def try_lock_queue(self, queue: str, owner: str, ttl_ms: int) -> bool:
        """Take the queue's dispatch lease for ``ttl_ms`` (one worker dispatches a queue at a time)."""
        return bool(await self.redis.set(self.lock_key(queue), owner, nx=True, px=ttl_ms))

    # -- skills and decisions -------------------------------------------------------------------------

    async def skills(self) -> dict[str, str]:
        return as_dict(await self.redis.hgetall(self.skills_key))

    async def put_skill(self, skill: str, description: str) -> bool:
        """Add or describe a skill; returns True when it is new."""
        return bool(await self.redis.hset(self.skills_key, skill, description))

    def decision_cmd(self, contact: Contact, decision: Decision, now: float, rid: str = "") -> Command:
        """Append ``decision`` to the capped decision stream (why, for analytics) as one JSON field."""
        return ("XADD", self.decisions_key, "MAXLEN", "~", self.settings.decisions_maxlen, "*",
                "d", _decision_entry(contact, decision, now, rid))

    def floor_cmd(self, contact: Contact, outcome: str, at: float) -> Command:
        """Log that ``contact`` was answered or abandoned at ``at``, with its queue, channel and arrival: what
        service level, speed of answer and abandonment are computed from (the contact record itself is
        overwritten as the contact moves on, and expires)."""
        return ("XADD", self.floor_key, "MAXLEN", "~", self.settings.floor_maxlen, "*",
                "f", _COMPACT_JSON.encode({"contact": contact.contact_id, "queue": contact.queue,
                                           "channel": contact.channel, "arrived": contact.arrived_at,
                                           "outcome": outcome, "at": at}))

    async def floor_log(self, since: float, limit: int) -> list[dict[str, Any]]:
        """Contacts answered or abandoned since ``since`` (epoch seconds, by Redis's clock: the stream's ids),
        oldest first, at most ``limit``. A contact that arrived after ``since`` settled after it too, so this
        holds every settled contact of a window that starts there."""
        entries = await self.redis.xrange(self.floor_key, min=str(max(0, int(since * 1000))), max="+",
                                          count=limit) or []
        return [json.loads(str((fields or {})["f"])) for _, fields in entries]

    async def recent_decisions(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` decisions, newest first, each with its stream ``id`` (and, for an attempt
        whose reservation was refused, the ``refused`` reason, on one Redis node)."""
        decisions = []
        for entry_id, stored in await self.redis.xrevrange(self.decisions_key, count=limit) or []:
            fields = stored or {}
            decision = {"id": entry_id, **json.loads(str(fields["d"]))}
            if "refused" in fields:
                decision["refused"] = fields["refused"]
            decisions.append(decision)
        return decisions


def _queue_score(contact: Contact) -> float:
    return (100 - contact.priority) * QUEUE_SCORE_SCALE + contact.arrived_at


def _decision_entry(contact: Contact, decision: Decision, now: float, rid: str) -> str:
    """The decision log entry (the why, for analytics) as one JSON document."""
    entry = {"ts": now, "contact": contact.contact_id, "queue": contact.queue, "agent": decision.agent_id,
             "reservation": rid or None, "step": decision.step, "eligible": decision.eligible,
             "reason": decision.reason,
             "candidates": [[c.agent_id, round(c.score, 6)] for c in decision.candidates]}
    return _COMPACT_JSON.encode(entry)
