"""A contact that arrives without a reason gets one from what the customer says first.

Routed contacts arrive as ``general`` (a queue rarely says why someone called). While the journey is still
``general``, each of the customer's first ``INTENT_TURNS`` turns is read together with the earlier ones (a
greeting alone says nothing; "hi" then "I was charged twice" does) and the classifier's best guess is kept
on the journey with its confidence. Once the confidence reaches the detector's threshold the guess becomes
the journey's reason, so guidance, the checklist and the model's context follow it from that event on.
"""

from __future__ import annotations

import logging

from assist.journeys.state import DetectedIntent, JourneyState
from models.language.intent import GENERAL, IntentDetector

__all__ = ["INTENT_TURNS", "detect_reason"]

log = logging.getLogger(__name__)

INTENT_TURNS = 3
"""Customer turns read for a reason: later words are about the solution more than the problem."""


def detect_reason(journey: JourneyState, detector: IntentDetector) -> None:
    """Read the customer's first turns of a ``general`` journey; adopt the intent when confident enough.

    A journey with a reason (given at offer, or adopted earlier) is left alone, and so is one whose customer
    has said more than ``INTENT_TURNS`` things. Classifying costs a few milliseconds, on these turns only.
    When the detector cannot train (an utterance file made unreadable since its import), nothing is detected
    and the event goes on.
    """
    if journey.reason != GENERAL:
        return
    said = [t.text for t in journey.transcript if t.speaker == "customer"]
    if not said or len(said) > INTENT_TURNS:
        return
    try:
        found = detector.detect(said)
    except (OSError, ValueError) as exc:  # an utterance file edited by hand into a bad one: no detection
        log.warning("intent detection unavailable: %s", exc)
        return
    adopted = found.reason != GENERAL and found.confidence >= detector.threshold
    journey.intent = DetectedIntent(reason=found.reason, confidence=found.confidence, adopted=adopted,
                                    turns=len(said))
    if adopted:
        journey.reason = found.reason
