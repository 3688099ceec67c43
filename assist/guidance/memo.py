"""Per journey, the guidance work of its last event, so the next event redoes only what its inputs changed.

Every panel event runs guidance again, but most events move only some of its inputs: an agent's words change
the transcript and not what the model reads, a step done changes the checklist and not the knowledge query.
Each part kept here is a pure function of what it is keyed by, so a hit returns exactly what recomputing
would (the served prompt is the same with the memo as without it):

- the model's work on the journey's context (``models.scored.Scored``, keyed by the context and the loaded
  version): scores, TreeSHAP rows, confidences, and reasons per shown action;
- the knowledge search, keyed by its query (the latest turns) and the contact reason;
- the checklist, keyed by the reason, the steps done and what the agent said.

Keys are 128-bit digests of those inputs (``models.scored.digest``), so an entry stays small however long the
conversation gets.

Bounded: the ``journeys`` most recently guided journeys of this worker, least recently used evicted first
(a journey's events come to the worker holding its panel, so one worker sees each journey's whole run).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.checklists import ChecklistStatus
    from models.knowledge.base import ArticleHit
    from models.scored import Scored

__all__ = ["DEFAULT_JOURNEYS", "ChecklistKey", "GuidanceMemo", "JourneyMemo", "KnowledgeKey"]

DEFAULT_JOURNEYS = 2048
"""About 6.5 KB each with the model on (mostly the shown action's and its contrast's per-field attributions,
and a few TreeSHAP rows): 13 MB per worker when full. A worker holding more open contacts than this evicts
each journey before its next event, and the memo then saves nothing: raise ``ASSIST_GUIDANCE_MEMO_JOURNEYS``."""

KnowledgeKey = bytes
"""``models.scored.digest`` of (query text, contact reason)."""
ChecklistKey = bytes
"""``models.scored.digest`` of (contact reason, steps done, what the agent said)."""


@dataclass(eq=False)
class JourneyMemo:
    """One journey's last results; a part is None until first computed."""

    scored: Scored | None = None
    knowledge: tuple[KnowledgeKey, list[ArticleHit]] | None = None
    checklist: tuple[ChecklistKey, ChecklistStatus] | None = None


class GuidanceMemo:
    """``JourneyMemo`` per journey id, least recently used evicted past ``journeys``; 0 keeps nothing (every
    call gets an empty one). Thread-safe."""

    def __init__(self, journeys: int = DEFAULT_JOURNEYS) -> None:
        if journeys < 0:
            raise ValueError(f"journeys must be >= 0, not {journeys}")
        self.journeys = journeys
        self._memos: OrderedDict[str, JourneyMemo] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._memos)

    def of(self, journey_id: str) -> JourneyMemo:
        if self.journeys == 0:
            return JourneyMemo()
        with self._lock:
            memo = self._memos.get(journey_id)
            if memo is None:
                memo = self._memos[journey_id] = JourneyMemo()
                if len(self._memos) > self.journeys:
                    self._memos.popitem(last=False)
            else:
                self._memos.move_to_end(journey_id)
            return memo

    def clear(self) -> None:
        """Forget everything (a swapped model would miss anyway; this frees the old version's rows)."""
        with self._lock:
            self._memos.clear()
