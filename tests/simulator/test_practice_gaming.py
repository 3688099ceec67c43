"""The score measures what the trainee's words and actions did, not which phrases they used.

Margins (seed 7, every scenario; `.venv/bin/python bench/practice_bench.py` prints the table): the good run scores
89-97; keyword-stuffed is at least 25 points below it, a formula of sorry-understand-I'll-sort-it varied at
every turn at least 8, silent-but-correct at least 17, empathy without resolution at least 50; the
paraphrased good run is within 0.5 points. The asserted margins leave room.
"""

from __future__ import annotations

import pytest

from simulator.practice.events import AgentEvent
from simulator.practice.library import SCENARIOS
from simulator.practice.persona import WORDS_HEADROOM, advance, start
from simulator.practice.replay import replay
from simulator.practice.rubric import WEIGHTS
from simulator.practice.scripts import ScriptName, scripted_events
from simulator.practice.signals import Signal

BILLING = SCENARIOS["angry_billing_dispute"]
MARGINS: dict[ScriptName, float] = {"stuffed": 20.0, "formulaic": 6.0, "silent": 15.0, "empathy_only": 40.0}


def score(name: str, script: ScriptName, seed: int = 7) -> float:
    scenario = SCENARIOS[name]
    return replay(scenario, seed, scripted_events(scenario, script)).debrief.score


def said(*lines: str, close: str | None = None) -> list[AgentEvent]:
    events = [AgentEvent(kind="utterance", at=10.0 * (i + 1), text=line) for i, line in enumerate(lines)]
    return events + ([AgentEvent(kind="close", at=10.0 * (len(lines) + 1), outcome=close)] if close else [])


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("gamer", list(MARGINS))
def test_a_gaming_trainee_scores_clearly_below_a_real_good_run(name: str, gamer: ScriptName) -> None:
    assert score(name, "good") - score(name, gamer) >= MARGINS[gamer]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_good_run_in_other_words_scores_within_five_points(name: str) -> None:
    assert abs(score(name, "paraphrased") - score(name, "good")) <= 5.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_margins_hold_whatever_the_customer_says(seed: int) -> None:
    good = score("cancellation_threat", "good", seed)
    assert all(good - score("cancellation_threat", g, seed) >= m for g, m in MARGINS.items())


def test_the_same_soft_skill_turn_after_turn_costs_communication() -> None:
    twice = replay(BILLING, 1, said("I'm sorry.", "My apologies.")).debrief
    five = replay(BILLING, 1, said("I'm sorry.", "My apologies.", "Sorry again.", "I apologise.", "So sorry.")).debrief
    assert "overused 3x" in next(c.note for c in five.rubric if c.name == "communication")
    assert "overused" not in next(c.note for c in twice.rubric if c.name == "communication")


def test_okay_thanks_does_not_calm_an_angry_customer() -> None:
    assert advance(BILLING, start(BILLING), text="Okay, thanks.").delta <= 0


def test_stacking_every_soft_phrase_into_one_turn_earns_nothing() -> None:
    step = advance(BILLING, start(BILLING), text=("I'm sorry, I understand how frustrating that is, I'll take "
                                                    "care of it, take your time, leave it with me."))
    assert Signal.STACKED in step.signals and step.delta < 0


def test_one_turn_of_words_earns_no_more_than_a_sincere_sentence() -> None:
    one = advance(BILLING, start(BILLING), text="I'm so sorry you've been charged twice.")
    three = advance(BILLING, start(BILLING), text=("I'm so sorry you've been charged twice. That sounds "
                                                     "infuriating. I'll sort it myself."))
    assert three.delta <= one.delta + 0.06


def test_the_same_apology_is_worth_less_each_time() -> None:
    state, deltas = start(BILLING), []
    for line in ("I'm sorry about that.", "I do apologise.", "Really sorry."):
        step = advance(BILLING, state, text=line)
        deltas.append(step.delta)
        state = step.after
    assert deltas[0] > deltas[1] > deltas[2]


def test_trust_lost_to_blame_makes_a_later_apology_worth_less() -> None:
    blamed = advance(BILLING, start(BILLING), text="You should have checked your statement.").after
    fresh = advance(BILLING, start(BILLING), text="I'm so sorry about the double charge.").delta
    after_blame = advance(BILLING, blamed, text="I'm so sorry about the double charge.").delta
    assert blamed.trust < start(BILLING).trust and after_blame < fresh


def test_words_alone_cannot_lift_the_customer_far_before_the_goal_is_met() -> None:
    lines = ("I'm so sorry.", "That sounds awful.", "I'll take care of it.", "The charge was a system error.",
             "You'll hear from us soon.", "I understand completely.", "I really do apologise.")
    result = replay(BILLING, 1, said(*lines))
    assert max(result.moods) <= BILLING.persona.start_mood + WORDS_HEADROOM + 1e-9


def test_a_promised_refund_never_made_is_a_broken_promise() -> None:
    promise = "I'll refund the 35.00 to your card today."
    kept = said(promise) + [AgentEvent(kind="action", at=20, action="verify_identity"),
                            AgentEvent(kind="action", at=30, action="offer_refund_small", fields={"amount": 35}),
                            AgentEvent(kind="close", at=40, outcome="resolved")]
    broken = said(promise, close="unresolved")
    assert replay(BILLING, 1, broken).debrief.broken_promises == ("a refund",)
    assert replay(BILLING, 1, kept).debrief.broken_promises == ()


def test_saying_it_is_sorted_before_it_is_costs_mood_and_counts_as_a_false_claim() -> None:
    step = advance(BILLING, start(BILLING), text="That's all sorted now.")
    assert Signal.FALSE_CLAIM in step.signals and step.delta < 0


def test_closing_as_resolved_when_the_goal_is_not_met_is_a_false_resolution() -> None:
    result = replay(BILLING, 1, said("I'm sorry about that.", close="resolved")).debrief
    assert result.false_resolution and result.false_claims == 1


def test_no_handle_time_score_after_the_customer_hung_up() -> None:
    bad = replay(BILLING, 7, scripted_events(BILLING, "bad")).debrief
    assert bad.outcome == "abandoned"
    assert next(c.score for c in bad.rubric if c.name == "handle_time") == 0.0


def test_a_trainer_weighting_shifts_the_score() -> None:
    events = scripted_events(BILLING, "silent")
    default = replay(BILLING, 7, events).debrief.score
    words_heavy = replay(BILLING, 7, events, weights=dict(WEIGHTS, communication=0.6)).debrief.score
    assert words_heavy < default


def test_rubric_weights_that_name_an_unknown_criterion_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        replay(BILLING, 7, [], weights=dict(WEIGHTS, charm=0.1))

