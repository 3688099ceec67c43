"""A customer's temperament remembered across contacts: what earlier contacts' words revealed (issue 19).

Temperament is a trait: the customer who was angry on Monday's chat is likely angry on Thursday's call. One
contact's words show it only half the time (greetings, account numbers and "yes" show nothing, and the
detector serves only confident reads), so the service remembers each contact's confident detection (on the
contact's interaction record) and the next contact of the same customer, on any channel, starts from them.

The rule is a vote: every contact's confident detection counts once, weighted by its age (halved every
``HALF_LIFE_DAYS``), the current contact's own detection among them at full weight; the temperament with the
most weight is served. A tie goes to the most recent evidence, so newer words override older ones of equal
strength and old evidence fades. It needs no likelihoods (the detector's measured confusion is close to
diagonal: a single read is right about 9 times in 10, and a majority of several more often).

One function, ``remembered``, is the rule: the live service calls it with the customer's recorded contacts
(``assist.customers.temperament``), and training and as-served scoring call it for every history row with the
detections drawn for the customer's earlier contacts (``models.context.remembered_temperament``). A CRM value
wins over both (the callers check it first). What is remembered is always a detection, shown as one, never as
a fact of the customer's record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["HALF_LIFE_DAYS", "MEMORY_CONTACTS", "Detection", "Remembered", "remembered"]

HALF_LIFE_DAYS = 180.0
"""Age at which a contact's detection counts half: a trait, so slowly; still, a customer can change."""
MEMORY_CONTACTS = 20
"""Earlier contacts read (the most recent): bounded cost at accept, and more adds little to a majority."""
_DAY = 86_400.0


@dataclass(frozen=True)
class Detection:
    """One contact's confident read of the customer's temperament."""

    temperament: str
    at: float
    """When the contact ended (epoch seconds): its words were all said by then."""
    confidence: float | None = None
    """The detector's confidence (shown; the vote does not weigh it: history draws labels, not confidences)."""


@dataclass(frozen=True)
class Remembered:
    """The temperament served from the evidence of this and earlier contacts: a detection, not a fact."""

    temperament: str
    share: float
    """Its share of the (age-weighted) evidence, in (0, 1]: 1 when every contact that showed one agreed."""
    contacts: int
    """Contacts whose words showed a temperament (this one included when it did)."""
    confidence: float | None = None
    """The detector's confidence of this contact's read when it agrees, else of the latest agreeing one."""


def remembered(earlier: Iterable[Detection], current: Detection | None, now: float) -> Remembered | None:
    """The temperament to serve at ``now`` from the customer's ``earlier`` contacts' detections (any order; the
    most recent ``MEMORY_CONTACTS`` ended by ``now`` are read) and this contact's own confident one
    (``current``, None when its words showed none yet); None when no contact showed any."""
    past = sorted((d for d in earlier if d.at <= now), key=lambda d: d.at)[-MEMORY_CONTACTS:]
    evidence = [*past, current] if current is not None else past
    if not evidence:
        return None
    weight: dict[str, float] = {}
    latest: dict[str, Detection] = {}
    for detection in evidence:  # oldest first: ``latest`` ends on each temperament's newest read
        age = max(now - detection.at, 0.0) / _DAY if detection is not current else 0.0
        weight[detection.temperament] = weight.get(detection.temperament, 0.0) + 0.5 ** (age / HALF_LIFE_DAYS)
        latest[detection.temperament] = detection
    best = max(weight, key=lambda t: (weight[t], latest[t].at if latest[t] is not current else now))
    return Remembered(temperament=best, share=weight[best] / sum(weight.values()), contacts=len(evidence),
                      confidence=latest[best].confidence)
