"""The practice log's vocabulary: what the trainee (and the guidance around them) did, and the transcript.

``AgentEvent`` is everything a practice conversation takes as input, in order: trainee utterances and
actions, the prompts the guidance showed, the trainee's verdicts on them, and the close. Stored as JSON by
the service, it is all a replay needs besides the scenario, the seed and the trainee's refund limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast, get_args

__all__ = ["AgentEvent", "EventKind", "Line"]

EventKind = Literal["utterance", "action", "prompt", "feedback", "close"]
_KINDS = frozenset(get_args(EventKind))
FieldValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class AgentEvent:
    """One input, ``at`` seconds after the session opened.

    utterance: ``text``; action: ``action`` (catalog id) and ``fields``; prompt: the ``action`` guidance
    suggested; feedback: the prompt's ``action`` and ``verdict`` (accepted, dismissed); close: ``outcome``
    as the trainee recorded it.
    """

    kind: EventKind
    at: float = 0.0
    text: str = ""
    action: str | None = None
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    verdict: str | None = None
    outcome: str | None = None

    @property
    def is_turn(self) -> bool:
        """True for what the customer hears and answers (utterances and actions)."""
        return self.kind in ("utterance", "action")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that ``from_dict`` reads back to an equal event."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "", {})} | {"kind": self.kind,
                                                                                      "at": self.at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgentEvent:
        """The event in ``data``; raises ValueError for an unknown kind, a missing field or a bad time."""
        kind = data.get("kind")
        if kind not in _KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        at = float(data.get("at", 0.0))
        if not math.isfinite(at) or at < 0:
            raise ValueError("'at' must be a finite, non-negative number of seconds")
        event = cls(kind=cast(EventKind, kind), at=at, text=str(data.get("text", "")), action=data.get("action"),
                    fields=dict(data.get("fields") or {}), verdict=data.get("verdict"), outcome=data.get("outcome"))
        if kind == "utterance" and not event.text:
            raise ValueError("an utterance needs text")
        if kind in ("action", "prompt", "feedback") and not event.action:
            raise ValueError(f"a {kind} event needs 'action'")
        if kind == "feedback" and event.verdict not in ("accepted", "dismissed"):
            raise ValueError("feedback needs verdict 'accepted' or 'dismissed'")
        return event


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line; ``mood`` is the customer's mood once the line was said."""

    speaker: Literal["agent", "customer"]
    at: float
    text: str
    mood: float
    action: str | None = None
    moment: str | None = None
