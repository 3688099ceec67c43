"""Routing state and service against the real Redis: scripts, reservations, queues, expiry, mirrors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from routing.engine import AgentStatus
from routing.errors import RoutingError
from routing.records import Offer, Withdrawal
from routing.service import RoutingService
from tests.routing.conftest import Clock, add_agent, new_contact


async def load_of(redis_client: Redis, service: RoutingService, agent_id: str, channel: str = "chat") -> int:
    return int(await redis_client.hget(service.store.agent_key(agent_id), f"n:{channel}") or 0)


async def test_submit_reserves_a_slot_and_records_the_offer(service: RoutingService, redis_client: Redis,
                                                            clock: Clock) -> None:
    await add_agent(service, "A1")
    routed = await service.submit(new_contact(clock))
    assert routed.offer is not None and routed.offer.agent_id == "A1"
    assert routed.offer.expires_at == clock() + 20.0
    assert await load_of(redis_client, service, "A1") == 1
    assert (await service.contact("c1"))["state"] == "offered"
    reservation = await service.store.reservation(routed.offer.reservation_id)
    assert reservation["state"] == "pending" and reservation["contact"] == "c1"


async def test_offer_hook_receives_the_offer(make_service: Callable[..., RoutingService], clock: Clock) -> None:
    delivered: list[Offer] = []

    async def on_offer(offer: Offer) -> None:
        delivered.append(offer)

    service = make_service(on_offer=on_offer)
    await service.sync()
    await service.agents.put_skill("billing")
    await add_agent(service, "A1")
    routed = await service.submit(new_contact(clock))
    assert delivered == [routed.offer]


async def test_reservation_script_refuses_a_full_agent_even_with_a_stale_mirror(
        service: RoutingService, redis_client: Redis, clock: Clock) -> None:
    await add_agent(service, "A1", capacity={"chat": 1})
    stale = service.mirror.index.get("A1")
    await service.submit(new_contact(clock, "c1"))
    service.mirror.index.upsert(stale)  # type: ignore[arg-type]
    routed = await service.submit(new_contact(clock, "c2"))
    assert routed.offer is None and routed.position == 0
    assert await load_of(redis_client, service, "A1") == 1


@pytest.mark.parametrize("change", ["status", "skill", "language"])
async def test_reservation_script_rechecks_the_stored_agent(service: RoutingService, clock: Clock,
                                                            change: str) -> None:
    await add_agent(service, "A1")
    store = service.store
    if change == "status":
        await redis_status(service, "A1", "busy")
    elif change == "skill":
        await store.redis.hset(store.agent_key("A1"), "s:billing", 1)
    else:
        await store.redis.hdel(store.agent_key("A1"), "l:en")
    contact = new_contact(clock)
    reply = await store.call(store.reserve_cmd(store.new_reservation_id("A1"), contact, {"billing": 2},
                                               clock(), clock() + 20))
    assert reply[0] == change


async def redis_status(service: RoutingService, agent_id: str, status: str) -> None:
    await service.store.redis.hset(service.store.agent_key(agent_id), "status", status)


async def test_no_agent_means_queued_with_position_and_estimate(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1", status=AgentStatus.BUSY)
    first = await service.submit(new_contact(clock, "c1"))
    vip = await service.submit(new_contact(clock, "c2", priority=90))
    assert (first.position, vip.position) == (0, 0)
    assert vip.estimated_wait_seconds == 300.0 / 2
    snapshot = await service.queue_snapshot("default")
    assert [w["contact_id"] for w in snapshot["waiting"]] == ["c2", "c1"]


async def test_duplicate_contact_is_refused(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    await service.submit(new_contact(clock))
    with pytest.raises(RoutingError) as raised:
        await service.submit(new_contact(clock))
    assert raised.value.code == "duplicate_contact"


async def test_accept_then_complete_frees_the_slot_and_restarts_idle_time(
        service: RoutingService, redis_client: Redis, clock: Clock) -> None:
    await add_agent(service, "A1")
    rid = (await service.submit(new_contact(clock))).offer.reservation_id  # type: ignore[union-attr]
    assert (await service.accept(rid))["state"] == "accepted"
    clock.advance(100)
    assert (await service.complete(rid))["state"] == "completed"
    assert await load_of(redis_client, service, "A1") == 0
    assert (await service.agents.current("A1")).idle_since == clock()
    assert (await service.contact("c1"))["state"] == "completed"


async def test_complete_before_accept_is_refused(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    rid = (await service.submit(new_contact(clock))).offer.reservation_id  # type: ignore[union-attr]
    with pytest.raises(RoutingError) as raised:
        await service.complete(rid)
    assert raised.value.code == "reservation_not_accepted"


async def test_rejected_offer_goes_to_another_agent(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    await add_agent(service, "A2")
    offer = (await service.submit(new_contact(clock))).offer
    assert offer is not None
    await service.reject(offer.reservation_id)
    assert await service.dispatch() == 1
    record = await service.contact("c1")
    assert record["state"] == "offered" and record["agent"] != offer.agent_id
    assert record["excluded"] == offer.agent_id


async def test_offer_not_accepted_in_time_is_rerouted(service: RoutingService, clock: Clock,
                                                      redis_client: Redis) -> None:
    await add_agent(service, "A1")
    await add_agent(service, "A2")
    offer = (await service.submit(new_contact(clock))).offer
    assert offer is not None
    clock.advance(19)
    assert await service.expire_due() == 0
    clock.advance(2)
    assert await service.expire_due() == 1
    assert await load_of(redis_client, service, offer.agent_id) == 0
    await service.dispatch()
    assert (await service.contact("c1"))["agent"] not in ("", offer.agent_id)


async def test_accept_after_the_deadline_is_refused_and_rerouted(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    rid = (await service.submit(new_contact(clock))).offer.reservation_id  # type: ignore[union-attr]
    clock.advance(21)
    with pytest.raises(RoutingError) as raised:
        await service.accept(rid)
    assert raised.value.code == "reservation_expired"
    assert (await service.contact("c1"))["state"] == "queued"


async def test_agent_is_set_away_after_consecutive_misses(make_service: Callable[..., RoutingService],
                                                          clock: Clock) -> None:
    withdrawn: list[Withdrawal] = []

    async def on_withdraw(w: Withdrawal) -> None:
        withdrawn.append(w)

    service = make_service(on_withdraw=on_withdraw)
    await service.sync()
    await service.agents.put_skill("billing")
    await add_agent(service, "A1", capacity={"chat": 5})
    for i in range(2):
        await service.submit(new_contact(clock, f"c{i}"))
    clock.advance(21)
    assert await service.expire_due() == 2
    assert (await service.agents.current("A1")).status is AgentStatus.AWAY
    assert [w.agent_set_away for w in withdrawn] == [False, True]


async def test_becoming_available_forgives_misses(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    await service.submit(new_contact(clock))
    clock.advance(21)
    await service.expire_due()
    await service.agents.set_status("A1", AgentStatus.AVAILABLE)
    assert (await service.agents.view("A1")).misses == 0


async def test_waiting_contact_is_routed_when_a_slot_frees(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1", capacity={"chat": 1})
    rid = (await service.submit(new_contact(clock, "c1"))).offer.reservation_id  # type: ignore[union-attr]
    assert (await service.submit(new_contact(clock, "c2"))).offer is None
    await service.accept(rid)
    await service.complete(rid)
    assert await service.dispatch() == 1
    assert (await service.contact("c2"))["state"] == "offered"
    assert (await service.queue_snapshot("default"))["size"] == 0


async def test_a_background_pass_with_nothing_due_or_waiting_is_one_round_trip(service: RoutingService,
                                                                             clock: Clock) -> None:
    await add_agent(service, "A1")
    before = service.store.commands.exchanges
    await service.background_pass()
    assert service.store.commands.exchanges - before == 1


async def test_a_background_pass_offers_a_waiting_contact_to_an_agent_who_became_free(
        service: RoutingService, clock: Clock) -> None:
    assert (await service.submit(new_contact(clock, "c1"))).offer is None
    await add_agent(service, "A1")
    assert (await service.contact("c1"))["state"] == "queued"
    await service.background_pass()
    record = await service.contact("c1")
    assert record["state"] == "offered" and record["agent"] == "A1"


async def test_a_background_pass_reroutes_the_contact_of_an_offer_it_expires(service: RoutingService,
                                                                            clock: Clock) -> None:
    await add_agent(service, "A1")
    await add_agent(service, "A2")
    offer = (await service.submit(new_contact(clock))).offer
    assert offer is not None
    clock.advance(21)
    await service.background_pass()
    record = await service.contact("c1")
    assert record["state"] == "offered" and record["agent"] not in ("", offer.agent_id)


async def test_relaxation_routes_a_waiting_contact_after_its_wait(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1", skills={"billing": 3}, groups=("sales",))
    contact = new_contact(clock, required_skills={"billing": 4}, queue="sales")
    assert (await service.submit(contact)).offer is None
    clock.advance(31)
    assert await service.dispatch() == 1
    decisions = await service.store.recent_decisions(1)
    assert decisions[0]["step"] == 1 and decisions[0]["agent"] == "A1"


async def test_contact_waits_for_its_busy_last_agent(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "L", groups=("sales",), capacity={"chat": 1})
    await add_agent(service, "O", groups=("sales",))
    first = await service.submit(new_contact(clock, "c1", queue="sales", last_agent_id="L"))
    assert first.offer is not None and first.offer.agent_id == "L"
    held = await service.submit(new_contact(clock, "c2", queue="sales", last_agent_id="L"))
    assert held.offer is None and "holding for last agent L" in held.decision.reason
    await service.accept(first.offer.reservation_id)
    await service.complete(first.offer.reservation_id)
    await service.dispatch()
    assert (await service.contact("c2"))["agent"] == "L"


async def test_cancel_removes_a_waiting_contact(service: RoutingService, clock: Clock) -> None:
    await service.submit(new_contact(clock))
    await service.cancel("c1")
    assert (await service.contact("c1"))["state"] == "cancelled"
    assert (await service.queue_snapshot("default"))["size"] == 0


async def test_cancel_of_an_offered_contact_frees_the_slot(service: RoutingService, redis_client: Redis,
                                                           clock: Clock) -> None:
    await add_agent(service, "A1")
    await service.submit(new_contact(clock))
    await service.cancel("c1")
    assert await load_of(redis_client, service, "A1") == 0
    assert (await service.agents.view("A1")).reservations == []


async def test_profile_update_keeps_load_and_drops_removed_skills(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1", skills={"billing": 3, "tech": 2})
    await service.submit(new_contact(clock))
    await service.agents.put("A1", skills={"tech": 4}, languages=["en"], capacity={"chat": 2})
    agent = await service.agents.current("A1")
    assert (agent.skills, agent.load, agent.capacity) == ({"tech": 4}, {"chat": 1}, {"chat": 2})
    assert agent.status is AgentStatus.AVAILABLE


async def test_agent_with_reservations_cannot_be_removed(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    await service.submit(new_contact(clock))
    with pytest.raises(RoutingError) as raised:
        await service.agents.remove("A1")
    assert raised.value.code == "agent_busy"


async def test_other_workers_mirror_follows_announced_changes(
        service: RoutingService, make_service: Callable[..., RoutingService], clock: Clock) -> None:
    other = make_service()
    await other.start()
    try:
        await add_agent(service, "A1")
        for _ in range(100):
            if other.mirror.index.get("A1") is not None:
                break
            await asyncio.sleep(0.02)
        assert other.mirror.index.get("A1") is not None
        await service.agents.set_status("A1", AgentStatus.AWAY)
        for _ in range(100):
            if other.mirror.index.get("A1").status is AgentStatus.AWAY:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.02)
        assert other.mirror.index.get("A1").status is AgentStatus.AWAY  # type: ignore[union-attr]
    finally:
        await other.stop()


async def test_background_loop_expires_and_redispatches(make_service: Callable[..., RoutingService],
                                                        clock: Clock) -> None:
    service = make_service()
    await service.start()
    try:
        await service.agents.put_skill("billing")
        await add_agent(service, "A1")
        await add_agent(service, "A2")
        offer = (await service.submit(new_contact(clock))).offer
        assert offer is not None
        clock.advance(25)
        for _ in range(100):
            record = await service.contact("c1")
            if record["state"] == "offered" and record["agent"] != offer.agent_id:
                break
            await asyncio.sleep(0.02)
        assert record["agent"] not in ("", offer.agent_id)
    finally:
        await service.stop()


async def test_contact_no_agent_can_take_does_not_block_those_behind(service: RoutingService,
                                                                     clock: Clock) -> None:
    await add_agent(service, "A1", capacity={"voice": 1}, status=AgentStatus.BUSY)
    await service.submit(new_contact(clock, "chat-first", priority=90))
    await service.submit(new_contact(clock, "voice-second", channel="voice"))
    await service.agents.set_status("A1", AgentStatus.AVAILABLE)
    assert await service.dispatch() == 1
    assert (await service.contact("voice-second"))["state"] == "offered"
    assert (await service.contact("chat-first"))["state"] == "queued"


async def test_stop_ends_the_background_tasks_while_events_arrive(
        service: RoutingService, make_service: Callable[..., RoutingService]) -> None:
    for i in range(6):
        other = make_service()
        await other.start()
        await add_agent(service, f"A{i}")
        await asyncio.sleep(0.02)
        await service.agents.set_status(f"A{i}", AgentStatus.AWAY)  # an event racing the stop
        started = time.perf_counter()
        await other.stop()
        assert time.perf_counter() - started < 1.0
