"""The live state of one journey: what was said, what was done, what is pending, who handled it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from models.language.sentiment import sentiment

TRANSCRIPT_LIMIT = 200
"""Turns kept live; older turns stay in SQL only (the context card shows the tail anyway)."""


@dataclass(slots=True, kw_only=True)
class Turn:
    """One thing said. A plain dataclass, not a model: a worker keeps every open panel's journey between events
    (``assist.sessions.live.LiveSnapshot``), so its turns are most of what a full garbage collection scans;
    a model instance is two tracked objects (itself and its fields set) and a larger one. Pydantic validates
    and serialises it inside ``JourneyState`` as it did the model, the same JSON."""

    at: float = field(default_factory=time.time)
    channel: str
    speaker: str
    text: str
    sentiment: float | None = None
    """The customer's words scored once, when said (``models.language.sentiment``); None for anyone else."""

    def mood(self) -> float:
        """This turn's sentiment (scored now for a turn stored before turns carried it)."""
        return self.sentiment if self.sentiment is not None else sentiment(self.text)


class DetectedIntent(BaseModel):
    """What the customer's first words say the contact is about (``models.language.intent``)."""

    reason: str
    confidence: float
    adopted: bool
    """Confident enough (the ``intent_threshold`` setting) to have become the journey's reason."""
    turns: int
    """Customer turns read."""


class Handler(BaseModel):
    agent_id: str
    channel: str
    session_id: str
    at: float = Field(default_factory=time.time)


class JourneyState(BaseModel):
    id: str
    customer_id: str | None
    reason: str
    status: str = "open"
    practice: bool = False
    channels: list[str] = Field(default_factory=list)
    handled_by: list[Handler] = Field(default_factory=list)
    steps_done: list[str] = Field(default_factory=list)
    pending: list[str] = Field(default_factory=list)
    collected: dict[str, Any] = Field(default_factory=dict)
    transcript: list[Turn] = Field(default_factory=list)
    intent: DetectedIntent | None = None
    """Set while a journey that arrived without a reason (``general``) is read for one, kept after."""
    prompts_shown: list[str] = Field(default_factory=list)
    """Every action suggested in this journey, in the order first shown (the journey's record of guidance)."""
    shown_by_session: dict[str, list[str]] = Field(default_factory=dict)
    """Actions suggested to each session's agent: guidance does not repeat itself to the agent who saw an
    action, but the next agent (a handoff, a callback) is prompted again for whatever is still undone."""
    transfer_note: str = ""
    """What the last agent who transferred the journey wrote for the next one (shown to them, and a reason
    of the prompt that asks them to pick the journey up)."""
    opened_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    def mark_done(self, step: str) -> None:
        if step not in self.steps_done:
            self.steps_done.append(step)
        if step in self.pending:
            self.pending.remove(step)

    def add_pending(self, step: str) -> None:
        if step not in self.pending and step not in self.steps_done:
            self.pending.append(step)

    def shown_in(self, session_id: str) -> frozenset[str]:
        """The actions already suggested on ``session_id``."""
        return frozenset(self.shown_by_session.get(session_id, ()))

    def record_shown(self, session_id: str, actions: list[str]) -> None:
        """Remember ``actions`` as suggested on ``session_id`` (and in the journey's record)."""
        if not actions:
            return
        seen = self.shown_by_session.setdefault(session_id, [])
        seen.extend(a for a in actions if a not in seen)
        self.prompts_shown.extend(a for a in actions if a not in self.prompts_shown)

    def say(self, channel: str, speaker: str, text: str) -> None:
        mood = sentiment(text) if speaker == "customer" else None
        self.transcript.append(Turn(channel=channel, speaker=speaker, text=text, sentiment=mood))
        del self.transcript[:-TRANSCRIPT_LIMIT]

    def sentiment_trend(self, turns: int = 5) -> list[float]:
        """The sentiment of the customer's last ``turns`` turns, oldest first."""
        customer = [t for t in self.transcript[-4 * turns:] if t.speaker == "customer"]
        return [round(t.mood(), 2) for t in customer[-turns:]]

    def sql_state(self) -> dict[str, Any]:
        """What the SQL Journey row keeps as its transaction state."""
        return self.model_dump(mode="json", include={"handled_by", "steps_done", "pending", "collected",
                                                     "transcript", "prompts_shown",
                                                     "shown_by_session", "transfer_note", "intent"})
