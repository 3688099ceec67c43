"""Properties of the pure decision code over random agents, contacts and policies (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.engine import (
    AgentState,
    AgentStatus,
    Contact,
    QueuePolicy,
    RelaxationStep,
    ScoreWeights,
    decide,
    queue_order,
    relaxation,
)
from routing.index import AgentIndex

NOW = 50_000.0
SKILLS = ["a", "b", "c", "d"]
CHANNELS = ["chat", "voice"]
LEVELS = st.integers(1, 5)
STEPS = (RelaxationStep(20, proficiency_delta=1), RelaxationStep(40, drop_preferred=True),
         RelaxationStep(60, proficiency_delta=2, overflow_group="g2"))


SKILL_MAP = st.dictionaries(st.sampled_from(SKILLS), LEVELS)
CAPACITY = st.dictionaries(st.sampled_from(CHANNELS), st.integers(0, 3))
LOAD = st.dictionaries(st.sampled_from(CHANNELS), st.integers(0, 4))
LANGUAGES = st.frozensets(st.sampled_from(["en", "es"]))
GROUPS = st.frozensets(st.sampled_from(["g1", "g2"]))
STATUSES = st.sampled_from(list(AgentStatus))
IDLE = st.sampled_from([0, 5, 30, 30, 600, 3600])


@st.composite
def agents(draw: st.DrawFn) -> list[AgentState]:
    result = []
    for i in range(draw(st.integers(0, 12))):
        capacity = draw(CAPACITY)
        load = draw(LOAD)
        result.append(AgentState(
            agent_id=f"a{i}", skills=draw(SKILL_MAP), languages=draw(LANGUAGES), capacity=capacity,
            load={ch: min(n, capacity[ch] + 1) for ch, n in load.items() if ch in capacity}, status=draw(STATUSES),
            status_since=NOW - 1000, idle_since=NOW - draw(IDLE), groups=draw(GROUPS),
        ))
    return result


IDS = [f"a{i}" for i in range(12)]
CONTACT_SKILLS = st.dictionaries(st.sampled_from(SKILLS), LEVELS, max_size=2)


contacts = st.builds(
    Contact,
    contact_id=st.sampled_from(["c1", "c2", "c3"]),
    channel=st.sampled_from(CHANNELS),
    required_skills=CONTACT_SKILLS,
    preferred_skills=CONTACT_SKILLS,
    language=st.sampled_from([None, "en", "es"]),
    priority=st.integers(0, 100),
    customer_id=st.none(),
    arrived_at=st.sampled_from([NOW, NOW - 10, NOW - 25, NOW - 45, NOW - 70]),
    last_agent_id=st.one_of(st.none(), st.sampled_from(IDS)),
    excluded_agents=st.frozensets(st.sampled_from(IDS), max_size=3),
)


policies = st.builds(
    QueuePolicy, name=st.just("q"), steps=st.sampled_from([(), STEPS]),
    sticky_seconds=st.sampled_from([0.0, 30.0]), group=st.sampled_from([None, "g1"]),
    sticky_hold=st.booleans(), explain_limit=st.sampled_from([1, 3, 10]),
    weights=st.sampled_from([ScoreWeights(), ScoreWeights(proficiency=2.0, idle=0.5, load=1.5, sticky=3.0)]),
)


def _indexed(pool: list[AgentState]) -> AgentIndex:
    index = AgentIndex(size_hint=4)
    for a in pool:
        index.upsert(a)
    return index


@settings(max_examples=200, deadline=None)
@given(pool=agents(), contact=contacts, policy=policies)
def test_no_assignment_breaks_a_hard_rule(pool: list[AgentState], contact: Contact, policy: QueuePolicy) -> None:
    decision = decide(contact, pool, policy, NOW)
    if decision.agent_id is None:
        return
    chosen = next(a for a in pool if a.agent_id == decision.agent_id)
    rules = relaxation(policy, decision.step)
    assert chosen.status is AgentStatus.AVAILABLE
    assert chosen.load.get(contact.channel, 0) < chosen.capacity.get(contact.channel, 0)
    assert contact.language is None or contact.language in chosen.languages
    assert chosen.agent_id not in contact.excluded_agents
    for skill, level in contact.required_skills.items():
        assert chosen.skills.get(skill, 0) >= max(1, level - rules.proficiency_delta)
    if rules.pool_groups is not None:
        assert chosen.groups & rules.pool_groups


@settings(max_examples=200, deadline=None)
@given(pool=agents(), contact=contacts, policy=policies)
def test_index_candidates_decide_like_every_agent(pool: list[AgentState], contact: Contact,
                                                  policy: QueuePolicy) -> None:
    assert decide(contact, _indexed(pool).candidates(contact, policy, NOW), policy, NOW) == \
        decide(contact, pool, policy, NOW)


@settings(max_examples=200, deadline=None)
@given(pool=agents(), contact=contacts, policy=policies)
def test_index_shortlist_decides_like_every_agent(pool: list[AgentState], contact: Contact,
                                                  policy: QueuePolicy) -> None:
    shortlist, eligible = _indexed(pool).shortlist(contact, policy, NOW)
    full = decide(contact, pool, policy, NOW)
    assert replace(decide(contact, shortlist, policy, NOW), eligible=eligible) == full


@settings(max_examples=300, deadline=None)
@given(pool=agents(), contact=contacts, policy=policies)
def test_index_decides_like_the_engine_on_every_agent(pool: list[AgentState], contact: Contact,
                                                     policy: QueuePolicy) -> None:
    assert _indexed(pool).decide(contact, policy, NOW) == decide(contact, pool, policy, NOW)


@settings(max_examples=100, deadline=None)
@given(pool=agents(), contact=contacts, policy=policies)
def test_index_follows_updates(pool: list[AgentState], contact: Contact, policy: QueuePolicy) -> None:
    index = _indexed(pool)
    for a in pool[::2]:
        index.remove(a.agent_id)
    for a in pool[1::3]:
        index.upsert(replace(a, status=AgentStatus.AVAILABLE, load={}))
    current = [index.get(a.agent_id) for a in pool if a.agent_id in index]
    assert decide(contact, index.candidates(contact, policy, NOW), policy, NOW) == \
        decide(contact, [a for a in current if a is not None], policy, NOW)


@settings(max_examples=60)
@given(st.lists(contacts, max_size=20))
def test_queue_order_is_a_sorted_permutation(items: list[Contact]) -> None:
    ordered = queue_order(items)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    keys = [(-c.priority, c.arrived_at) for c in ordered]
    assert keys == sorted(keys)
