"""The ``journey`` message: what the panel's "Journey so far" shows, pushed whenever an event changes it.

The context card carries the journey as it was at accept; without this message the panel kept saying
"nothing yet" after the agent verified identity and requested a refund. It rides in the event's own commit
(the same outbox append as the event's prompts), so it costs no extra round trip, and it is sent only when
something the panel shows moved: a customer's words change the card's sentiment trend (and, on a contact
that arrived without a reason, the detected intent), an agent's words only the transcript unless they tick
a checklist item.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assist.customers.temperament import HeardTemperament
from assist.guidance.interface import ChecklistItem
from assist.guidance.model import journey_heard
from assist.journeys.state import DetectedIntent, JourneyState
from assist.sessions.state import SessionState
from assist.stream.outbox import stored
from assist.stream.protocol import Envelope
from models.checklists import load_checklists

__all__ = ["TREND_TURNS", "HeardTemperament", "JourneyMark", "JourneyUpdate", "journey_mark", "journey_update",
           "ticks_an_item"]

JourneyMark = tuple[Any, ...]
"""What the journey card shows, cheap to take and compare before and after an event."""
TREND_TURNS = 5
"""Customer turns in the sentiment trend: enough to see a call turning, few enough to read at a glance."""


class JourneyUpdate(BaseModel):
    """The ``journey`` message's data (docs/protocol.md)."""

    session_id: str
    journey_id: str
    practice: bool
    status: str
    channels: list[str]
    steps_done: list[str]
    pending: list[str]
    collected: dict[str, Any]
    handled_by: list[dict[str, Any]]
    checklist: list[ChecklistItem] = Field(default_factory=list)
    """The contact reason's checklist ticked from the steps done and what the agent said."""
    reason: str = "general"
    """The journey's contact reason: what it arrived with, or what the customer's words said (``intent``)."""
    sentiment_trend: list[float] = Field(default_factory=list)
    """The sentiment of the customer's last turns (up to ``TREND_TURNS``), oldest first, each in [-1, 1]."""
    intent: DetectedIntent | None = None
    """For a contact that arrived without a reason: the intent read from the customer's first words."""
    temperament: HeardTemperament | None = None
    """Without a CRM temperament: the one the customer's words on this and earlier contacts suggest (a guess,
    with its confidence and how many earlier contacts it comes from)."""


def journey_mark(journey: JourneyState) -> JourneyMark:
    """A snapshot of the fields the panel shows; equal marks mean no ``journey`` message is due."""
    return (journey.status, tuple(journey.channels), tuple(journey.steps_done), tuple(journey.pending),
            tuple(sorted((k, repr(v)) for k, v in journey.collected.items())), len(journey.handled_by),
            journey.reason, tuple(journey.sentiment_trend(TREND_TURNS)), journey.intent)


def _checklist(journey: JourneyState) -> list[ChecklistItem]:
    agent_said = [t.text for t in journey.transcript if t.speaker == "agent"]
    status = load_checklists().tick(journey.reason, journey.steps_done, agent_said)
    return [ChecklistItem(id=i.id, label=i.label, done=i.done, evidence=i.evidence) for i in status.items]


def ticks_an_item(journey: JourneyState, agent_line: str) -> bool:
    """Whether ``agent_line`` ticks a checklist item that no done step ticks: what the agent says can tick
    one without any step being done. Only the new line is matched (2-12 us), not the whole transcript
    (about 110 us for 20 turns), so an agent's line pays for this on the event path; an item an earlier line
    already ticked sends one redundant, harmless ``journey`` message."""
    checklists = load_checklists()
    done = set(journey.steps_done)
    for item_id in checklists.reasons.get(journey.reason, checklists.default):
        item = checklists.items[item_id]
        if not item.steps & done and item.phrases is not None and item.phrases.search(agent_line):
            return True
    return False


def journey_update(session: SessionState, journey: JourneyState,
                   checklist: list[ChecklistItem] | None = None) -> str:
    """The ``journey`` message for ``session`` showing ``journey`` as it is now, as the outbox stores it.
    ``checklist``: the one the evaluation of this same journey already ticked for its first prompt; ticking the
    whole transcript again cost about 110 us on the event path.

    Built without validation from the journey (already valid) and serialised once, typed, into the message
    (``assist.stream.outbox.stored``), as prompts are: validating it, dumping it to a dict and serialising that
    untyped cost 32 us a message hot, this 27 (85 us with cold caches before, ``bench/event_path_bench.py``)."""
    update = JourneyUpdate.model_construct(
        session_id=session.id, journey_id=journey.id, practice=session.practice, status=journey.status,
        channels=journey.channels, steps_done=journey.steps_done, pending=journey.pending,
        collected=journey.collected, handled_by=[h.model_dump() for h in journey.handled_by],
        checklist=checklist if checklist else _checklist(journey), reason=journey.reason,
        sentiment_trend=journey.sentiment_trend(TREND_TURNS), intent=journey.intent,
        temperament=journey_heard(journey, session.temperament_reads))
    return stored(Envelope(type="journey"), update)
