"""Submitting a contact against the real Redis: one atomic script on one Redis node, the duplicate guard
then the commit on a cluster-shaped store (``single_node_scripts=False``), and the same outcomes either way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from routing.errors import RoutingError
from routing.service import RoutingService
from routing.state import StoreSettings
from tests.routing.conftest import Clock, add_agent, new_contact, snapshot


@pytest.fixture(params=[True, False], ids=["one-step", "two-step"])
async def service(request: pytest.FixtureRequest, make_service: Callable[..., RoutingService]) -> RoutingService:
    svc = make_service(store_settings=StoreSettings(single_node_scripts=request.param))
    await svc.sync()
    await svc.agents.put_skill("billing")
    return svc


def exchanges(service: RoutingService) -> int:
    return service.store.commands.exchanges


async def make_mirror_stale(service: RoutingService, redis_client: Redis, agent_id: str) -> None:
    """Fill the agent's only chat slot behind this worker's back, as another worker would."""
    key = service.store.agent_key(agent_id)
    await redis_client.hset(key, "n:chat", 1)
    await redis_client.hincrby(key, "version", 1)


async def test_submit_on_one_redis_node_takes_one_round_trip(service: RoutingService, clock: Clock) -> None:
    await add_agent(service, "A1")
    before = exchanges(service)
    routed = await service.submit(new_contact(clock))
    assert routed.offer is not None
    assert exchanges(service) - before == (1 if service.store.single_node_scripts else 2)


async def test_duplicate_contact_changes_nothing_stored(service: RoutingService, redis_client: Redis,
                                                       prefix: str, clock: Clock) -> None:
    await add_agent(service, "A1", capacity={"chat": 3})
    await service.submit(new_contact(clock))
    before = await snapshot(redis_client, prefix)
    with pytest.raises(RoutingError) as raised:
        await service.submit(new_contact(clock, required_skills={"billing": 1}))
    assert raised.value.code == "duplicate_contact"
    assert await snapshot(redis_client, prefix) == before


async def test_duplicate_of_a_queued_contact_changes_nothing_stored(
        service: RoutingService, redis_client: Redis, prefix: str, clock: Clock) -> None:
    await service.submit(new_contact(clock))
    before = await snapshot(redis_client, prefix)
    with pytest.raises(RoutingError):
        await service.submit(new_contact(clock))
    assert await snapshot(redis_client, prefix) == before


async def test_refused_reservation_goes_to_the_next_agent(service: RoutingService, redis_client: Redis,
                                                          clock: Clock) -> None:
    await add_agent(service, "A1", skills={"billing": 5}, capacity={"chat": 1})
    await add_agent(service, "A2", skills={"billing": 2}, capacity={"chat": 1})
    await make_mirror_stale(service, redis_client, "A1")
    routed = await service.submit(new_contact(clock))
    assert routed.offer is not None and routed.offer.agent_id == "A2"
    assert await redis_client.hget(service.store.agent_key("A1"), "n:chat") == "1"
    assert (await service.contact("c1"))["state"] == "offered"


async def test_refusal_corrects_the_mirror_without_another_round_trip(
        service: RoutingService, redis_client: Redis, clock: Clock) -> None:
    await add_agent(service, "A1", skills={"billing": 5}, capacity={"chat": 1})
    await add_agent(service, "A2", skills={"billing": 2}, capacity={"chat": 1})
    await make_mirror_stale(service, redis_client, "A1")
    before = exchanges(service)
    await service.submit(new_contact(clock))
    assert exchanges(service) - before == (2 if service.store.single_node_scripts else 3)
    assert service.mirror.index.get("A1").load == {"chat": 1}  # type: ignore[union-attr]


async def test_refused_everywhere_means_queued(service: RoutingService, redis_client: Redis,
                                               clock: Clock) -> None:
    await add_agent(service, "A1", capacity={"chat": 1})
    await make_mirror_stale(service, redis_client, "A1")
    routed = await service.submit(new_contact(clock))
    assert routed.offer is None and routed.position == 0
    assert (await service.contact("c1"))["state"] == "queued"


async def test_offer_is_logged_with_its_reservation_and_candidates(service: RoutingService,
                                                                   clock: Clock) -> None:
    await add_agent(service, "A1")
    routed = await service.submit(new_contact(clock))
    (logged,) = await service.store.recent_decisions(5)
    assert routed.offer is not None
    assert (logged["contact"], logged["agent"], logged["reservation"]) == ("c1", "A1", routed.offer.reservation_id)
    assert logged["eligible"] == 1 and logged["candidates"][0][0] == "A1"
    assert logged["reason"] == "best score at step 0"


async def test_contact_nobody_can_take_is_queued_and_logged(service: RoutingService, clock: Clock) -> None:
    routed = await service.submit(new_contact(clock))
    assert (routed.position, routed.estimated_wait_seconds) == (0, float("inf"))
    assert (await service.contact("c1"))["state"] == "queued"
    (logged,) = await service.store.recent_decisions(5)
    assert (logged["agent"], logged["reservation"]) == (None, None)
    assert logged["reason"].startswith("no eligible agent")


async def test_queued_contact_is_dispatched_when_an_agent_arrives(service: RoutingService, clock: Clock) -> None:
    await service.submit(new_contact(clock))
    await add_agent(service, "A1")
    assert await service.dispatch() == 1
    assert (await service.contact("c1"))["agent"] == "A1"


async def test_refused_attempt_is_logged_with_its_reason_on_one_node(service: RoutingService, redis_client: Redis,
                                                                     clock: Clock) -> None:
    await add_agent(service, "A1", skills={"billing": 5}, capacity={"chat": 1})
    await add_agent(service, "A2", skills={"billing": 2}, capacity={"chat": 1})
    await make_mirror_stale(service, redis_client, "A1")
    await service.submit(new_contact(clock))
    offered, refused = await service.store.recent_decisions(5)
    assert (offered["agent"], "refused" in offered) == ("A2", False)
    if service.store.single_node_scripts:
        assert (refused["agent"], refused["refused"]) == ("A1", "capacity")


async def test_routing_a_contact_that_moved_on_is_a_conflict(service: RoutingService, redis_client: Redis,
                                                             prefix: str, clock: Clock) -> None:
    await service.submit(new_contact(clock))
    await service.cancel("c1")
    await add_agent(service, "A1")
    before = await snapshot(redis_client, prefix)
    with pytest.raises(RoutingError) as raised:
        await service.route(new_contact(clock), "queued")
    assert raised.value.code == "contact_conflict"
    if service.store.single_node_scripts:  # on a cluster the slot is taken, then given back
        assert await snapshot(redis_client, prefix) == before
