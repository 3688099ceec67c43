"""The pure decision rules, one behaviour per test (no I/O)."""

from __future__ import annotations

import pytest

from routing.engine import (
    AgentState,
    AgentStatus,
    Contact,
    QueuePolicy,
    RelaxationStep,
    ScoreWeights,
    current_step,
    decide,
    eligibility_failure,
    estimate_wait,
    queue_order,
    relaxation,
)

NOW = 10_000.0


def agent(agent_id: str = "A", *, skills: dict[str, int] | None = None, languages: tuple[str, ...] = ("en",),
          capacity: dict[str, int] | None = None, load: dict[str, int] | None = None,
          status: AgentStatus = AgentStatus.AVAILABLE, idle_since: float = NOW - 60,
          groups: tuple[str, ...] = ()) -> AgentState:
    return AgentState(agent_id, {"billing": 3} if skills is None else skills, frozenset(languages),
                      {"chat": 3} if capacity is None else capacity, load or {}, status, NOW - 600, idle_since,
                      frozenset(groups))


def contact(*, required: dict[str, int] | None = None, preferred: dict[str, int] | None = None,
            language: str | None = "en", channel: str = "chat", priority: int = 0, waited: float = 0.0,
            last_agent_id: str | None = None, excluded: tuple[str, ...] = (), contact_id: str = "c1") -> Contact:
    return Contact(contact_id, channel, {"billing": 3} if required is None else required, preferred or {},
                   language, priority, "cust", NOW - waited, last_agent_id, "q", frozenset(excluded))


STEPS = (RelaxationStep(30, proficiency_delta=1), RelaxationStep(60, drop_preferred=True),
         RelaxationStep(90, overflow_group="overflow"))
POLICY = QueuePolicy("q")


def test_agent_meeting_every_filter_is_assigned() -> None:
    assert decide(contact(), [agent("A")], POLICY, NOW).agent_id == "A"


def test_required_skill_below_minimum_is_ineligible() -> None:
    decision = decide(contact(required={"billing": 4}), [agent(skills={"billing": 3})], POLICY, NOW)
    assert decision.agent_id is None


def test_missing_required_skill_is_ineligible() -> None:
    assert eligibility_failure(agent(skills={"tech": 5}), contact(), relaxation(POLICY, 0)) == "skill:billing"


def test_language_mismatch_is_ineligible() -> None:
    assert eligibility_failure(agent(languages=("fr",)), contact(language="en"), relaxation(POLICY, 0)) == "language"


def test_contact_without_language_accepts_any_speaker() -> None:
    assert decide(contact(language=None), [agent(languages=("fr",))], POLICY, NOW).agent_id == "A"


def test_full_channel_is_ineligible() -> None:
    assert decide(contact(), [agent(capacity={"chat": 2}, load={"chat": 2})], POLICY, NOW).agent_id is None


def test_capacity_is_counted_per_channel() -> None:
    busy_on_voice = agent(capacity={"chat": 2, "voice": 1}, load={"voice": 1})
    assert decide(contact(channel="chat"), [busy_on_voice], POLICY, NOW).agent_id == "A"
    assert decide(contact(channel="voice"), [busy_on_voice], POLICY, NOW).agent_id is None


def test_agent_not_staffed_on_channel_is_ineligible() -> None:
    assert decide(contact(channel="voice"), [agent(capacity={"chat": 3})], POLICY, NOW).agent_id is None


@pytest.mark.parametrize("status", [AgentStatus.BUSY, AgentStatus.AFTER_CONTACT_WORK, AgentStatus.AWAY])
def test_agent_not_available_is_ineligible(status: AgentStatus) -> None:
    assert decide(contact(), [agent(status=status)], POLICY, NOW).agent_id is None


def test_excluded_agent_is_ineligible() -> None:
    assert decide(contact(excluded=("A",)), [agent("A"), agent("B")], POLICY, NOW).agent_id == "B"


