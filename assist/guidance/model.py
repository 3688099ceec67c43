"""Model guidance: the ``models`` Scorer behind assist's ``GuidanceProvider``, with the rules as fallback.

The adapter gathers what the service knows of a live journey and passes it through the context adapter
training used too (``models.context``), then the same feature function. It never raises: with no model
registered the rules answer (the intended baseline, ``degraded=False``); when a model was promoted but is
missing, failed to load, or fails on a request, the rules answer with ``degraded=True``. The scorer is
swapped by assigning one attribute, so a hot reload never blocks or drops a request in flight.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assist.customers.schemas import CustomerView
from assist.customers.temperament import HeardTemperament, heard_temperament
from assist.guidance.interface import ArticleSuggestion, ChecklistItem, GuidanceInput, GuidanceProvider, Prompt, Reason
from assist.guidance.memo import DEFAULT_JOURNEYS, ChecklistKey, GuidanceMemo, JourneyMemo, KnowledgeKey
from assist.guidance.temperaments import temperament_detector_for
from assist.journeys.state import JourneyState
from assist.settings import Settings
from models.checklists import Checklists, load_checklists
from models.context import CRM_FIELDS, served_context
from models.domain import OutsideTraining
from models.drift import DriftReport
from models.exploration import OFF, Exploration
from models.features import ACTIONS
from models.knowledge import KnowledgeBase
from models.knowledge.base import DEFAULT_ARTICLES
from models.language.temperament import Temperament, TemperamentDetector
from models.language.temperament_memory import Detection
from models.scored import digest
from models.scorer import Scorer, Suggestion

log = logging.getLogger(__name__)

__all__ = ["ABSTAINED_NOTE", "ANY_QUEUE", "TEMPERAMENT_TURNS", "ModelGuidance", "journey_context", "journey_heard",
           "journey_temperament", "loggable", "temperament_detector", "warm_up_temperament"]

STEP_ACTIONS = {"identity_verified": "verify_identity", "knowledge_article_sent": "send_knowledge_article"}
"""Steps that the stream records under their own name (``assist.sessions.events.ACTION_STEPS``), back to actions."""
ABSTAINED_NOTE = "model abstained: this contact is outside what it learned from, rules answer"
ANY_QUEUE = "*"
"""The exploration setting for queues without their own."""
KNOWLEDGE_TURNS = 3
"""Transcript turns the knowledge search reads: the latest exchange, not the whole conversation."""
TEMPERAMENT_TURNS = 6
"""The customer's latest turns read for their temperament: enough to hear how they are, bounded in cost."""


@cache
def temperament_detector() -> TemperamentDetector:
    """The process's temperament detector at ``ASSIST_TEMPERAMENT_THRESHOLD`` (read once): the built-in lines
    and the center's imported ones (``assist models import-temperaments``)."""
    return temperament_detector_for(Settings())


def warm_up_temperament(detector: TemperamentDetector | None = None) -> threading.Thread:
    """Train ``detector`` (by default the process's) in a background thread at startup, as intents are
    (``assist.guidance.intents.warm_up``): the event path never waits for training, so without this the
    first contacts' words go unread for the seconds it takes on a loaded host. Startup does not wait either."""
    def train() -> None:
        try:
            (detector or temperament_detector()).classifier()
        except (OSError, ValueError) as exc:
            log.error("temperament detection cannot train: %s", exc)

    thread = threading.Thread(target=train, name="temperament-warm-up", daemon=True)
    thread.start()
    return thread


def journey_temperament(journey: JourneyState, detector: TemperamentDetector | None = None) -> Temperament | None:
    """The temperament the customer's words so far say, with its confidence: None before they said anything,
    or while the classifier is still training (the event path never waits for it; training starts then)."""
    said = [t.text for t in journey.transcript if t.speaker == "customer"][-TEMPERAMENT_TURNS:]
    return (detector or temperament_detector()).detect(said, wait=False) if said else None


def journey_heard(journey: JourneyState, earlier: Sequence[Detection] = (),
                  detector: TemperamentDetector | None = None) -> HeardTemperament | None:
    """The temperament the panel shows and guidance serves (when ``served``): the customer's words so far
    (``journey_temperament``) with their ``earlier`` contacts' reads (``assist.customers.temperament``); None
    when a CRM event sent one (the card's collected facts show that: it wins) or nothing showed any."""
    if journey.collected.get("temperament") is not None:
        return None
    detector = detector or temperament_detector()
    return heard_temperament(journey_temperament(journey, detector), earlier, detector.threshold)


def _customer_facts(customer: CustomerView | None) -> dict[str, Any]:
    """What the customer record shows this agent; a field withheld from the role (or no record) is unknown."""
    if customer is None:
        return {}
    facts = {"segment": customer.segment, "tenure_months": customer.tenure_months,
             "lifetime_value": customer.lifetime_value, "churn_risk": customer.churn_risk,
             "vulnerable": customer.vulnerable, "consent_marketing": customer.consent.get("marketing")}
    return {k: v for k, v in facts.items() if v is not None}


