"""Deterministic replay: a stored practice session, re-run from its inputs alone.

Same scenario, seed, refund limit and agent events give the same customer turns, the same mood
trajectory and the same debrief: the persona has no randomness, and the voice seeds its generator per
(seed, scenario, turn). The service uses this both to answer live (it replays the log on every turn) and
to check a stored session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.practice.conversation import Conversation
from simulator.practice.events import AgentEvent, Line
from simulator.practice.library import get_scenario
from simulator.practice.rubric import Debrief, debrief
from simulator.practice.scenario import Scenario
from simulator.practice.voice import CustomerVoice

__all__ = ["Replay", "replay"]


@dataclass(frozen=True, slots=True)
class Replay:
    transcript: tuple[Line, ...]
    moods: tuple[float, ...]
    """The customer's mood at the start and after each trainee turn."""
    debrief: Debrief
    ended: bool
    """True once the customer hung up or the trainee closed."""
    hung_up: bool


def replay(scenario: Scenario | str, seed: int, agent_events: Iterable[AgentEvent | Mapping[str, Any]],
           refund_limit: float = 50.0, voice: CustomerVoice | None = None,
           weights: Mapping[str, float] | None = None) -> Replay:
    """Play ``agent_events`` (events or their dicts, in order) against the persona of ``scenario``.

    Returns the transcript (customer opening first), the mood trajectory and the debrief. Raises KeyError
    for an unknown scenario name and ValueError for a malformed event dict or rubric ``weights`` (a trainer's
    weighting of the criteria; the default is ``rubric.WEIGHTS``).
    """
    chosen = get_scenario(scenario) if isinstance(scenario, str) else scenario
    conversation = Conversation(chosen, seed, refund_limit, voice)
    conversation.open()
    for event in agent_events:
        conversation.feed(event if isinstance(event, AgentEvent) else AgentEvent.from_dict(event))
    record = conversation.record
    return Replay(transcript=tuple(record.lines), moods=tuple(record.moods), debrief=debrief(record, weights),
                  ended=conversation.ended, hung_up=conversation.state.ended)
