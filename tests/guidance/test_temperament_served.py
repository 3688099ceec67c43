"""The live context's temperament: heard from the customer's words when confident, the CRM's when it sent one."""

from __future__ import annotations

import time

from assist.guidance.interface import GuidanceInput
from assist.guidance.model import (
    journey_context,
    journey_heard,
    journey_temperament,
    temperament_detector,
    warm_up_temperament,
)
from assist.journeys.state import JourneyState, Turn
from models.language.temperament import BUILT_IN, TemperamentDetector
from models.language.temperament_memory import Detection


def given(*customer_lines: str, collected: dict | None = None, remembered: tuple = ()) -> GuidanceInput:
    transcript = [Turn(channel="chat", speaker="customer", text=line) for line in customer_lines]
    journey = JourneyState(id="J1", customer_id=None, reason="billing_dispute", collected=collected or {},
                           transcript=transcript)
    return GuidanceInput(journey=journey, customer=None, channel="chat",
                         latest=transcript[-1] if transcript else None, remembered=remembered)


def warm() -> TemperamentDetector:
    detector = temperament_detector()
    detector.classifier()  # the event path never waits for training: train it first
    return detector


def test_a_confident_temperament_from_the_customers_words_enters_the_context():
    warm()
    context = journey_context(given("I've been charged twice AGAIN, this is an absolute disgrace"))
    assert context["temperament"] == "angry"


def test_the_crms_temperament_wins_over_the_words():
    warm()
    context = journey_context(given("this is an absolute disgrace", collected={"temperament": "calm"}))
    assert context["temperament"] == "calm"


def test_no_customer_words_no_temperament():
    warm()
    assert journey_context(given())["temperament"] is None


def test_a_guess_below_the_threshold_stays_unknown():
    warm()
    strict = TemperamentDetector(threshold=1.0)
    strict.classifier()
    assert journey_context(given("this is an absolute disgrace"), strict)["temperament"] is None


def test_the_words_are_read_together_across_turns():
    warm()
    found = journey_temperament(given("hello", "what if I lose my number? I'm really worried").journey)
    assert found is not None and found.temperament == "anxious" and found.turns == 2


def test_the_journey_card_shows_the_guess_with_its_confidence_unless_the_crm_said():
    warm()
    heard = journey_heard(given("what if the refund never comes? I'm scared").journey)
    assert heard is not None and heard.temperament == "anxious" and heard.served
    assert heard.confidence >= temperament_detector().threshold
    assert journey_heard(given("I'm scared", collected={"temperament": "anxious"}).journey) is None


def test_after_the_warm_up_the_first_words_get_a_guess_without_waiting_for_training(tmp_path):
    copy = tmp_path / "temperaments.csv"  # a file no classifier was trained on yet in this process
    copy.write_text(BUILT_IN.read_text(encoding="utf-8"), encoding="utf-8")
    detector = TemperamentDetector(sources=(copy,))
    warm_up_temperament(detector).join(timeout=120)
    found = detector.detect(["this is an absolute disgrace, third time I've rung"], wait=False)
    assert found is not None and found.temperament == "angry"


def test_a_greeting_or_a_bare_fact_leaves_the_contexts_temperament_unknown():
    warm()
    for line in ("hello", "hi, I have a question", "good morning", "my order number is 12345"):
        assert journey_context(given(line))["temperament"] is None, line
        assert journey_heard(given(line).journey) is None, line  # the card shows no guess either


def test_an_earlier_contacts_read_enters_the_context_before_the_customer_says_anything():
    warm()
    earlier = (Detection("analytical", time.time() - 86_400, 0.9),)
    assert journey_context(given(remembered=earlier))["temperament"] == "analytical"


def test_the_crms_temperament_wins_over_the_remembered_one():
    warm()
    earlier = (Detection("angry", time.time() - 86_400, 0.9),)
    assert journey_context(given(collected={"temperament": "calm"}, remembered=earlier))["temperament"] == "calm"