def journey_context(given: GuidanceInput, temperament: TemperamentDetector | None = None) -> dict[str, Any]:
    """The model's input for a live journey: ``models.context.served_context`` of what the service knows.

    The same adapter turns history into training rows (``models.context.served_history``), so the model
    learns on the missingness it is served with. Known here: the journey (reason, channel, steps, the
    refund asked, the customer's latest words), the customer record as this agent may see it, the agent's
    refund limit, and whatever CRM events put in ``journey.collected`` (``models.context.CRM_FIELDS``:
    plan, temperament, prior contacts, order value, wait, open complaint); anything else is unknown, and
    an unknown number is NaN, never 0. One column is not history's: ``caller_identified`` (the session
    resolved one customer), which the identity-first guardrail reads.

    Temperament without a CRM value is read from the customer's words (``journey_temperament`` with
    ``temperament``, by default the process's detector), served at or above its threshold, and combined with
    what the customer's earlier contacts showed (``given.remembered``, ``journey_heard``); else unknown.
    Training as served draws it from the same detector's measured confusion and remembers it by the same rule
    (``models.context.remembered_temperament``). A CRM value always wins.
    """
    journey, collected = given.journey, given.journey.collected
    customer_turns = [t for t in journey.transcript if t.speaker == "customer"]
    said = given.latest if given.latest is not None and given.latest.speaker == "customer" else (
        customer_turns[-1] if customer_turns else None)
    previous = next((STEP_ACTIONS.get(s, s) for s in reversed(journey.steps_done) if STEP_ACTIONS.get(s, s) in ACTIONS),
                    None)
    steps = set(journey.steps_done)
    heard = journey_heard(journey, given.remembered, temperament)
    known: dict[str, Any] = {
        "temperament": heard.temperament if heard is not None and heard.served else None,
        **{field: collected[field] for field in CRM_FIELDS if collected.get(field) is not None},
        "caller_identified": given.customer is not None,
        "reason": journey.reason, "channel": given.channel, "previous_action": previous,
        **_customer_facts(given.customer),
        "journey_step": max(len(journey.handled_by) - 1, 0),
        "identity_verified": "identity_verified" in steps,
        "apology_given": "apologise_acknowledge" in steps,
        "refund_amount": collected.get("refund_amount"), "refund_limit": given.refund_limit,
        "sentiment": said.mood() if said is not None else None,  # scored once, when said
    }
    return served_context(known)


