"""A contact that arrived without a reason (``general``) takes one from the customer's first words, when the
classifier is confident enough; a contact with a reason keeps it."""

from __future__ import annotations

from assist.journeys.intent import INTENT_TURNS, detect_reason
from assist.journeys.state import JourneyState
from models.language.intent import IntentDetector

DETECTOR = IntentDetector(threshold=0.7)


def journey(reason: str, *customer_lines: str) -> JourneyState:
    state = JourneyState(id="J-1", customer_id="C-1", reason=reason)
    for line in customer_lines:
        state.say("chat", "customer", line)
        detect_reason(state, DETECTOR)
    return state


def test_a_general_contact_adopts_a_confident_intent_with_its_confidence():
    state = journey("general", "you have taken the monthly payment from my bank twice this month")
    assert state.reason == "billing_dispute"
    assert state.intent is not None and state.intent.adopted and state.intent.confidence >= 0.7
    assert state.intent.turns == 1


def test_a_greeting_is_recorded_but_not_adopted():
    state = journey("general", "hello, good morning")
    assert state.reason == "general"
    assert state.intent is not None and not state.intent.adopted


def test_the_next_customer_turn_is_read_with_the_first():
    state = journey("general", "hi there", "I would like to end my contract and leave at the end of the month")
    assert state.reason == "cancel" and state.intent is not None and state.intent.turns == 2


def test_a_contact_offered_with_a_reason_keeps_it():
    state = journey("refund", "nobody on my street has had internet since this morning")
    assert state.reason == "refund" and state.intent is None


def test_words_after_the_first_turns_are_not_read_for_a_reason():
    state = journey("general", *["hello?"] * INTENT_TURNS, "nobody on my street has had internet since this morning")
    assert state.reason == "general" and state.intent is not None and state.intent.turns == INTENT_TURNS


def test_an_adopted_reason_is_not_changed_by_later_words():
    state = journey("general", "my router keeps restarting itself every few minutes", "I want to cancel then")
    assert state.reason == "technical_issue" and state.intent is not None and state.intent.turns == 1


def test_agent_words_are_not_read_for_a_reason():
    state = JourneyState(id="J-2", customer_id=None, reason="general")
    state.say("chat", "agent", "are you calling to cancel your contract?")
    detect_reason(state, DETECTOR)
    assert state.reason == "general" and state.intent is None


def test_customer_turns_carry_their_sentiment_and_the_journey_its_trend():
    state = journey("general", "this is not good", "thank you, that is great")
    assert [t.sentiment for t in state.transcript][0] is not None and state.transcript[0].sentiment < 0
    trend = state.sentiment_trend()
    assert len(trend) == 2 and trend[0] < 0 < trend[1]


def test_an_unreadable_utterance_file_leaves_the_reason_alone_and_the_event_goes_on(tmp_path):
    broken = tmp_path / "utterances.csv"
    broken.write_text("utterance,label\nhello,general\n")
    state = JourneyState(id="J-3", customer_id=None, reason="general")
    state.say("chat", "customer", "I want to cancel my contract")
    detect_reason(state, IntentDetector((broken,)))
    assert state.reason == "general" and state.intent is None
