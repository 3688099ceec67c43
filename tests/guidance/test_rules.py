"""Each guidance rule, alone: when it fires, what it says, and when it stays quiet."""

from __future__ import annotations

from assist.customers.schemas import CustomerView
from assist.guidance.interface import GuidanceInput
from assist.guidance.rules import RuleGuidance
from assist.journeys.state import Handler, JourneyState, Turn


def given(reason: str = "refund", said: str | None = None, steps: list[str] | None = None,
          customer: CustomerView | None = None, collected: dict | None = None, refund_limit: float = 50,
          shown: list[str] | None = None) -> GuidanceInput:
    journey = JourneyState(id="J1", customer_id="C1", reason=reason, steps_done=steps or [],
                           collected=collected or {})
    latest = Turn(channel="chat", speaker="customer", text=said) if said else None
    return GuidanceInput(journey=journey, customer=customer, channel="chat", refund_limit=refund_limit,
                         latest=latest, already_shown=frozenset(shown or ()))


def actions(inp: GuidanceInput) -> list[str]:
    return [p.action for p in RuleGuidance().evaluate(inp)]


def customer(**fields) -> CustomerView:
    values = {"id": "C1", "consent": {"marketing": True, "profiling": True}, "churn_risk": 0.7,
              "tenure_months": 84, "vulnerable": False}
    values.update(fields)
    return CustomerView(**values)


def test_account_reason_without_verified_identity_asks_to_verify_first():
    prompts = RuleGuidance().evaluate(given("billing_dispute"))
    assert prompts[0].action == "verify_identity"


def test_verified_identity_is_not_asked_again():
    assert "verify_identity" not in actions(given("billing_dispute", steps=["identity_verified"]))


def test_angry_customer_gets_acknowledge_and_apologise():
    prompt = next(p for p in RuleGuidance().evaluate(given("outage", said="This is ridiculous, I'm furious!"))
                  if p.action == "apologise_acknowledge")
    assert prompt.reasons[0].feature == "sentiment" and prompt.reasons[0].weight > 0.3


def test_calm_customer_gets_no_apology_prompt():
    assert "apologise_acknowledge" not in actions(given("outage", said="Hi, my internet is down"))


def test_request_for_a_manager_suggests_escalation():
    assert "escalate_supervisor" in actions(given("complaint", said="Put me through to your manager please"))


def test_refund_above_limit_becomes_supervisor_approval_with_guardrail():
    [prompt] = [p for p in RuleGuidance().evaluate(given(collected={"refund_amount": 80}, refund_limit=50,
                                                         steps=["identity_verified"]))]
    assert prompt.action == "escalate_supervisor"
    assert "refund limit" in prompt.guardrails[0]


def test_refund_within_limit_is_offered_directly():
    prompts = RuleGuidance().evaluate(given(collected={"refund_amount": 20}, steps=["identity_verified"]))
    assert [p.action for p in prompts] == ["offer_refund_small"] and prompts[0].guardrails == []


def test_cancel_threat_with_marketing_consent_suggests_retention_offer_with_reasons():
    prompt = next(p for p in RuleGuidance().evaluate(given("cancel", steps=["identity_verified"],
                                                           customer=customer()))
                  if p.action == "offer_retention_discount")
    assert {r.feature for r in prompt.reasons} == {"intent", "churn_risk", "tenure_months"}


def test_no_retention_offer_without_marketing_consent():
    no_consent = customer(consent={"marketing": False, "profiling": True})
    assert "offer_retention_discount" not in actions(given("cancel", steps=["identity_verified"],
                                                           customer=no_consent))


def test_technical_reason_suggests_the_knowledge_article_until_sent():
    assert "send_knowledge_article" in actions(given("outage"))
    assert "send_knowledge_article" not in actions(given("outage", steps=["knowledge_article_sent"]))


def test_vulnerable_customer_gets_care_prompt():
    assert "schedule_callback" in actions(given("outage", customer=customer(vulnerable=True)))


def test_resolution_words_suggest_closing_with_survey():
    assert "close_with_survey" in actions(given("outage", said="Brilliant, that fixed it, thanks"))


def test_actions_already_shown_to_this_agent_are_not_repeated():
    assert actions(given("billing_dispute", shown=["verify_identity"])) == []


def test_prompts_come_best_first():
    prompts = RuleGuidance().evaluate(given("outage", said="Absolutely useless, I'm furious",
                                            customer=customer(vulnerable=True)))
    assert [p.confidence for p in prompts] == sorted((p.confidence for p in prompts), reverse=True)


def test_a_rule_registered_for_one_action_suggests_only_that_action():
    from assist.guidance.rules import SINGLE_ACTION

    inputs = [given("billing_dispute"), given("outage", said="This is ridiculous, I'm furious!"),
              given("complaint", said="Put me through to your manager please"),
              given("cancel", said="I want to cancel", customer=customer()),
              given("technical_issue"), given(customer=customer(vulnerable=True)),
              given("outage", said="that fixed it, thanks"), handed_over()]
    fired = {rule: prompt.action for inp in inputs for rule in SINGLE_ACTION if (prompt := rule(inp)) is not None}
    assert fired == SINGLE_ACTION


def handed_over(note: str = "", by: str = "A1", to: str = "A2") -> GuidanceInput:
    """A refund journey A1 verified and took a request for, now accepted by ``to``."""
    inp = given(steps=["identity_verified", "refund_requested"])
    inp.journey.pending = ["refund_issued"]
    inp.journey.transfer_note = note
    inp.journey.handled_by = [Handler(agent_id=by, channel="chat", session_id="S1"),
                              Handler(agent_id=to, channel="phone", session_id="S2")]
    return inp


def test_an_agent_taking_over_a_journey_is_asked_to_pick_up_with_the_note_and_the_state_as_reasons():
    prompt = next(p for p in RuleGuidance().evaluate(handed_over("issue the 30.00 refund"))
                  if p.action == "review_handoff")
    assert [r.text for r in prompt.reasons] == ["handed over by A1 from chat", "their note: issue the 30.00 refund",
                                                "already done: identity verified, refund requested",
                                                "still to do: refund issued"]


def test_the_first_agent_on_a_journey_is_not_asked_to_pick_up():
    assert "review_handoff" not in actions(given(steps=["identity_verified"]))


def test_the_same_agent_back_on_the_journey_is_not_asked_to_pick_up_from_themselves():
    assert "review_handoff" not in actions(handed_over(by="A1", to="A1"))
