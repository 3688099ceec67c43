"""One practice conversation: the persona answers each trainee turn and everything is recorded.

``Conversation`` is the only stateful piece of the practice core, and it is still pure: feed it the same
events after the same seed and it says the same things. The service keeps no live object; on every
trainee turn it replays the stored log through a fresh ``Conversation`` (a few dozen events at most), so
any worker can answer for any session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from simulator.practice.events import AgentEvent, Line
from simulator.practice.persona import PersonaState, Step, advance, start
from simulator.practice.phrasebank import INTERRUPTIONS
from simulator.practice.scenario import Scenario
from simulator.practice.timing import reply_delay
from simulator.practice.voice import Cue, CustomerVoice, TemplateVoice, moment_for

__all__ = ["Conversation", "ConversationRecord", "PromptShown", "TurnRecord"]


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """A trainee turn, what it did to the persona, and the customer's reply (None once they hung up)."""

    index: int
    event: AgentEvent
    step: Step
    reply: Line | None


@dataclass(frozen=True, slots=True)
class PromptShown:
    """A prompt the guidance showed ``at``, after ``after_turns`` trainee turns."""

    action: str
    at: float
    after_turns: int


@dataclass(slots=True)
class ConversationRecord:
    """All a debrief reads: the transcript, each trainee turn's step, prompts, verdicts and the close."""

    scenario: Scenario
    seed: int
    refund_limit: float
    lines: list[Line] = field(default_factory=list)
    turns: list[TurnRecord] = field(default_factory=list)
    prompts: list[PromptShown] = field(default_factory=list)
    feedback: dict[str, str] = field(default_factory=dict)
    close: AgentEvent | None = None
    last_at: float = 0.0

    @property
    def moods(self) -> list[float]:
        """The mood at the start and after every trainee turn."""
        return [self.scenario.persona.start_mood] + [t.step.after.mood for t in self.turns]


class Conversation:
    """The persona of ``scenario`` talking with one trainee whose refund limit is ``refund_limit``."""

    def __init__(self, scenario: Scenario, seed: int, refund_limit: float = 50.0,
                 voice: CustomerVoice | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.voice: CustomerVoice = voice or TemplateVoice()
        self.state: PersonaState = start(scenario)
        self.record = ConversationRecord(scenario=scenario, seed=seed, refund_limit=refund_limit)
        self._customer_turns = 0

    @property
    def ended(self) -> bool:
        """True once the customer hung up or the trainee closed."""
        return self.state.ended or self.record.close is not None

    def open(self) -> Line:
        """The customer's first words; call once, before any event."""
        if self.record.lines:
            raise RuntimeError("the conversation is already open")
        return self._say(Cue(scenario=self.scenario, moment="opening", mood=self.state.mood,
                             patience=self.state.patience, turn=0, seed=self.seed), at=0.0)

    def feed(self, event: AgentEvent) -> Line | None:
        """Take one event; returns the customer's reply to a trainee turn, None for anything else
        (prompts, feedback, the close, or turns after the conversation ended)."""
        self.record.last_at = max(self.record.last_at, event.at)
        if event.kind == "prompt" and event.action:
            self.record.prompts.append(PromptShown(event.action, event.at, len(self.record.turns)))
            return None
        if event.kind == "feedback" and event.action and event.verdict:
            self.record.feedback.setdefault(event.action, event.verdict)
            return None
        if event.kind == "close":
            if self.record.close is None:
                self.record.close = event
            return None
        if self.ended:
            return None
        text = event.text if event.kind == "utterance" else ""
        action = event.action if event.kind == "action" else None
        step = advance(self.scenario, self.state, text=text, action=action, fields=event.fields,
                       refund_limit=self.record.refund_limit)
        self.state = step.after
        self.record.lines.append(Line(speaker="agent", at=event.at, text=text, mood=step.before.mood,
                                      action=action))
        violation = step.violations[0].code if step.violations else None
        reply = self._say(Cue(scenario=self.scenario, moment=moment_for(step, action), mood=self.state.mood,
                              patience=self.state.patience, turn=self._customer_turns, seed=self.seed,
                              goal_met=self.state.goal_met, agent_text=text, agent_action=action,
                              violation=violation), at=event.at)
        self.record.turns.append(TurnRecord(index=len(self.record.turns), event=event, step=step, reply=reply))
        return reply

    def _say(self, cue: Cue, at: float) -> Line:
        """The voice's words for ``cue``, said ``at`` plus the time a person takes to answer."""
        text = self.voice.say(cue).strip()
        if not text:
            raise ValueError("the customer voice returned no text")
        if cue.moment != "opening":
            rng = random.Random(f"{cue.seed}:{cue.scenario.name}:{cue.turn}:timing")
            interrupting = any(text.startswith(i) for band in INTERRUPTIONS.values() for i in band)
            at = round(at + reply_delay(self.scenario.channel, cue.agent_text, text, rng,
                                        interrupting=interrupting), 2)
        line = Line(speaker="customer", at=at, text=text, mood=self.state.mood, moment=cue.moment)
        self.record.lines.append(line)
        self._customer_turns += 1
        return line
