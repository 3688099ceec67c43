"""The automatic contact summary, built from the journey and the transcript alone: the reason, what was done,
what is still to do, the outcome and the customer's key statements, in plain words and with nothing personal
in it."""

from __future__ import annotations

import re

from assist.journeys.state import JourneyState
from assist.wrapup.summary import build_summary, key_statements, private_values

CUSTOMER = {"name": "Sam Carter", "email": "sam.carter@example.com", "phone": "+447700900123",
            "account_number": "AC7781", "address": "1 Mill Lane, York", "date_of_birth": "1990-01-01"}
SNAKE_ID = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def refund_journey() -> JourneyState:
    journey = JourneyState(id="J-1", customer_id="C-1", reason="billing_dispute")
    journey.say("chat", "customer", "hi")
    journey.say("chat", "customer", "I was charged twice, 45.00 for order A-1234, this is ridiculous!")
    journey.say("chat", "agent", "I am so sorry about that, let me look")
    journey.say("chat", "customer", "thanks")
    journey.say("chat", "customer", "Please refund it to the card I paid with")
    journey.mark_done("identity_verified")
    journey.mark_done("offer_refund_small")
    journey.add_pending("refund_issued")
    journey.collected["refund_amount"] = 45
    return journey


def test_the_reason_and_the_outcome_are_in_plain_words() -> None:
    summary = build_summary(refund_journey(), reason="billing_dispute", outcome="resolved")
    assert (summary.reason, summary.outcome) == ("billing dispute", "resolved")
    assert summary.text.splitlines()[0] == "Reason: billing dispute."
    assert "Outcome: resolved." in summary.text


def test_what_was_done_comes_from_the_journeys_steps_named_as_the_catalog_names_them() -> None:
    summary = build_summary(refund_journey(), reason="billing_dispute", outcome="resolved")
    assert summary.done == ["identity verified", "offer a small refund"]


def test_what_is_pending_joins_the_journeys_pending_steps_and_the_checklist_items_not_covered() -> None:
    summary = build_summary(refund_journey(), reason="billing_dispute", outcome="unresolved")
    assert summary.pending[0] == "refund issued"
    assert "verify identity" not in summary.pending          # ticked by the step done
    assert "acknowledge the problem" not in summary.pending  # ticked by what the agent said
    assert "explain when it happens" in summary.pending      # nobody did


def test_key_statements_are_the_customers_lines_with_feeling_or_facts_in_the_order_said() -> None:
    summary = build_summary(refund_journey(), reason="billing_dispute", outcome="resolved", statements=2)
    assert summary.key_statements == ["I was charged twice, 45.00 for order A-1234, this is ridiculous!",
                                      "Please refund it to the card I paid with"]
    assert 'Customer said: "I was charged twice, 45.00 for order A-1234, this is ridiculous!"' in summary.text


def test_pleasantries_and_the_agents_own_lines_are_never_key_statements() -> None:
    said = key_statements(refund_journey().transcript, limit=10)
    assert "hi" not in said and "thanks" not in said
    assert not any("sorry" in line for line in said)


def test_only_what_the_customer_said_in_this_contact_is_picked() -> None:
    journey = refund_journey()
    began = journey.transcript[-1].at + 1
    journey.say("phone", "customer", "I am calling back about the double charge on order A-1234")
    journey.transcript[-1].at = began + 5
    summary = build_summary(journey, reason="billing_dispute", outcome="resolved", since=began)
    assert summary.key_statements == ["I am calling back about the double charge on order A-1234"]


def test_the_customers_personal_details_never_reach_the_summary() -> None:
    journey = refund_journey()
    journey.say("chat", "customer", "This is Sam Carter, sam.carter@example.com, account AC7781, "
                                    "call me on +44 7700 900123 about the refund")
    journey.say("chat", "customer", "My card is 4242 4242 4242 4242 and I was born 1990-01-01, still waiting!")
    journey.collected.update({"email": "sam.carter@example.com", "phone": "+447700900123", "order": "A-1234"})
    summary = build_summary(journey, reason="billing_dispute", outcome="resolved",
                            private=private_values(CUSTOMER), statements=5)
    for value in ("Sam", "Carter", "sam.carter", "AC7781", "7700", "900123", "4242 4242", "1990-01-01"):
        assert value not in summary.text, value
    assert "[number ending 4242]" in summary.text   # the agent can still confirm "ending in 4242"
    assert "Noted: refund amount 45; order A-1234." in summary.text


def test_an_erased_journey_leaves_only_its_structure() -> None:
    journey = refund_journey()
    journey.transcript, journey.collected = [], {}   # what erasure leaves of a journey in use
    summary = build_summary(journey, reason="billing_dispute", outcome="resolved", private=private_values(None))
    assert summary.key_statements == [] and summary.noted == []
    assert "Customer said" not in summary.text and "45" not in summary.text


def test_a_contact_without_a_journey_still_gets_reason_and_outcome() -> None:
    summary = build_summary(None, reason="general", outcome="abandoned")
    assert summary.text == "Reason: general.\nDone: nothing recorded.\nStill to do: nothing.\nOutcome: abandoned."


def test_a_summary_carries_no_raw_ids() -> None:
    summary = build_summary(refund_journey(), reason="billing_dispute", outcome="resolved")
    assert SNAKE_ID.findall(summary.text) == []
