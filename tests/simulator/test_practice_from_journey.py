"""A scenario from a real closed journey: the customer's own words, masked, and the step that resolved it."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.practice.events import AgentEvent
from simulator.practice.from_journey import mask_text, scenario_from_journey
from simulator.practice.replay import replay

PII = ("jane.doe@example.com", "07700 900123", "4929 1234 5678 9012", "LS6 2AB", "Jane Doe", "14/03/1979")


def journey(**change: Any) -> dict[str, Any]:
    return {"id": "J-123", "reason": "billing_dispute", "status": "closed", "channels": ["chat"],
            "steps_done": ["verify_identity", "apologise_acknowledge", "offer_refund_small"],
            "transcript": [
                {"speaker": "customer", "channel": "chat",
                 "text": "Hi, my name is Jane Doe. You've charged me 35.00 twice AGAIN, this is ridiculous and "
                         "unacceptable. Email me at jane.doe@example.com or call 07700 900123."},
                {"speaker": "agent", "channel": "chat", "text": "I'm sorry, let me check."},
                {"speaker": "customer", "channel": "chat",
                 "text": "Card 4929 1234 5678 9012, postcode LS6 2AB, born 14/03/1979. I want the 35.00 back."}],
            **change}


def test_no_personal_detail_reaches_the_scenario() -> None:
    scenario = scenario_from_journey(journey())
    text = " ".join(scenario.lines.opening + scenario.lines.restate + (scenario.persona.summary,))
    assert not [p for p in PII if p in text]
    assert "35.00" in text and "[email]" in text and "[postcode]" in text


def test_masking_keeps_amounts_and_hides_numbers() -> None:
    assert mask_text("Refund 180.00 to card 4929 1234 5678 9012") == "Refund 180.00 to card [number]"


def test_the_real_customers_words_open_the_scenario_and_its_resolution_resolves_it() -> None:
    scenario = scenario_from_journey(journey())
    assert scenario.channel == "chat" and scenario.persona.temperament == "angry"
    events = [AgentEvent(kind="utterance", at=10, text="I'm sorry you were charged twice."),
              AgentEvent(kind="action", at=20, action="verify_identity"),
              AgentEvent(kind="action", at=30, action="offer_refund_small", fields={"amount": 35}),
              AgentEvent(kind="close", at=40, outcome="resolved")]
    result = replay(scenario, 4, events)
    assert "charged me 35.00 twice" in result.transcript[0].text
    assert result.debrief.outcome == "resolved"


def test_the_account_action_before_verification_is_still_wrong_policy() -> None:
    result = replay(scenario_from_journey(journey()), 4, [AgentEvent(kind="action", at=5,
                                                                     action="offer_refund_small")])
    assert result.debrief.violations and result.debrief.outcome != "resolved"


@pytest.mark.parametrize(("change", "message"), [({"status": "open"}, "closed"),
                                                 ({"transcript": []}, "no customer words"),
                                                 ({"steps_done": ["verify_identity"]}, "resolved it")])
def test_a_journey_that_cannot_make_a_scenario_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scenario_from_journey(journey(**change))