def loggable(context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` as JSON can hold it: an unknown number (NaN) becomes null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in context.items()}


@dataclass(frozen=True)
class _Loaded:
    scorer: Scorer | None
    expected: bool
    """A model was promoted: its absence or failure is degraded service, not the baseline."""


class ModelGuidance:
    """``evaluate`` = scorer -> prompts (with knowledge and checklist), or the fallback's prompts."""

    name = "model"

    def __init__(self, fallback: GuidanceProvider, scorer: Scorer | None = None, *, expected: bool | None = None,
                 knowledge: KnowledgeBase | None = None, knowledge_dirs: Sequence[Path] = (),
                 checklists: Checklists | None = None, suggestions: int = 1,
                 exploration: Mapping[str, Exploration] | None = None, rng: np.random.Generator | None = None,
                 memo_journeys: int = DEFAULT_JOURNEYS) -> None:
        self.fallback = fallback
        self.exploration = dict(exploration or {})
        """Per routing queue (``ANY_QUEUE`` for the rest); off where unset."""
        self.rng = rng or np.random.default_rng()
        self.knowledge = knowledge or KnowledgeBase.from_folders(DEFAULT_ARTICLES, *knowledge_dirs)
        self.checklists = checklists or load_checklists()
        self.suggestions = suggestions
        self._loaded = _Loaded(scorer, scorer is not None if expected is None else expected)
        self.memo = GuidanceMemo(memo_journeys)
        """Per journey, the last event's model work, knowledge search and checklist (``assist.guidance.memo``)."""

    @property
    def scorer(self) -> Scorer | None:
        return self._loaded.scorer

    @property
    def version(self) -> str | None:
        return self._loaded.scorer.version if self._loaded.scorer else None

    def install(self, scorer: Scorer | None, expected: bool) -> None:
        """Swap the model (one assignment: requests in flight keep the one they started with)."""
        self._loaded = _Loaded(scorer, expected)
        self.memo.clear()

    def drift(self) -> DriftReport | None:
        """PSI of the traffic this process served against the model's training data; None without one."""
        scorer = self._loaded.scorer
        if scorer is None or scorer.monitor is None or len(scorer.monitor) == 0:
            return None
        return scorer.monitor.report()

    def exploration_for(self, queue: str | None) -> Exploration:
        """The queue's setting, else ``ANY_QUEUE``'s, else off (practice contacts never explore: trainees
        learn the policy, and their contacts are no evidence for the next model)."""
        return self.exploration.get(queue or "") or self.exploration.get(ANY_QUEUE) or OFF

    def evaluate(self, given: GuidanceInput) -> list[Prompt]:
        """Every prompt carries the context it was chosen on (for the prompt log; rules' prompts too, so a
        center that starts on rules collects the data its first model trains on)."""
        loaded = self._loaded
        memo = self.memo.of(given.journey.id)
        prompts: list[Prompt] | None = None
        try:
            context: dict[str, Any] | None = journey_context(given)
        except Exception:  # noqa: BLE001 - the rules need no context; the model is then skipped (degraded)
            log.exception("the journey's context could not be built; rules answer")
            context = None
        if loaded.scorer is not None and context is not None:
            try:
                exploration = OFF if given.journey.practice else self.exploration_for(given.queue)
                memo.scored = loaded.scorer.scored(context, memo.scored)
                found = loaded.scorer.suggest(context, k=self.suggestions, exclude=given.already_shown,
                                              exploration=exploration, rng=self.rng, scored=memo.scored)
                prompts = [_prompt(s) for s in found]
            except OutsideTraining as outside:
                log.info("model abstained: %s", outside, extra={"model_version": loaded.scorer.version})
                return self._enrich(self._rules_instead(given, outside), given, context, memo)
            except Exception:  # noqa: BLE001 - any model failure must leave the agent with rule guidance
                log.exception("model guidance failed; rules answer", extra={"model_version": loaded.scorer.version})
        if prompts is None:
            prompts = self.fallback.evaluate(given)
            if loaded.expected:
                for p in prompts:
                    p.degraded = True
        return self._enrich(prompts, given, context, memo)

    def _rules_instead(self, given: GuidanceInput, outside: OutsideTraining) -> list[Prompt]:
        """The rules' prompts when the model abstains, the first naming what the model never learned from.

        Not degraded: the model worked and chose not to guess."""
        prompts = self.fallback.evaluate(given)
        if prompts:
            prompts[0].guardrails = [*prompts[0].guardrails, *(f.note for f in outside.flags), ABSTAINED_NOTE]
        return prompts

    def _enrich(self, prompts: list[Prompt], given: GuidanceInput, context: Mapping[str, Any] | None,
                memo: JourneyMemo | None = None) -> list[Prompt]:
        """Knowledge suggestions and the checklist ride on the first prompt (the panel shows them with it).

        The search runs again only when its query (the latest turns) or the reason moved on, the checklist
        only when the steps or the agent's words did (``memo``: the journey's last ones).

        Prompts are set in place: every provider builds them afresh on each call, and a ``model_copy`` of
        the first cost more than the knowledge search with cold caches."""
        if not prompts:
            return prompts
        memo = memo or JourneyMemo()
        journey = given.journey
        query = (" ".join(t.text for t in journey.transcript[-KNOWLEDGE_TURNS:]), journey.reason)
        searched: KnowledgeKey = digest(query)
        if memo.knowledge is None or memo.knowledge[0] != searched:
            memo.knowledge = (searched, self.knowledge.search(*query))
        hits = memo.knowledge[1]
        ticks = (journey.reason, tuple(journey.steps_done),
                 tuple(t.text for t in journey.transcript if t.speaker == "agent"))
        ticked: ChecklistKey = digest(ticks)
        if memo.checklist is None or memo.checklist[0] != ticked:
            memo.checklist = (ticked, self.checklists.tick(*ticks))
        status = memo.checklist[1]
        first = prompts[0]
        first.articles = [ArticleSuggestion(id=h.id, title=h.title, score=h.score, matched_terms=list(h.matched_terms))
                          for h in hits]
        first.checklist = [ChecklistItem(id=i.id, label=i.label, done=i.done, evidence=i.evidence)
                           for i in status.items]
        logged = loggable(context) if context is not None else None
        for p in prompts:
            p.context = logged
        return prompts


def _prompt(s: Suggestion) -> Prompt:
    """The panel's prompt: its reasons answer "why this, not the runner-up" when there is one."""
    reasons = s.contrast.reasons if s.contrast is not None and s.contrast.reasons else s.reasons
    return Prompt(action=s.action, title=s.title, text=s.text, confidence=min(max(s.confidence, 0.0), 1.0),
                  reasons=[Reason(feature=r.feature, text=r.text, direction=r.direction,  # type: ignore[arg-type]
                                  weight=r.weight, versus=r.versus) for r in reasons],
                  source="model", model_version=s.model_version, guardrails=list(s.guardrails),
                  propensity=s.propensity)
