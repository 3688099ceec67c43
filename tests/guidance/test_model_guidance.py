"""The adapter: a live journey becomes the same feature row as history; model prompts; rules as fallback."""

from __future__ import annotations

import numpy as np
import pytest

from assist.customers.masking import PROFILING_FIELDS
from assist.customers.schemas import CustomerView
from assist.guidance.interface import GuidanceInput
from assist.guidance.model import ABSTAINED_NOTE, ModelGuidance, journey_context, temperament_detector
from assist.guidance.rules import RuleGuidance
from assist.journeys.state import Handler, JourneyState, Turn
from models.context import PROFILING_FIELDS as models_profiling_fields
from models.context import served_history
from models.features import CONTEXT_COLUMNS, feature_matrix
from models.scorer import Scorer
from tests.models.trained import logged_context_model, saved_model, small_history


def live_input(**journey_fields) -> GuidanceInput:
    journey = JourneyState(id="J1", customer_id="C1", reason="refund",
                           steps_done=["identity_verified", "apologise_acknowledge"],
                           collected={"refund_amount": 80, "order_value": 120.0, "wait_seconds": 30},
                           handled_by=[Handler(agent_id="A1", channel="chat", session_id="S0"),
                                       Handler(agent_id="A2", channel="phone", session_id="S1")],
                           transcript=[Turn(channel="phone", speaker="customer", text="This is ridiculous!"),
                                       Turn(channel="phone", speaker="agent", text="I'm sorry, let me check")],
                           **journey_fields)
    customer = CustomerView(id="C1", segment="value", tenure_months=30, lifetime_value=900.0, churn_risk=0.4,
                            vulnerable=False, consent={"marketing": True, "profiling": True})
    return GuidanceInput(journey=journey, customer=customer, channel="phone", refund_limit=50.0,
                         latest=journey.transcript[0])


def test_live_journey_and_the_equivalent_history_row_as_served_give_the_same_features():
    temperament_detector().classifier()  # trained: the event path does not wait for it
    context = journey_context(live_input())  # the CRM sent order value and wait, nothing else
    assert context["temperament"] == "angry"  # "This is ridiculous!", confidently
    assert set(CONTEXT_COLUMNS) <= set(context)
    row = small_history().head(1).copy()
    for column, value in {"reason": "refund", "channel": "phone", "plan": "premium", "temperament": "angry",
                          "previous_action": "apologise_acknowledge", "segment": "value", "tenure_months": 30,
                          "lifetime_value": 900.0, "churn_risk": 0.4, "vulnerable": False,
                          "consent_marketing": True, "journey_step": 1, "identity_verified": True,
                          "apology_given": True, "prior_contacts_30d": 3, "open_complaint": False,
                          "order_value": 120.0, "refund_amount": 80.0, "refund_limit": 50.0,
                          "wait_seconds": 30.0, "sentiment": context["sentiment"], "consent_profiling": True}.items():
        row.loc[0, column] = value
    # the words' temperament is served as it was heard, as a CRM's would be
    served = served_history(row, crm_fields=("order_value", "wait_seconds", "temperament"))
    np.testing.assert_array_equal(feature_matrix(context), feature_matrix(served))
    assert context["sentiment"] < -0.3


def test_facts_no_crm_event_supplied_are_unknown_not_zero():
    given = live_input()
    given.journey.collected = {"refund_amount": 80, "wait_seconds": "soon"}
    given.journey.transcript = []  # no words: no temperament heard either
    context = journey_context(given)
    assert context["plan"] is None and context["temperament"] is None
    assert all(np.isnan(context[c]) for c in ("prior_contacts_30d", "order_value", "wait_seconds"))


def test_training_hides_the_profiling_fields_the_service_withholds_without_consent():
    assert set(models_profiling_fields) == set(PROFILING_FIELDS)


def test_model_prompt_carries_source_version_reasons_guardrails_articles_and_checklist(tmp_path):
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)))
    [prompt] = guidance.evaluate(live_input())
    assert (prompt.source, prompt.model_version, prompt.degraded) == ("model", "v1", False)
    assert prompt.reasons and prompt.action not in ("offer_refund_small", "offer_refund_large")
    assert len(prompt.articles) == 3 and prompt.articles[0].score > 0
    assert [i.id for i in prompt.checklist][0] == "verify_identity" and prompt.checklist[0].done


def test_the_prompts_reasons_say_why_the_shown_action_beats_the_runner_up(tmp_path):
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)), suggestions=2)
    shown, runner_up = guidance.evaluate(live_input())
    assert shown.reasons and all(r.versus == runner_up.action for r in shown.reasons)
    assert all(" over " in r.text and r.text.endswith(" pts)") for r in shown.reasons)


def test_actions_already_shown_are_not_suggested_again(tmp_path):
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)))
    first = guidance.evaluate(live_input())[0].action
    again = live_input().model_copy(update={"already_shown": frozenset([first])})
    assert guidance.evaluate(again)[0].action != first


