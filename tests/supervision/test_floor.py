"""The live floor view: queue figures from a routed set of contacts (real routing on the real Redis, a clock
moved by hand) checked against values worked out by hand, occupancy, and agents by name with their contacts."""

from __future__ import annotations

import uuid

import pytest

from assist.auth.principal import Principal, Role
from assist.sessions.events import handle_event
from assist.sessions.schemas import OfferRequest
from assist.stores.redis import open_client
from assist.stores.tables import Agent
from assist.stream.protocol import EventData
from assist.supervision.floor import floor_view, natural_key, queue_figures
from models.language.sentiment import sentiment
from routing.engine import AgentStatus
from routing.records import Offer
from routing.service import RoutingConfig, RoutingService
from tests.assist.records import add_customer
from tests.routing.conftest import POLICIES, Clock, add_agent, delete_prefix, key_builder, new_contact

T0 = 1_700_000_000.0


@pytest.fixture
async def routing(redis_url):
    client = open_client(redis_url)
    prefix = f"fl{uuid.uuid4().hex[:10]}"
    clock = Clock(T0)
    service = RoutingService(client, key_builder(prefix), config=RoutingConfig(policies=POLICIES), clock=clock)
    await service.sync()
    await service.agents.put_skill("billing")
    await service.agents.put_skill("tech")
    offers: list[Offer] = []

    async def offered(offer: Offer) -> None:
        offers.append(offer)

    service.on_offer = offered
    service.offers = offers  # type: ignore[attr-defined]
    yield service
    await delete_prefix(client, prefix)
    await client.aclose()


async def route_the_hour(routing: RoutingService) -> None:
    """Four contacts in queue ``default`` (A1 and A2 take billing chats, one at a time; A3 is staffed for tech,
    A4 is away):

    - c1 arrives at 0 s, offered to A1 at once, accepted at 5 s: answered after 5 s;
    - c2 arrives at 0 s, waits (A1 is full) until A2 comes at 30 s, accepted at 40 s: answered after 40 s;
    - c3 arrives at 10 s and hangs up at 50 s: abandoned;
    - c4 arrives at 60 s and still waits at 100 s.
    """
    clock = routing.clock
    await add_agent(routing, "A1", capacity={"chat": 1})
    await add_agent(routing, "A3", skills={"tech": 3}, capacity={"chat": 2})
    await add_agent(routing, "A4", capacity={"chat": 1}, status=AgentStatus.AWAY)
    c1 = await routing.submit(new_contact(clock, "c1"))
    assert c1.offer is not None and c1.offer.agent_id == "A1"
    assert (await routing.submit(new_contact(clock, "c2"))).offer is None
    clock.advance(5)
    await routing.accept(c1.offer.reservation_id)
    clock.advance(5)
    assert (await routing.submit(new_contact(clock, "c3"))).offer is None
    clock.advance(20)  # 30 s
    await add_agent(routing, "A2", capacity={"chat": 1})
    await routing.dispatch()
    [c2] = [o for o in routing.offers if o.contact.contact_id == "c2"]  # type: ignore[attr-defined]
    clock.advance(10)  # 40 s
    await routing.accept(c2.reservation_id)
    clock.advance(10)  # 50 s
    await routing.cancel("c3")
    clock.advance(10)  # 60 s
    assert (await routing.submit(new_contact(clock, "c4"))).offer is None
    clock.advance(40)  # 100 s


def test_queue_figures_follow_the_traffic_report_definitions():
    log = [{"queue": "q", "arrived": 0.0, "outcome": "answered", "at": 10.0},
           {"queue": "q", "arrived": 0.0, "outcome": "answered", "at": 30.0},
           {"queue": "q", "arrived": 5.0, "outcome": "abandoned", "at": 65.0},
           {"queue": "q", "arrived": -7200.0, "outcome": "answered", "at": -7100.0}]  # before the window
    [q] = queue_figures(log, {"q": [90.0]}, now=100.0, window_seconds=3600, sl_seconds=20)
    assert (q.offered, q.answered, q.abandoned, q.waiting) == (4, 2, 1, 1)
    assert q.service_level == pytest.approx(1 / 4)
    assert q.service_level_answered == pytest.approx(1 / 2)
    assert q.asa_seconds == pytest.approx(20.0)
    assert q.abandonment == pytest.approx(1 / 4)
    assert q.longest_wait_seconds == pytest.approx(10.0)


def test_a_queue_with_nothing_offered_has_no_rates_rather_than_zero():
    [q] = queue_figures([], {}, now=100.0, window_seconds=3600, sl_seconds=20, queues=["quiet"])
    assert (q.offered, q.service_level, q.asa_seconds, q.abandonment) == (0, None, None, None)


def test_names_sort_as_people_count():
    assert sorted(["A10", "A2", "a1", "B1"], key=natural_key) == ["a1", "A2", "A10", "B1"]


async def test_floor_figures_of_a_routed_hour_match_the_hand_computed_ones(app, routing):
    await route_the_hour(routing)
    service = app.state.session_service
    floor = await floor_view(routing, app.state.db, service.sessions, service.journeys, sl_seconds=20)
    default = next(q for q in floor.queues if q.queue == "default")
    assert (default.offered, default.answered, default.abandoned, default.waiting) == (4, 2, 1, 1)
    assert default.service_level == pytest.approx(1 / 4)            # c1 only, of 4 offered
    assert default.service_level_answered == pytest.approx(1 / 2)   # c1 of c1, c2
    assert default.asa_seconds == pytest.approx((5 + 40) / 2)
    assert default.abandonment == pytest.approx(1 / 4)
    assert default.longest_wait_seconds == pytest.approx(40.0)      # c4, waiting since 60 s
    assert floor.staffed == 3                                       # A1, A2, A3; A4 is away
    assert floor.occupancy == pytest.approx((1 + 1 + 0) / 3)


async def test_agents_are_listed_by_name_with_status_and_current_contact(app, routing):
    await route_the_hour(routing)
    db = app.state.db
    await add_customer(db, "C1")
    async with db.session() as s:
        for agent_id in ("A1", "A2", "A3", "A4", "A10"):
            s.add(Agent(id=agent_id, name=agent_id, channels={"chat": 3}))
    service = app.state.session_service
    agent = Principal(subject="A1", role=Role.AGENT)
    state = await service.offer(OfferRequest(agent_id="A1", channel="chat", reason="refund",
                                             identifiers={"email": "jane.doe@example.com"}))
    await service.accept(agent, state.id)
    await handle_event(service, agent, EventData(session_id=state.id, kind="utterance", speaker="customer",
                                                 text="This is ridiculous, I am furious!"))
    floor = await floor_view(routing, db, service.sessions, service.journeys)
    assert [a.agent_id for a in floor.agents] == ["A1", "A2", "A3", "A4", "A10"]
    by_id = {a.agent_id: a for a in floor.agents}
    assert [by_id[a].status for a in ("A1", "A3", "A4", "A10")] == ["available", "available", "away", "not_routed"]
    assert (by_id["A1"].occupancy, by_id["A3"].occupancy) == (1.0, 0.0)
    [contact] = by_id["A1"].contacts
    assert (contact.session_id, contact.channel, contact.reason) == (state.id, "chat", "refund")
    said = "This is ridiculous, I am furious!"
    assert contact.sentiment == pytest.approx(round(sentiment(said), 2)) and contact.sentiment < -0.5
    assert by_id["A2"].contacts == []
