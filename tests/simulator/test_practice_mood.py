"""The persona's mood model: what raises it, what lowers it, and when the customer escalates."""

from __future__ import annotations

from dataclasses import replace

from simulator.practice.library import SCENARIOS
from simulator.practice.persona import PersonaState, Step, advance, start
from simulator.practice.scenario import Scenario, Trigger
from simulator.practice.signals import Signal

BILLING = SCENARIOS["angry_billing_dispute"]


def said(text: str, scenario: Scenario = BILLING, state: PersonaState | None = None) -> Step:
    return advance(scenario, state or start(scenario), text=text)


def did(action: str, scenario: Scenario = BILLING, state: PersonaState | None = None, **fields: object) -> Step:
    return advance(scenario, state or start(scenario), action=action, fields=fields)


def test_apology_raises_mood() -> None:
    assert said("I'm so sorry about this.").delta > 0


def test_empathy_raises_mood() -> None:
    assert said("I understand how frustrating that must be.").delta > 0


def test_ownership_raises_mood() -> None:
    assert said("Leave it with me, I'll sort this out myself.").delta > 0


def test_blame_lowers_mood() -> None:
    assert said("You should have checked your statement.").delta < 0


def test_repeating_yourself_lowers_mood_more_than_saying_it_once() -> None:
    line = "Our records show the payment was taken on the first."
    first = said(line)
    second = advance(BILLING, first.after, text=line)
    assert Signal.REPETITION in second.signals
    assert second.delta < first.delta


def test_wrong_policy_lowers_mood_and_is_a_violation() -> None:
    step = did("offer_retention_discount")
    assert step.delta < 0
    assert [v.code for v in step.violations] == ["forbidden"]


def test_policy_correct_offer_raises_mood_and_meets_the_goal() -> None:
    verified = did("verify_identity").after
    step = did("offer_refund_small", state=verified, amount=35)
    assert step.delta >= 0.2
    assert step.goal_reached and step.after.goal_met


def test_an_account_action_before_verification_is_a_violation_and_resolves_nothing() -> None:
    step = did("offer_refund_small", amount=35)
    assert [v.code for v in step.violations] == ["unverified"]
    assert not step.after.goal_met


def test_a_refund_above_the_trainees_limit_is_a_violation() -> None:
    scenario = SCENARIOS["refund_above_policy"]
    verified = did("verify_identity", scenario=scenario).after
    step = did("offer_refund_large", scenario=scenario, state=verified, amount=180)
    assert "over_limit" in [v.code for v in step.violations]


def test_above_the_limit_asking_a_supervisor_resolves() -> None:
    scenario = SCENARIOS["refund_above_policy"]
    verified = did("verify_identity", scenario=scenario).after
    assert did("escalate_supervisor", scenario=scenario, state=verified).goal_reached


def test_within_a_higher_limit_the_refund_itself_resolves() -> None:
    scenario = SCENARIOS["refund_above_policy"]
    verified = advance(scenario, start(scenario), action="verify_identity", refund_limit=500).after
    step = advance(scenario, verified, action="offer_refund_large", fields={"amount": 180}, refund_limit=500)
    assert step.goal_reached and not step.violations


def test_apologies_wear_out() -> None:
    state = start(BILLING)
    deltas = []
    for text in ("I'm sorry.", "Sorry again about the charge.", "So sorry for this mess.", "I do apologise, truly."):
        step = advance(BILLING, state, text=text)
        deltas.append(step.delta)
        state = step.after
    assert deltas[0] > deltas[1] > deltas[2] > 0 > deltas[3]


def test_a_turn_without_progress_costs_patience_and_a_costly_one_costs_more() -> None:
    neutral = said("Our records show the payment was taken.")
    blaming = said("You should have checked your statement.")
    assert neutral.after.patience == BILLING.persona.patience - 1
    assert blaming.after.patience == BILLING.persona.patience - 2


def test_reactivity_scales_falls() -> None:
    calm = replace(BILLING, persona=replace(BILLING.persona, reactivity=1.0))
    assert said("You should have checked.", scenario=BILLING).delta < said("You should have checked.",
                                                                           scenario=calm).delta


def test_a_vulnerable_customer_feels_sales_pressure_far_more() -> None:
    vulnerable = SCENARIOS["vulnerable_customer"]
    pitch = "While I have you, our premium package would save you money."
    assert said(pitch, scenario=vulnerable).delta < 2 * said(pitch).delta


def test_setting_a_boundary_calms_an_abusive_customer() -> None:
    abusive = SCENARIOS["abusive_customer"]
    assert said("I'm here to help, but please keep this respectful.", scenario=abusive).delta >= 0.1


def test_asking_to_repeat_after_a_channel_switch_hurts_twice_as_much() -> None:
    switched = SCENARIOS["channel_switch_mid_issue"]
    ask = "Can you explain the problem from the beginning?"
    assert said(ask, scenario=switched).delta < said(ask).delta


def test_running_out_of_patience_fires_the_supervisor_demand() -> None:
    state = replace(start(BILLING), patience=1)
    step = advance(BILLING, state, text="Our records show the payment was taken.")
    assert step.reaction == "demand_supervisor"


def test_a_trigger_fires_only_once() -> None:
    state = replace(start(BILLING), patience=1)
    first = advance(BILLING, state, text="Our records show the payment was taken.")
    second = advance(BILLING, first.after, text="The system shows it was taken twice.")
    assert first.fired and not second.fired


def test_mood_below_the_floor_hangs_up_and_nothing_moves_after() -> None:
    state = replace(start(BILLING), mood=-0.9)
    step = said("Calm down, it's your own fault.", state=state)
    assert step.reaction == "hang_up" and step.after.ended
    assert advance(BILLING, step.after, text="I'm so sorry!").delta == 0


def test_a_scenario_trigger_on_violations() -> None:
    strict = replace(BILLING, triggers=(Trigger("violations", "threaten_complaint", 1),))
    assert did("offer_retention_discount", scenario=strict).reaction == "threaten_complaint"


def test_mood_stays_within_bounds() -> None:
    state = replace(start(BILLING), mood=-0.99)
    assert said("Don't be stupid, calm down, you should have read it.", state=state).after.mood == -1.0
