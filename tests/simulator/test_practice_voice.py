"""The customer's wording: varied, seeded, shaped by the moment, and pluggable."""

from __future__ import annotations

import pytest

from simulator.practice.conversation import Conversation
from simulator.practice.events import AgentEvent, Line
from simulator.practice.library import SCENARIOS
from simulator.practice.phrasebank import ASIDES, INTERRUPTIONS
from simulator.practice.replay import replay
from simulator.practice.scripts import scripted_events
from simulator.practice.voice import Cue, TemplateVoice

BILLING = SCENARIOS["angry_billing_dispute"]
NEGATIVE_WORDS = ("ridiculous", "unacceptable", "furious", "joke", "still", "again", "waiting")


def cue(moment: str, seed: int = 1, turn: int = 3, mood: float = -0.5, patience: int = 5) -> Cue:
    return Cue(scenario=BILLING, moment=moment, mood=mood, patience=patience, turn=turn, seed=seed)  # type: ignore[arg-type]


def test_same_seed_and_turn_give_the_same_words() -> None:
    assert TemplateVoice().say(cue("waiting", seed=5)) == TemplateVoice().say(cue("waiting", seed=5))


def test_different_seeds_vary_the_words() -> None:
    lines = {TemplateVoice().say(cue("opening", seed=seed, turn=0)) for seed in range(12)}
    assert len(lines) >= 2


def test_slots_are_filled() -> None:
    assert all("{" not in TemplateVoice().say(cue("opening", seed=s, turn=0)) for s in range(12))
    assert any("35.00" in TemplateVoice().say(cue("opening", seed=s, turn=0)) for s in range(12))


def test_an_angry_opening_sounds_upset() -> None:
    for seed in range(6):
        text = TemplateVoice().say(cue("opening", seed=seed, turn=0)).lower()
        assert any(word in text for word in NEGATIVE_WORDS), text


def test_a_supervisor_demand_names_a_manager_or_supervisor() -> None:
    for seed in range(6):
        text = TemplateVoice().say(cue("demand_supervisor", seed=seed)).lower()
        assert "manager" in text or "supervisor" in text


def test_a_met_goal_sounds_resolved() -> None:
    for seed in range(6):
        text = TemplateVoice().say(cue("goal_met", seed=seed, mood=0.1)).lower()
        assert "that's great" in text or "sorted" in text


def test_with_patience_nearly_gone_the_customer_restates_the_goal() -> None:
    restated = {line.format(**BILLING.lines.slots) for line in BILLING.lines.restate}
    for seed in range(6):
        text = TemplateVoice().say(cue("waiting", seed=seed, patience=1))
        assert any(r in text for r in restated), text


class EchoVoice:
    """A stand-in for a language model: anything with ``say(cue) -> str`` can voice the customer."""

    def say(self, cue: Cue) -> str:
        return f"<{cue.moment} {cue.mood:+.2f}>"


def test_a_custom_voice_plugs_in() -> None:
    conversation = Conversation(BILLING, seed=1, voice=EchoVoice())
    assert conversation.open().text == "<opening -0.55>"
    reply = conversation.feed(AgentEvent(kind="utterance", at=5, text="I'm so sorry about this."))
    assert reply is not None and reply.text.startswith("<soothed")


def customer_lines(scenario_name: str, script: str, runs: int = 100) -> list[list[Line]]:
    scenario = SCENARIOS[scenario_name]
    return [[line for line in replay(scenario, seed, scripted_events(scenario, script)).transcript  # type: ignore[arg-type]
             if line.speaker == "customer"] for seed in range(runs)]


@pytest.mark.parametrize("name", ["angry_billing_dispute", "repeated_outage"])
def test_a_hundred_runs_meet_hundreds_of_different_customer_lines(name: str) -> None:
    runs = customer_lines(name, "good")
    assert len({line.text for run in runs for line in run}) >= 300
    assert len({run[0].text for run in runs}) >= 60


def test_a_chat_customer_reads_and_types_before_answering() -> None:
    outage = SCENARIOS["repeated_outage"]
    short = Conversation(outage, seed=2)
    short.open()
    quick = short.feed(AgentEvent(kind="utterance", at=10, text="Okay."))
    long = Conversation(outage, seed=2)
    long.open()
    slow = long.feed(AgentEvent(kind="utterance", at=10, text=" ".join(["I have checked the line test."] * 12)))
    assert quick is not None and slow is not None
    assert 10 + 1 < quick.at < slow.at


def test_a_phone_customer_answers_after_a_short_pause() -> None:
    conversation = Conversation(BILLING, seed=2)
    conversation.open()
    reply = conversation.feed(AgentEvent(kind="utterance", at=10, text="Okay."))
    assert reply is not None and 10.3 <= reply.at <= 10 + 1.5 + len(reply.text.split()) / 2.5


def test_an_upset_phone_customer_sometimes_cuts_across_a_long_answer() -> None:
    speech = " ".join(["Our records show the payment was taken on the first of the month as usual."] * 3)
    openers = set()
    for seed in range(20):
        conversation = Conversation(BILLING, seed=seed)
        conversation.open()
        reply = conversation.feed(AgentEvent(kind="utterance", at=10, text=speech))
        assert reply is not None
        openers.add(any(reply.text.startswith(i) for band in INTERRUPTIONS.values() for i in band))
    assert openers == {True, False}


def test_now_and_then_the_customer_wanders_off_topic() -> None:
    runs = customer_lines("identity_verification_failure", "good", runs=60)
    assert any(aside in line.text for run in runs for line in run for aside in ASIDES)
