"""The customer's wording: varied, seeded, shaped by the moment, and pluggable."""

from __future__ import annotations

from simulator.practice.conversation import Conversation
from simulator.practice.events import AgentEvent
from simulator.practice.library import SCENARIOS
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
