"""A language model can voice the customer: it gets the cue as a prompt, replays the same, and never stalls."""

from __future__ import annotations

from simulator.practice.events import AgentEvent
from simulator.practice.library import SCENARIOS
from simulator.practice.model_voice import ModelVoice
from simulator.practice.replay import replay
from simulator.practice.scripts import scripted_events

BILLING = SCENARIOS["angry_billing_dispute"]


class CountingModel:
    """A deterministic text model: it answers with the instruction line of the prompt and counts calls."""

    def __init__(self, answer: str | None = None) -> None:
        self.calls = 0
        self.prompts: list[str] = []
        self.answer = answer

    def complete(self, prompt: str) -> str:
        self.calls += 1
        self.prompts.append(prompt)
        if self.answer is not None:
            return self.answer
        return "Customer: " + prompt.splitlines()[-2]


class BrokenModel:
    def complete(self, prompt: str) -> str:
        raise TimeoutError("model server unreachable")


def test_the_prompt_carries_the_persona_the_mood_and_what_the_trainee_said() -> None:
    model = CountingModel()
    replay(BILLING, 1, [AgentEvent(kind="utterance", at=5, text="I'm sorry about the double charge.")],
           voice=ModelVoice(model))
    reply_prompt = model.prompts[1]
    assert "Dana Whitfield" in reply_prompt and "35.00 charge refunded" in reply_prompt
    assert "I'm sorry about the double charge." in reply_prompt and "mood now" in reply_prompt


def test_a_model_voice_replays_word_for_word_without_asking_again() -> None:
    model = CountingModel()
    voice = ModelVoice(model)
    first = replay(BILLING, 3, scripted_events(BILLING, "good"), voice=voice)
    calls = model.calls
    second = replay(BILLING, 3, scripted_events(BILLING, "good"), voice=voice)
    assert [line.text for line in first.transcript] == [line.text for line in second.transcript]
    assert model.calls == calls


def test_the_model_words_but_does_not_score() -> None:
    modelled = replay(BILLING, 3, scripted_events(BILLING, "good"), voice=ModelVoice(CountingModel()))
    templated = replay(BILLING, 3, scripted_events(BILLING, "good"))
    assert modelled.debrief.score == templated.debrief.score
    assert modelled.transcript[0].text != templated.transcript[0].text


def test_a_failing_or_silent_model_falls_back_to_the_template_voice() -> None:
    templated = replay(BILLING, 3, scripted_events(BILLING, "good")).transcript
    for model in (BrokenModel(), CountingModel(answer="   ")):
        assert replay(BILLING, 3, scripted_events(BILLING, "good"), voice=ModelVoice(model)).transcript == templated
