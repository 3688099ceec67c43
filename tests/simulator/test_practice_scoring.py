"""The debrief: scripted good and bad trainees far apart, and each rubric criterion doing its job."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulator.practice.events import AgentEvent
from simulator.practice.library import SCENARIOS
from simulator.practice.replay import replay
from simulator.practice.rubric import WEIGHTS
from simulator.practice.scripts import SCRIPTS, scripted_events

BILLING = SCENARIOS["angry_billing_dispute"]


def criterion(result, name: str) -> float:  # type: ignore[no-untyped-def]
    return next(c.score for c in result.debrief.rubric if c.name == name)


def test_the_library_has_the_eight_scenarios_with_both_scripts() -> None:
    assert set(SCENARIOS) == {"angry_billing_dispute", "repeated_outage", "refund_above_policy",
                              "cancellation_threat", "vulnerable_customer", "abusive_customer",
                              "identity_verification_failure", "channel_switch_mid_issue"}
    assert set(SCRIPTS) == set(SCENARIOS)


def test_rubric_weights_sum_to_one() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_good_and_bad_trainees_score_far_apart(name: str) -> None:
    scenario = SCENARIOS[name]
    good = replay(scenario, 7, scripted_events(scenario, "good")).debrief
    bad = replay(scenario, 7, scripted_events(scenario, "bad")).debrief
    assert good.score >= 85 and bad.score <= 40
    assert good.outcome == "resolved" and bad.outcome != "resolved"


def test_the_good_trainee_de_escalates() -> None:
    result = replay(BILLING, 7, scripted_events(BILLING, "good"))
    assert result.debrief.mood_end > result.debrief.mood_start + 0.4


def test_turning_points_name_the_blame_and_the_goal() -> None:
    bad = replay(BILLING, 7, scripted_events(BILLING, "bad")).debrief
    good = replay(BILLING, 7, scripted_events(BILLING, "good")).debrief
    assert any("blame" in tp.why for tp in bad.turning_points)
    assert any(tp.kind == "goal" and tp.said == "[offer_refund_small]" for tp in good.turning_points)


def test_closing_as_resolved_without_meeting_the_goal_scores_no_resolution() -> None:
    events = [AgentEvent(kind="utterance", at=10, text="I'm sorry about that."),
              AgentEvent(kind="close", at=20, outcome="resolved")]
    result = replay(BILLING, 1, events)
    assert criterion(result, "resolution") == 0.0


def test_escalating_when_the_customer_demands_a_supervisor_earns_partial_resolution() -> None:
    impatient = replace(BILLING, persona=replace(BILLING.persona, patience=2))
    events = [AgentEvent(kind="utterance", at=10, text="Our records show the payment was taken."),
              AgentEvent(kind="utterance", at=20, text="The billing system is updated overnight."),
              AgentEvent(kind="action", at=30, action="escalate_supervisor"),
              AgentEvent(kind="close", at=40, outcome="escalated")]
    result = replay(impatient, 1, events)
    assert result.transcript[4].moment == "demand_supervisor"
    assert criterion(result, "resolution") == 0.5


def test_each_violation_costs_policy_compliance() -> None:
    one = [AgentEvent(kind="action", at=10, action="offer_plan_change")]
    two = one + [AgentEvent(kind="action", at=20, action="offer_retention_discount")]
    assert criterion(replay(BILLING, 1, one), "policy_compliance") > criterion(replay(BILLING, 1, two),
                                                                             "policy_compliance")


def test_guidance_use_counts_prompts_followed_and_ignored() -> None:
    shown = [AgentEvent(kind="prompt", at=0, action="verify_identity"),
             AgentEvent(kind="prompt", at=0, action="apologise_acknowledge")]
    followed = shown + [AgentEvent(kind="action", at=5, action="verify_identity"),
                        AgentEvent(kind="utterance", at=9, text="I'm sorry for the trouble.")]
    assert criterion(replay(BILLING, 1, followed), "guidance_use") == 1.0
    assert criterion(replay(BILLING, 1, shown), "guidance_use") == 0.0


def test_dismissing_a_wrong_prompt_counts_as_good_use() -> None:
    outage = SCENARIOS["repeated_outage"]
    events = [AgentEvent(kind="prompt", at=0, action="send_knowledge_article"),
              AgentEvent(kind="feedback", at=2, action="send_knowledge_article", verdict="dismissed")]
    assert criterion(replay(outage, 1, events), "guidance_use") == 1.0


def test_handle_time_past_the_target_costs_points() -> None:
    quick = [AgentEvent(kind="close", at=BILLING.target_seconds - 1, outcome="unresolved")]
    slow = [AgentEvent(kind="close", at=BILLING.target_seconds * 2, outcome="unresolved")]
    assert criterion(replay(BILLING, 1, quick), "handle_time") == 1.0
    assert criterion(replay(BILLING, 1, slow), "handle_time") == 0.5


def test_asking_the_customer_to_repeat_costs_customer_effort() -> None:
    plain = [AgentEvent(kind="utterance", at=5, text="Our records show the payment was taken.")]
    ask = [AgentEvent(kind="utterance", at=5, text="Can you explain the problem from the beginning?")]
    assert criterion(replay(BILLING, 1, ask), "customer_effort") < criterion(replay(BILLING, 1, plain),
                                                                             "customer_effort")


def test_a_scenario_with_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown actions"):
        replace(BILLING, hints=("teleport_customer",))