def test_queue_group_limits_the_pool() -> None:
    policy = QueuePolicy("q", group="sales")
    decision = decide(contact(), [agent("A", idle_since=0), agent("B", groups=("sales",))], policy, NOW)
    assert decision.agent_id == "B"


def test_higher_proficiency_wins() -> None:
    pool = [agent("A", skills={"billing": 3}), agent("B", skills={"billing": 5})]
    assert decide(contact(), pool, POLICY, NOW).agent_id == "B"


def test_longest_idle_wins_among_equal_skill() -> None:
    pool = [agent("A", idle_since=NOW - 10), agent("B", idle_since=NOW - 300)]
    assert decide(contact(), pool, POLICY, NOW).agent_id == "B"


def test_less_loaded_agent_wins() -> None:
    pool = [agent("A", load={"chat": 2}), agent("B", load={"chat": 1})]
    assert decide(contact(), pool, POLICY, NOW).agent_id == "B"


def test_exact_tie_goes_to_smallest_agent_id() -> None:
    assert decide(contact(), [agent("B"), agent("A")], POLICY, NOW).agent_id == "A"


def test_score_weights_change_the_winner() -> None:
    pool = [agent("A", skills={"billing": 5}, idle_since=NOW - 1), agent("B", skills={"billing": 3}, idle_since=0)]
    assert decide(contact(), pool, POLICY, NOW).agent_id == "B"
    skill_first = QueuePolicy("q", weights=ScoreWeights(proficiency=10.0))
    assert decide(contact(), pool, skill_first, NOW).agent_id == "A"


def test_steps_in_force_follow_waiting_time() -> None:
    policy = QueuePolicy("q", steps=STEPS)
    assert [current_step(policy, w) for w in (0, 29.9, 30, 60, 89, 90, 1000)] == [0, 0, 1, 2, 2, 3, 3]


def test_proficiency_relaxation_applies_after_its_wait() -> None:
    policy = QueuePolicy("q", steps=STEPS)
    assert decide(contact(required={"billing": 4}, waited=29), [agent()], policy, NOW).agent_id is None
    relaxed = decide(contact(required={"billing": 4}, waited=31), [agent()], policy, NOW)
    assert (relaxed.agent_id, relaxed.step) == ("A", 1)


def test_relaxed_minimum_never_drops_below_holding_the_skill() -> None:
    policy = QueuePolicy("q", steps=(RelaxationStep(0, proficiency_delta=4),))
    assert decide(contact(required={"billing": 1}), [agent(skills={"tech": 5})], policy, NOW).agent_id is None


def test_strict_match_is_preferred_to_a_relaxed_one() -> None:
    policy = QueuePolicy("q", steps=STEPS)
    pool = [agent("weak", skills={"billing": 3}, idle_since=0), agent("fit", skills={"billing": 4}, idle_since=NOW)]
    decision = decide(contact(required={"billing": 4}, waited=45), pool, policy, NOW)
    assert (decision.agent_id, decision.step) == ("fit", 0)


def test_preferred_skills_filter_until_a_step_drops_them() -> None:
    policy = QueuePolicy("q", steps=STEPS)
    pool = [agent(skills={"billing": 3})]
    assert decide(contact(preferred={"tech": 2}, waited=59), pool, policy, NOW).agent_id is None
    dropped = decide(contact(preferred={"tech": 2}, waited=61), pool, policy, NOW)
    assert (dropped.agent_id, dropped.step) == ("A", 2)


def test_preferred_skills_still_score_after_they_are_dropped() -> None:
    policy = QueuePolicy("q", steps=(RelaxationStep(0, drop_preferred=True),))
    pool = [agent("A", idle_since=NOW - 100), agent("B", skills={"billing": 3, "tech": 5}, idle_since=NOW - 100)]
    assert decide(contact(preferred={"tech": 4}), pool, policy, NOW).agent_id == "B"


def test_overflow_group_joins_the_pool_after_its_wait() -> None:
    policy = QueuePolicy("q", group="sales", steps=STEPS)
    pool = [agent("O", groups=("overflow",))]
    assert decide(contact(waited=89), pool, policy, NOW).agent_id is None
    assert decide(contact(waited=91), pool, policy, NOW).agent_id == "O"


