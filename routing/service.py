"""The routing service: contacts in, offers out, reservations settled, queues drained.

A decision is computed on the local agent mirror (``AgentIndex.shortlist`` + ``engine.decide``) and
committed with one packed round trip: the atomic reservation script, the conditional contact move, the
expiry schedule and the decision log entry. If the reservation is refused (the mirror was stale), the
agent is re-read and the next decision is tried. Background work (``run``): offer expiry, dispatch of
waiting contacts, mirror refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.codec import contact_from_json
from routing.config import RoutingConfig
from routing.engine import (
    MAX_PRIORITY,
    MAX_PROFICIENCY,
    Contact,
    Decision,
    QueuePolicy,
    estimate_wait,
    queue_order,
    relaxation,
    skill_minimums,
    with_queue_skills,
)
from routing.errors import RoutingError
from routing.mirror import AgentMirror
from routing.records import ContactState, Offer, Routed, Withdrawal
from routing.registry import AgentRegistry
from routing.settlement import OfferSettlement
from routing.state import KeyBuilder, RoutingStore, StoreSettings, split_reservation_id

__all__ = ["OfferHook", "RoutingConfig", "RoutingService", "WithdrawHook"]

log = logging.getLogger(__name__)
OfferHook = Callable[[Offer], Awaitable[None]]
WithdrawHook = Callable[[Withdrawal], Awaitable[None]]


class RoutingService(OfferSettlement):
    """Routes contacts to agents. Call ``start()`` once the event loop runs and ``stop()`` at shutdown
    (or run ``run()`` and ``mirror.listen(await mirror.subscribe())`` yourself); ``on_offer`` delivers
    each offer to the agent, ``on_withdraw`` tells it an offer was taken back. What happens to an offer
    once made (accept, reject, complete, expiry) is ``OfferSettlement``'s part."""

    def __init__(self, redis: Redis, key: KeyBuilder, *, config: RoutingConfig | None = None,
                 on_offer: OfferHook | None = None, on_withdraw: WithdrawHook | None = None,
                 clock: Callable[[], float] = time.time, store_settings: StoreSettings | None = None) -> None:
        self.config = config or RoutingConfig()
        self.store = RoutingStore(redis, key, store_settings)
        self._wake = asyncio.Event()
        self.mirror = AgentMirror(self.store, on_change=self._wake.set)
        self.clock = clock
        self.agents = AgentRegistry(self.store, self.mirror, clock, self.config.new_agent_status)
        self.on_offer = on_offer
        self.on_withdraw = on_withdraw
        self.on_decision: Callable[[str, str], None] = lambda queue, outcome: None
        """Called with (queue, "offered" | "queued") for each contact routed: the service counts them."""
        self.worker_id = secrets.token_hex(6)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------------

    async def sync(self) -> None:
        """Load the scripts, the skill catalog and every agent into the mirror."""
        await self.store.load_scripts()
        await self.agents.load_skills()
        await self.mirror.load_all()

    async def start(self) -> None:
        """Subscribe to agent changes, ``sync``, then start the background tasks (mirror listener,
        expiry and dispatch loop, and a full mirror reload every ``resync_seconds`` in case a change
        announcement was lost, pub/sub being at-most-once)."""
        pubsub = await self.mirror.subscribe()
        await self.sync()
        self._tasks = [asyncio.create_task(self.mirror.listen(pubsub)), asyncio.create_task(self.run())]

    async def stop(self) -> None:
        """End the background tasks and wait for them (both stop by themselves within a tick; a task
        still running after 5 s is cancelled)."""
        tasks, self._tasks = self._tasks, []
        self._stopping = True
        self.mirror.stop_listening()
        self._wake.set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=5)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self._stopping = False

    async def run(self) -> None:
        """Until ``stop``: refresh announced agents, expire due offers, dispatch waiting contacts.

        Waits for a wake-up or a tick through the same event (a timer sets it), never through a timeout
        that cancels: on Python 3.11 such a cancel can race an event and be lost or swallowed. A pass that
        fails because Redis is unreachable is logged once per outage and retried every tick; afterwards every
        agent is reloaded (changes announced during the outage were lost), then dispatch carries on.
        """
        loop = asyncio.get_running_loop()
        resync_at = self.clock() + self.config.resync_seconds
        unreachable = False
        while not self._stopping:
            tick = loop.call_later(self.config.tick_seconds, self._wake.set)
            await self._wake.wait()
            tick.cancel()
            self._wake.clear()
            if self._stopping:
                break
            try:
                if self.clock() >= resync_at or self.mirror.stale:
                    self.mirror.stale = False  # set again if the load fails or the feed drops meanwhile
                    await self.mirror.load_all()
                    resync_at = self.clock() + self.config.resync_seconds
                await self.mirror.refresh_dirty()
                await self.background_pass()
                if unreachable:
                    log.warning("routing background pass resumed; Redis answers again")
                    unreachable = False
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:  # Redis down: one line per outage
                if not unreachable:
                    log.warning("routing background pass failed: Redis unreachable; retrying",
                                extra={"error": repr(exc)})
                unreachable = True
                self.mirror.stale = True  # announcements may be lost meanwhile
            except Exception:  # noqa: BLE001 - the loop must outlive one bad pass
                log.exception("routing background pass failed; retrying")
            await asyncio.sleep(0.01)

    def wake(self) -> None:
        """Run the background pass now rather than at the next tick (the queues changed: contacts waiting may
        route under the new policies)."""
        self._wake.set()

    def policy(self, queue: str) -> QueuePolicy:
        """The policy of ``queue``. Raises ``unknown_queue`` (422)."""
        policy = self.config.policies.get(queue)
        if policy is None:
            raise RoutingError("unknown_queue", 422, f"no queue {queue!r}")
        return policy

    # -- contacts ----------------------------------------------------------------------------------

    async def submit(self, contact: Contact) -> Routed:
        """Open ``contact`` and route it now: an offer, or a place in its queue.

        Raises ``invalid_contact``/``unknown_queue``/``unknown_skill`` (422) or ``duplicate_contact`` (409)
        before anything is stored. The queue's required skills join the contact's (``with_queue_skills``). On
        one Redis node the duplicate guard and the first decision's commit are one script (one round trip); a
        refused reservation (stale mirror) goes on like ``route``.
        """
        levels = [*contact.required_skills.values(), *contact.preferred_skills.values()]
        if not 0 <= contact.priority <= MAX_PRIORITY or not all(1 <= v <= MAX_PROFICIENCY for v in levels):
            raise RoutingError("invalid_contact", 422, "priority must be 0..100 and skill levels 1..5")
        policy = self.policy(contact.queue)
        contact = with_queue_skills(contact, policy)
        await self.agents.check_skills([*contact.required_skills, *contact.preferred_skills])
        now = self.clock()
        if not self.store.single_node_scripts:
            return await self._submit_in_two_steps(contact, policy, now)
        first = self._decide(contact, policy, now)
        if first.agent_id is None:
            reply = await self.store.call(self.store.submit_wait_cmd(contact, first, now))
            _refuse_duplicate(reply, contact)
            return self._queued(contact, first, int(reply[1]), now)
        rid, expires_at = self.store.new_reservation_id(first.agent_id), now + policy.offer_timeout_seconds
        needs = skill_minimums(contact, relaxation(policy, first.step))
        reply = await self.store.call(self.store.submit_offer_cmd(contact, first, rid, needs, now, expires_at))
        _refuse_duplicate(reply, contact)
        if reply[0] == "ok":
            return await self._offered(contact, first, rid, reply, expires_at, now)
        self.mirror.learn(first.agent_id, reply[2])
        return await self._route(contact, ContactState.ROUTING, "", now, None, tried={first.agent_id})

    async def _submit_in_two_steps(self, contact: Contact, policy: QueuePolicy, now: float) -> Routed:
        opening = asyncio.ensure_future(
            self.store.call(self.store.open_contact_cmd(contact, ContactState.ROUTING, now)))
        await asyncio.sleep(0)  # the duplicate guard goes out; decide while it travels
        first = self._decide(contact, policy, now)
        if not await opening:
            raise RoutingError("duplicate_contact", 409, f"contact {contact.contact_id!r} exists")
        return await self._route(contact, ContactState.ROUTING, "", now, first)

    def _decide(self, contact: Contact, policy: QueuePolicy, now: float) -> Decision:
        return self.mirror.index.decide(contact, policy, now)

    async def route(self, contact: Contact, expect: str, *, expect_rid: str = "",
                    now: float | None = None) -> Routed:
        """Decide for an open contact (record in state ``expect``) and commit: the decision step.

        A queued contact with no agent stays as it is; any other goes to its queue. Raises
        ``contact_conflict`` (409) if the record moved meanwhile (cancelled, claimed by another worker).
        """
        return await self._route(contact, expect, expect_rid, self.clock() if now is None else now, None)

    async def _route(self, contact: Contact, expect: str, expect_rid: str, now: float,
                     first: Decision | None, tried: set[str] | None = None) -> Routed:
        policy = self.policy(contact.queue)
        tried = set(tried or ())
        decision = Decision(None, 0, (), "no attempt")
        for _ in range(self.config.max_attempts - len(tried)):
            view = replace(contact, excluded_agents=contact.excluded_agents | tried) if tried else contact
            decision = first if first is not None and not tried else self._decide(view, policy, now)
            if decision.agent_id is None:
                break
            rid = self.store.new_reservation_id(decision.agent_id)
            expires_at = now + policy.offer_timeout_seconds
            needs = skill_minimums(view, relaxation(policy, decision.step))
            if self.store.single_node_scripts:
                reply = await self.store.call(self.store.route_offer_cmd(
                    contact, expect, expect_rid, decision, rid, needs, now, expires_at))
                if reply[0] not in ("ok", "refused"):
                    raise RoutingError("contact_conflict", 409, f"contact {contact.contact_id!r} is {reply[1:]}")
            else:
                reply, expect, expect_rid = await self._attempt_on_cluster(
                    contact, expect, expect_rid, decision, rid, needs, now, expires_at)
            if reply[0] == "ok":
                return await self._offered(contact, decision, rid, reply, expires_at, now)
            tried.add(decision.agent_id)
            self.mirror.learn(decision.agent_id, reply[-1])  # a refusal returns the agent as stored
        if expect == ContactState.QUEUED:
            return Routed(contact, decision)
        return await self._enqueue(contact, decision, now, expect, expect_rid)

    async def _attempt_on_cluster(self, contact: Contact, expect: str, expect_rid: str, decision: Decision,
                                  rid: str, needs: Mapping[str, int], now: float,
                                  expires_at: float) -> tuple[list[Any], str, str]:
        """A routing attempt with single-tag commands in one packed round trip: reserve, move, schedule,
        log (and dequeue). A move that lost a race gives the slot back and raises ``contact_conflict``.
        Returns the reservation's reply and the state (and reservation) the record now has."""
        commands = [
            self.store.reserve_cmd(rid, contact, needs, now, expires_at),
            self.store.move_contact_cmd(contact.contact_id, expect, ContactState.OFFERED, now,
                                        expect_rid=expect_rid, rid=rid, agent_id=decision.agent_id or ""),
            self.store.schedule_expiry_cmd(rid, expires_at),
            self.store.decision_cmd(contact, decision, now, rid),
        ]
        if expect == ContactState.QUEUED:
            commands.append(self.store.dequeue_cmd(contact.queue, contact.contact_id))
        reserved, moved, *_ = await self.store.send(commands)
        for reply in (reserved, moved):
            if isinstance(reply, Exception):
                raise reply
        if moved[0] != "ok" and reserved[0] == "ok":
            await self.store.send([self.store.settle_cmd("cancel", rid, now, 0),
                                   self.store.unschedule_expiry_cmd(rid)])
        if moved[0] != "ok":
            raise RoutingError("contact_conflict", 409, f"contact {contact.contact_id!r} is {moved[1:]}")
        return list(reserved), ContactState.OFFERED, rid

    async def _offered(self, contact: Contact, decision: Decision, rid: str, reserved: list[Any],
                       expires_at: float, now: float) -> Routed:
        """A reservation made: note it in the mirror (the script returned the new load and version) and
        deliver the offer."""
        agent_id, _ = split_reservation_id(rid)
        self.mirror.note_reserved(agent_id, contact.channel, int(reserved[1]), int(reserved[2]), now)
        offer = Offer(rid, agent_id, contact, expires_at)
        self.on_decision(contact.queue, "offered")
        await self._deliver(offer)
        return Routed(contact, decision, offer=offer)

    async def _enqueue(self, contact: Contact, decision: Decision, now: float, expect: str,
                       expect_rid: str) -> Routed:
        move = self.store.move_contact_cmd(contact.contact_id, expect, ContactState.QUEUED, now,
                                           expect_rid=expect_rid)
        moved, *_, rank, _ = await self.store.send(
            [move, *self.store.enqueue_cmds(contact), self.store.decision_cmd(contact, decision, now)])
        if moved[0] != "ok":
            await self.store.call(self.store.dequeue_cmd(contact.queue, contact.contact_id))
            raise RoutingError("contact_conflict", 409, f"contact {contact.contact_id!r} is {moved[1:]}")
        return self._queued(contact, decision, int(rank), now)

    def _queued(self, contact: Contact, decision: Decision, rank: int, now: float) -> Routed:
        policy = self.policy(contact.queue)
        self.on_decision(contact.queue, "queued")
        wait = estimate_wait(rank, self.mirror.index.servers(contact, policy, now), policy.handle_seconds)
        return Routed(contact, decision, position=rank, estimated_wait_seconds=wait)

    async def _deliver(self, offer: Offer) -> None:
        await _notify(self.on_offer, offer)

    async def _withdraw(self, withdrawal: Withdrawal) -> None:
        await _notify(self.on_withdraw, withdrawal)

    async def contact(self, contact_id: str) -> dict[str, Any]:
        """The contact's record: state, queue, reservation, agent, payload. Raises ``unknown_contact``."""
        record = await self.store.contact_record(contact_id)
        if not record:
            raise RoutingError("unknown_contact", 404, f"no contact {contact_id!r}")
        return record

    async def cancel(self, contact_id: str) -> None:
        """Withdraw a waiting or offered contact. Raises ``unknown_contact`` (404), or (409)
        ``contact_in_service`` once accepted, ``contact_closed`` when over, ``contact_conflict`` in flight."""
        record = await self.contact(contact_id)
        state, rid, now = record["state"], record["rid"], self.clock()
        if state == ContactState.QUEUED:
            moved = await self.store.call(self.store.move_contact_cmd(
                contact_id, ContactState.QUEUED, ContactState.CANCELLED, now))
            if moved[0] == "ok":
                await self.store.call(self.store.dequeue_cmd(record["queue"], contact_id))
                await self._log_floor(moved, "abandoned", now)
                return
        elif state == ContactState.OFFERED:
            settled = await self.store.call(self.store.settle_cmd("cancel", rid, now, 0))
            if settled[0] == "ok":
                moved, _ = await self.store.send([
                    self.store.move_contact_cmd(contact_id, ContactState.OFFERED, ContactState.CANCELLED,
                                                now, expect_rid=rid),
                    self.store.unschedule_expiry_cmd(rid)])
                await self._log_floor(moved, "abandoned", now)
                agent_id, _ = split_reservation_id(rid)
                await self.mirror.refresh([agent_id])
                await self._withdraw(Withdrawal(rid, agent_id, contact_id, "cancelled"))
                return
        elif state == ContactState.ACCEPTED:
            raise RoutingError("contact_in_service", 409, f"contact {contact_id!r} is being handled")
        elif state in (ContactState.COMPLETED, ContactState.CANCELLED):
            raise RoutingError("contact_closed", 409, f"contact {contact_id!r} is {state}")
        raise RoutingError("contact_conflict", 409, f"contact {contact_id!r} changed meanwhile; retry")

    # -- background ----------------------------------------------------------------------------------

    async def background_pass(self) -> None:
        """Expire due offers, then dispatch waiting contacts. What both need is read in one round trip: most
        passes find nothing to do, and they run four times a second on every worker."""
        now = self.clock()
        queues = sorted(self.config.policies)
        due, *waiting = await self.store.send([
            self.store.due_reservations_cmd(now),
            *(self.store.waiting_cmd(queue, self.config.dispatch_depth) for queue in queues)])
        for reply in (due, *waiting):
            if isinstance(reply, Exception):
                raise reply
        expired = await self.expire_due(now, due)
        await self.dispatch(now, None if expired else dict(zip(queues, waiting, strict=True)))

    async def dispatch(self, now: float | None = None, waiting: dict[str, list[str]] | None = None) -> int:
        """Route waiting contacts, queue by queue, in priority-then-arrival order (the first
        ``dispatch_depth`` of each queue, so a contact no agent can take does not block the ones behind
        it); returns offers made. A dispatch lease per queue keeps workers from doing the same work twice.
        ``waiting``: each configured queue's first contact ids, when the caller has just read them."""
        now = self.clock() if now is None else now
        offers = 0
        for queue in sorted(self.config.policies):
            if waiting is None:
                ids = await self.store.call(self.store.waiting_cmd(queue, self.config.dispatch_depth))
            else:
                ids = waiting[queue]
            if not ids:
                continue
            if not await self.store.try_lock_queue(queue, self.worker_id, 2000):
                continue
            try:
                offers += await self._dispatch_queue(queue, ids, now)
            finally:
                await self.store.redis.delete(self.store.lock_key(queue))
        return offers

    async def _dispatch_queue(self, queue: str, ids: list[str], now: float) -> int:
        records = await self.store.send(
            [("HMGET", self.store.contact_key(c), "state", "payload", "excluded") for c in ids])
        contacts: list[Contact] = []
        for contact_id, (state, payload, excluded) in zip(ids, records, strict=True):
            if state == ContactState.QUEUED:
                contacts.append(contact_from_json(payload, excluded or ""))
            else:
                await self.store.call(self.store.dequeue_cmd(queue, contact_id))
        offers = 0
        for contact in queue_order(contacts):
            if not self.mirror.index.has_open(contact.channel):
                continue
            with contextlib.suppress(RoutingError):
                routed = await self.route(contact, ContactState.QUEUED, now=now)
                offers += routed.offer is not None
        return offers

    async def queue_snapshot(self, queue: str, limit: int = 100) -> dict[str, Any]:
        """Waiting contacts of ``queue`` in service order, with how long each has waited."""
        self.policy(queue)
        now = self.clock()
        ids = await self.store.call(self.store.waiting_cmd(queue, limit))
        records = await self.store.send([("HMGET", self.store.contact_key(c), "payload") for c in ids])
        waiting = []
        for position, (contact_id, (payload,)) in enumerate(zip(ids, records, strict=True)):
            if payload:
                contact = contact_from_json(payload)
                waiting.append({"position": position, "contact_id": contact_id, "priority": contact.priority,
                                "channel": contact.channel, "waited_seconds": now - contact.arrived_at})
        size = await self.store.redis.zcard(self.store.waiting_key(queue))
        return {"queue": queue, "size": size, "waiting": waiting}


def _refuse_duplicate(reply: list[Any], contact: Contact) -> None:
    if reply[0] == "duplicate":
        raise RoutingError("duplicate_contact", 409, f"contact {contact.contact_id!r} exists")


async def _notify(hook: Callable[[Any], Awaitable[None]] | None, item: Offer | Withdrawal) -> None:
    if hook is not None:
        try:
            await hook(item)
        except Exception:  # noqa: BLE001 - an undelivered offer simply expires and is re-routed
            log.exception("routing hook failed for %s", item.reservation_id)
