"""What a trainee's utterance signals: one behaviour per test."""

from __future__ import annotations

import pytest

from simulator.practice.signals import Signal, classify_utterance, is_repetition


@pytest.mark.parametrize(("text", "signal"), [
    ("I'm so sorry about that.", Signal.APOLOGY),
    ("My apologies for the wait.", Signal.APOLOGY),
    ("I completely understand how frustrating this is.", Signal.EMPATHY),
    ("That must be really stressful.", Signal.EMPATHY),
    ("I'll take care of this myself.", Signal.OWNERSHIP),
    ("Leave it with me.", Signal.OWNERSHIP),
    ("I can see your chat notes, no need to repeat.", Signal.HISTORY),
    ("I'm here to help, but I need us to keep this respectful.", Signal.BOUNDARY),
    ("Please take your time.", Signal.PATIENCE),
    ("You should have read the terms.", Signal.BLAME),
    ("That's not our fault.", Signal.BLAME),
    ("Calm down, please.", Signal.DISMISSIVE),
    ("There's nothing I can do.", Signal.DISMISSIVE),
    ("Can you explain the problem from the beginning?", Signal.ASKS_REPEAT),
    ("While I have you, our premium plan is on offer.", Signal.PRESSURE),
    ("Don't be stupid.", Signal.RUDE),
])
def test_utterance_signals(text: str, signal: Signal) -> None:
    assert signal in classify_utterance(text)


def test_a_neutral_utterance_signals_nothing() -> None:
    assert classify_utterance("Okay, one moment.") == frozenset()


def test_a_dated_commitment_is_a_promise() -> None:
    assert Signal.PROMISE in classify_utterance("The refund will arrive on Thursday.")


def test_saying_the_same_thing_again_is_repetition() -> None:
    said = "Have you tried restarting the router at the wall?"
    assert Signal.REPETITION in classify_utterance("Have you tried restarting the router at the wall", [said])


def test_a_different_sentence_is_not_repetition() -> None:
    assert not is_repetition("I'll book an engineer for Thursday morning.",
                             ["Have you tried restarting the router at the wall?"])


def test_short_replies_are_never_repetition() -> None:
    assert not is_repetition("Okay, thanks.", ["Okay, thanks."])