def test_relaxation_steps_accumulate() -> None:
    rules = relaxation(QueuePolicy("q", group="sales", steps=STEPS), 3)
    assert (rules.proficiency_delta, rules.drop_preferred, rules.pool_groups) == (1, True, {"sales", "overflow"})


def test_policy_refuses_unordered_steps() -> None:
    with pytest.raises(ValueError):
        QueuePolicy("q", steps=(RelaxationStep(60), RelaxationStep(30)))


def test_last_agent_wins_within_sticky_window() -> None:
    policy = QueuePolicy("q", sticky_seconds=30)
    pool = [agent("A", idle_since=0), agent("L", idle_since=NOW)]
    decision = decide(contact(last_agent_id="L"), pool, policy, NOW)
    assert decision.agent_id == "L" and decision.candidates[0].sticky == 1.0


def test_last_agent_has_no_pull_after_sticky_window() -> None:
    policy = QueuePolicy("q", sticky_seconds=30)
    pool = [agent("A", idle_since=0), agent("L", idle_since=NOW)]
    assert decide(contact(last_agent_id="L", waited=31), pool, policy, NOW).agent_id == "A"


def test_contact_waits_for_busy_last_agent_within_window() -> None:
    policy = QueuePolicy("q", sticky_seconds=30)
    pool = [agent("A"), agent("L", load={"chat": 3})]
    decision = decide(contact(last_agent_id="L"), pool, policy, NOW)
    assert decision.agent_id is None and "holding for last agent L" in decision.reason


def test_contact_does_not_wait_for_away_last_agent() -> None:
    policy = QueuePolicy("q", sticky_seconds=30)
    assert decide(contact(last_agent_id="L"), [agent("A"), agent("L", status=AgentStatus.AWAY)],
                  policy, NOW).agent_id == "A"


def test_no_hold_when_policy_does_not_hold() -> None:
    policy = QueuePolicy("q", sticky_seconds=30, sticky_hold=False)
    pool = [agent("A"), agent("L", load={"chat": 3})]
    assert decide(contact(last_agent_id="L"), pool, policy, NOW).agent_id == "A"


def test_decision_lists_best_candidates_first_up_to_the_limit() -> None:
    pool = [agent(f"A{i}", idle_since=NOW - i) for i in range(20)]
    decision = decide(contact(), pool, QueuePolicy("q", explain_limit=5), NOW)
    assert decision.eligible == 20 and len(decision.candidates) == 5
    assert [c.agent_id for c in decision.candidates] == ["A19", "A18", "A17", "A16", "A15"]
    assert all(a.score >= b.score for a, b in zip(decision.candidates, decision.candidates[1:], strict=False))


def test_candidate_parts_make_up_the_score() -> None:
    c = decide(contact(), [agent(load={"chat": 1})], POLICY, NOW).candidates[0]
    assert (c.proficiency, c.idle, c.load) == (0.6, 0.5, pytest.approx(2 / 3))
    assert c.score == pytest.approx(0.6 + 0.5 + 0.5 * 2 / 3)


def test_no_eligible_agent_means_wait_with_a_reason() -> None:
    decision = decide(contact(), [], POLICY, NOW)
    assert decision.agent_id is None and decision.reason.startswith("no eligible agent")


def test_queue_order_is_priority_then_arrival() -> None:
    early_low = contact(contact_id="early_low", waited=50)
    late_vip = contact(contact_id="late_vip", priority=90, waited=1)
    early_vip = contact(contact_id="early_vip", priority=90, waited=40)
    ordered = queue_order([early_low, late_vip, early_vip])
    assert [c.contact_id for c in ordered] == ["early_vip", "late_vip", "early_low"]


def test_wait_estimate_grows_with_position_and_shrinks_with_servers() -> None:
    assert estimate_wait(0, 10, 300.0) == 30.0
    assert estimate_wait(9, 10, 300.0) == 300.0
    assert estimate_wait(0, 0, 300.0) == float("inf")