def test_no_model_registered_means_rules_as_the_baseline_not_degraded():
    prompts = ModelGuidance(RuleGuidance()).evaluate(live_input())
    assert prompts and all(p.source == "rules" and not p.degraded for p in prompts)


def test_promoted_model_that_failed_to_load_gives_degraded_rules():
    guidance = ModelGuidance(RuleGuidance(), None, expected=True)
    prompts = guidance.evaluate(live_input())
    assert prompts and all(p.source == "rules" and p.degraded for p in prompts)


def test_a_model_failing_on_a_request_falls_back_to_flagged_rules(tmp_path):
    scorer = Scorer.load(saved_model(tmp_path))

    def broken(*args, **kwargs):
        raise RuntimeError("corrupt booster")

    scorer.row_values = broken  # type: ignore[method-assign]
    prompts = ModelGuidance(RuleGuidance(), scorer).evaluate(live_input())
    assert prompts and all(p.source == "rules" and p.degraded for p in prompts)


def test_served_rows_feed_the_drift_monitor(tmp_path):
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)))
    assert guidance.drift() is None
    for _ in range(5):
        guidance.evaluate(live_input())
    report = guidance.drift()
    assert report is not None and report.rows == 5 and "reason" in report.alerts


def test_previous_action_reads_steps_recorded_under_their_own_name():
    given = live_input()
    given.journey.steps_done = ["apologise_acknowledge", "identity_verified", "refund_requested"]
    assert journey_context(given)["previous_action"] == "verify_identity"
    given.journey.steps_done = []
    assert journey_context(given)["previous_action"] is None


def unknown_caller(reason: str = "refund") -> GuidanceInput:
    """A caller the session matched to no single customer (unknown or ambiguous), not yet verified."""
    given = live_input()
    journey = given.journey.model_copy(update={"reason": reason, "steps_done": [], "customer_id": None})
    return given.model_copy(update={"journey": journey, "customer": None})


@pytest.mark.parametrize("reason", ["refund", "billing_dispute", "cancel"])
def test_an_unidentified_caller_is_asked_to_verify_first_by_the_model_as_by_the_rules(tmp_path, reason):
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)))
    first = guidance.evaluate(unknown_caller(reason))[0]
    assert (first.action, first.title, first.source) == ("verify_identity", "Verify identity first", "model")
    assert first.guardrails[0] == "caller not identified: verify identity before anything else"
    assert RuleGuidance().evaluate(unknown_caller(reason))[0].action == "verify_identity"


def test_the_models_own_suggestion_follows_the_identity_check_with_its_reasons(tmp_path):
    guidance = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path)), suggestions=2)
    check, then = guidance.evaluate(unknown_caller("outage"))
    assert check.action == "verify_identity" and then.action != "verify_identity"
    assert check.reasons and check.confidence > 0


def with_customer(**fields) -> GuidanceInput:
    given = live_input()
    return given.model_copy(update={"customer": given.customer.model_copy(update=fields)})


def with_reason(reason: str) -> GuidanceInput:
    given = live_input()
    return given.model_copy(update={"journey": given.journey.model_copy(update={"reason": reason})})


@pytest.mark.parametrize(("given", "unknown", "lie"), [
    (with_customer(tenure_months=1_000_000), "unknown to the model: tenure 1,000,000 months is far outside", "83333"),
    (with_customer(churn_risk=3.0), "unknown to the model: churn risk 300% is far outside", "300%"),
    (with_reason("warranty_claim"), "unknown to the model: contact reason 'warranty claim'", "warranty"),
], ids=["tenure of a million months", "churn risk 300%", "unknown contact reason"])
def test_an_input_far_outside_the_training_data_is_named_and_the_rules_answer(tmp_path, given, unknown, lie):
    [first, *_] = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path))).evaluate(given)
    assert (first.source, first.degraded) == ("rules", False)
    assert any(n.startswith(unknown) for n in first.guardrails) and first.guardrails[-1] == ABSTAINED_NOTE
    assert not any(lie in r.text for r in first.reasons)


def test_a_churn_risk_withheld_without_profiling_consent_is_a_known_unknown_with_no_nan_in_the_reasons(tmp_path):
    [prompt] = ModelGuidance(RuleGuidance(), Scorer.load(saved_model(tmp_path))).evaluate(
        with_customer(churn_risk=None))
    assert prompt.source == "model" and not any("churn" in n for n in prompt.guardrails)
    assert not any("nan" in r.text for r in prompt.reasons)


def test_a_churn_risk_missing_where_the_model_always_knew_it_is_named_and_gives_no_reason():
    [prompt] = ModelGuidance(RuleGuidance(), Scorer(logged_context_model())).evaluate(with_customer(churn_risk=None))
    assert "unknown to the model: churn risk (it always knew it in training)" in prompt.guardrails
    assert not any(r.feature == "churn_risk" or "nan" in r.text for r in prompt.reasons)
