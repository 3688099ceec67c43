from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from simulator.world import demo_population
from simulator.world.catalog import CHANNELS, CONSENT_PURPOSES, REASON_STEPS, REASONS
from simulator.world.demo import OUTCOMES, DemoPopulation


@pytest.fixture(scope="module")
def demo() -> DemoPopulation:
    return demo_population(7)


def test_default_sizes(demo: DemoPopulation) -> None:
    assert len(demo.customers) == 300
    assert len(demo.agents) == 12
    assert len(demo.interactions) > 300
    assert 10 <= len(demo.journeys) <= 100


def test_same_seed_gives_the_same_population() -> None:
    assert demo_population(3, 50, 6) == demo_population(3, 50, 6)
    assert demo_population(3, 50, 6) != demo_population(4, 50, 6)


def test_customers_have_contact_details_and_consent_per_purpose(demo: DemoPopulation) -> None:
    for c in demo.customers:
        assert " " in c.name and "@example." in c.email and c.phone.startswith("+")
        assert datetime.strptime(c.date_of_birth, "%Y-%m-%d")
        assert c.account_number.startswith("AC") and c.address
        assert set(c.consent) == set(CONSENT_PURPOSES)
        assert 0 <= c.churn_risk <= 1 and c.tenure_months >= 0 and c.preferred_channel in CHANNELS
    assert len({c.customer_id for c in demo.customers}) == 300
    assert len({c.email for c in demo.customers}) == 300


def test_interactions_span_channels_with_known_outcomes(demo: DemoPopulation) -> None:
    known = {c.customer_id for c in demo.customers}
    assert {i.channel for i in demo.interactions} == set(CHANNELS)
    for i in demo.interactions:
        assert i.customer_id in known and i.reason in REASONS and i.intent == i.reason
        assert i.outcome in OUTCOMES
        assert i.csat is None or 1 <= i.csat <= 5
        assert i.started_at.tzinfo is not None and i.started_at <= i.ended_at <= demo.as_of
        assert (i.agent_id is None) == (i.outcome == "abandoned")
        assert i.summary


def test_open_journeys_have_done_and_pending_steps(demo: DemoPopulation) -> None:
    for j in demo.journeys:
        assert j.status == "open" and j.steps_done and j.pending_steps
        assert j.steps_done + j.pending_steps == list(REASON_STEPS[j.reason])
        contacts = [i for i in demo.interactions if i.journey_id == j.journey_id]
        assert contacts and {i.channel for i in contacts} == set(j.channels)


def test_agents_have_skills_languages_channels_and_limits(demo: DemoPopulation) -> None:
    assert [a.agent_id for a in demo.agents] == [f"A{i}" for i in range(1, 13)]
    assert demo.agents[0].role == "agent"
    assert {a.role for a in demo.agents} == {"agent", "supervisor"}
    for a in demo.agents:
        assert a.skills and all(1 <= level <= 5 for level in a.skills.values())
        assert a.languages and a.channels and all(n >= 1 for n in a.channels.values())
        assert a.refund_limit >= (500 if a.role == "supervisor" else 50)


def test_everything_converts_to_plain_dicts(demo: DemoPopulation) -> None:
    record = dataclasses.asdict(demo.customers[0])
    assert isinstance(record["consent"], dict)
    assert dataclasses.asdict(demo.agents[0])["skills"]


def test_dates_follow_as_of() -> None:
    as_of = datetime(2030, 6, 1, tzinfo=UTC)
    demo = demo_population(1, 20, 3, as_of=as_of)
    assert max(i.ended_at for i in demo.interactions) <= as_of
    assert min(i.started_at for i in demo.interactions).year >= 2029


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError):
        demo_population(1, 5, 2, as_of=datetime(2030, 1, 1))
