"""The traffic simulation drives the real routing engine: its assignments must respect the engine's rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.traffic import (
    POLICIES,
    Scenario,
    TrafficResult,
    compare_day,
    contact_center_day,
    draw_contacts,
    policy_named,
    simulate,
    summarize,
)
from simulator.world.world import stream


@pytest.fixture(scope="module")
def day() -> Scenario:
    return contact_center_day(agents=60, contacts=6_000, seed=3)


@pytest.fixture(scope="module")
def runs(day: Scenario) -> dict[str, TrafficResult]:
    contacts = draw_contacts(day, stream(3, "arrivals"))
    return {name: simulate(day, policy, 3, contacts=contacts) for name, policy in POLICIES.items()}


def test_no_contact_goes_to_an_agent_without_the_skill_or_language(runs: dict[str, TrafficResult]) -> None:
    for result in runs.values():
        agents, queues = result.scenario.agents, result.scenario.queues
        for i in np.flatnonzero(result.agent >= 0):
            agent, spec = agents[result.agent[i]], queues[result.contacts.queue[i]]
            assert agent.skills.get(spec.skill, 0) >= 1
            assert spec.channel in agent.capacity
            assert spec.language is None or spec.language in agent.languages


def test_tiered_policy_gives_weak_agents_only_contacts_that_waited(runs: dict[str, TrafficResult]) -> None:
    result = runs["tiered"]
    answered = np.flatnonzero(result.agent >= 0)
    agents, queues = result.scenario.agents, result.scenario.queues
    level = np.array([agents[result.agent[i]].skills[queues[result.contacts.queue[i]].skill] for i in answered])
    waited = result.answered_at[answered] - result.contacts.arrival[answered]
    assert (waited[level < 3] >= 15.0 - 1e-9).all()
    assert (waited[level < 2] >= 30.0 - 1e-9).all()
    assert (level < 3).any()


def test_no_agent_holds_more_contacts_than_its_capacity(runs: dict[str, TrafficResult]) -> None:
    result = runs["default"]
    acw = np.array([q.after_contact_work for q in result.scenario.queues])[result.contacts.queue]
    for row, agent in enumerate(result.scenario.agents):
        mine = np.flatnonzero(result.agent == row)
        starts, ends = result.answered_at[mine], result.answered_at[mine] + result.handle[mine] + acw[mine]
        events = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends], key=lambda e: (e[0], e[1]))
        held = np.cumsum([change for _, change in events]) if events else np.array([0])
        assert held.max() <= next(iter(agent.capacity.values()))


def test_agents_take_contacts_only_on_shift(runs: dict[str, TrafficResult]) -> None:
    result = runs["longest_idle"]
    answered = np.flatnonzero(result.agent >= 0)
    start = np.array([a.shift_start for a in result.scenario.agents])[result.agent[answered]]
    end = np.array([a.shift_end for a in result.scenario.agents])[result.agent[answered]]
    assert ((result.answered_at[answered] >= start) & (result.answered_at[answered] < end)).all()


def test_every_contact_is_answered_abandoned_or_left_waiting_once(runs: dict[str, TrafficResult]) -> None:
    for result in runs.values():
        answered, abandoned = ~np.isnan(result.answered_at), ~np.isnan(result.abandoned_at)
        assert not (answered & abandoned).any()
        waited = result.abandoned_at[abandoned] - result.contacts.arrival[abandoned]
        np.testing.assert_allclose(waited, result.contacts.patience[abandoned])
        left = ~answered & ~abandoned
        assert np.isinf(result.contacts.patience[left]).all()


def test_a_policy_that_weighs_proficiency_shortens_handling(runs: dict[str, TrafficResult]) -> None:
    default, idle = summarize(runs["default"]), summarize(runs["longest_idle"])
    assert default.overall.aht < idle.overall.aht


def test_more_agents_answer_faster() -> None:
    fewer, more = compare_day(["default"], [0.9, 1.1], agents=60, contacts=6_000, seed=3)
    assert summarize(more).overall.service_level_all > summarize(fewer).overall.service_level_all
    assert summarize(more).overall.p_abandon < summarize(fewer).overall.p_abandon
    assert len(more.scenario.agents) > len(fewer.scenario.agents)


def test_same_seed_gives_the_same_run(day: Scenario) -> None:
    first = simulate(day, policy_named("default"), 5)
    second = simulate(day, policy_named("default"), 5)
    np.testing.assert_array_equal(first.agent, second.agent)
    np.testing.assert_array_equal(first.answered_at, second.answered_at)


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="known"):
        policy_named("random")


def test_report_service_levels_use_both_definitions(runs: dict[str, TrafficResult]) -> None:
    f = summarize(runs["default"]).overall
    assert f.service_level_all <= f.service_level_answered
    assert f.service_level_all == pytest.approx(f.service_level_answered * f.answered / f.offered)
    assert f.answered + f.abandoned + f.unanswered == f.offered
    assert math.isfinite(f.asa) and f.p_wait > 0
