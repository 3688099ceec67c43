"""Occupancy per queue: the slots in use on a queue's contacts over the agents staffed for it, on a floor whose
figures are worked out by hand; agents in several queues count in each."""

from __future__ import annotations

import pytest

from assist.supervision.floor import floor_view
from assist.supervision.occupancy import queue_occupancy, queue_work
from routing.engine import AgentState, AgentStatus, QueuePolicy
from tests.supervision.test_floor import route_the_hour, routing

__all__ = ["routing"]  # the fixture, imported to be found

POLICIES = {"billing": QueuePolicy(name="billing", required_skills=(("billing", 1),)),
            "sales": QueuePolicy(name="sales", group="sales"),
            "default": QueuePolicy()}


def agent(agent_id: str, skills: dict[str, int], capacity: dict[str, int], groups: tuple[str, ...] = (),
          status: AgentStatus = AgentStatus.AVAILABLE) -> AgentState:
    return AgentState(agent_id=agent_id, skills=skills, languages=frozenset({"en"}), capacity=capacity, load={},
                      status=status, status_since=0.0, idle_since=0.0, groups=frozenset(groups))


FLOOR = [
    agent("A1", {"billing": 2}, {"chat": 2}),                                   # billing
    agent("A2", {"billing": 1}, {"chat": 2, "voice": 1}, groups=("sales",)),    # billing and sales: shared
    agent("A3", {}, {"voice": 1}, groups=("sales",)),                           # sales
    agent("A4", {"billing": 3}, {"chat": 1}, groups=("sales",), status=AgentStatus.AWAY),
    agent("A5", {}, {"chat": 1}),                                               # neither, but serving billing
]
WORK = {"A1": [("billing", "chat")],
        "A2": [("billing", "chat"), ("sales", "voice")],
        "A5": [("billing", "chat")]}


def test_a_queue_s_occupancy_is_its_slots_in_use_over_the_agents_staffed_for_it():
    occupancy = queue_occupancy(["billing", "sales", "default"], POLICIES, FLOOR, WORK)
    # A2 holds 1/2 (a chat of 2) + 1/1 (a call) = 1.5 of their slots: scaled to 1, billing 1/3 and sales 2/3.
    # billing: A1 1/2, A2 1/3, A5 1 (relaxed onto them, so staffed for it now) over A1, A2, A5; A4 is away.
    assert occupancy["billing"][0] == pytest.approx((1 / 2 + 1 / 3 + 1) / 3)
    assert occupancy["billing"][1] == 3
    # sales: A2 2/3 over A2 and A3 (the sales group).
    assert occupancy["sales"] == (pytest.approx((2 / 3) / 2), 2)
    # default takes everyone staffed and none of these contacts is its own.
    assert occupancy["default"] == (0.0, 4)


def test_a_queue_nobody_is_staffed_for_has_no_occupancy_rather_than_zero():
    alone = [agent("A1", {}, {"chat": 1})]
    assert queue_occupancy(["sales"], POLICIES, alone, {}) == {"sales": (None, 0)}


def test_an_agent_away_counts_in_no_queue_even_holding_a_contact():
    away = [agent("A4", {"billing": 3}, {"chat": 1}, status=AgentStatus.AWAY)]
    assert queue_occupancy(["billing"], POLICIES, away, {"A4": [("billing", "chat")]}) == {"billing": (None, 0)}


async def test_routed_contacts_are_read_as_each_agent_s_queue_and_channel(routing):
    await route_the_hour(routing)
    work = await queue_work(routing.store, ["A1", "A2", "A3", "A4"])
    assert work == {"A1": [("default", "chat")], "A2": [("default", "chat")]}


async def test_the_floor_view_shows_each_queue_s_occupancy_and_staffed(app, routing):
    await route_the_hour(routing)
    service = app.state.session_service
    floor = await floor_view(routing, app.state.db, service.sessions, service.journeys)
    by_queue = {q.queue: q for q in floor.queues}
    # default: A1 and A2 each hold their one chat slot, A3 holds nothing; A4 is away.
    assert (by_queue["default"].occupancy, by_queue["default"].staffed) == (pytest.approx(2 / 3), 3)
    # sales routes to its group only, and nobody is in it.
    assert (by_queue["sales"].occupancy, by_queue["sales"].staffed) == (None, 0)
