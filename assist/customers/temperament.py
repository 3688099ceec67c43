"""The customer's temperament remembered across contacts, as the service records, reads and shows it (issue 19).

Each contact's interaction record keeps the temperament its words showed (confidently, at
``ASSIST_TEMPERAMENT_THRESHOLD``) when the customer consented to profiling: a remembered trait inferred
from their words is profiling, as segment and churn risk are (``assist.customers.masking.PROFILING_FIELDS``).
At accept the session reads the customer's recorded reads (``recorded_reads``, every channel, other journeys:
the one joined is heard through its transcript);
guidance and the panel combine them with this contact's words by the rule training uses
(``models.language.temperament_memory.remembered``). A CRM temperament wins over all of it, and what is shown
is always a detection with its confidence and how many contacts it comes from, never a fact of the record.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from pydantic import BaseModel
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.settings import Settings
from assist.stores.tables import Interaction
from models.language.temperament import Temperament
from models.language.temperament_memory import MEMORY_CONTACTS, Detection, Remembered, remembered

__all__ = ["HeardTemperament", "contact_read", "heard_temperament", "recorded_reads", "remembers"]


class HeardTemperament(BaseModel):
    """How the customer sounds (calm, anxious, angry, analytical), guessed from their words on this and earlier
    contacts: a guess the panel marks as one. ``served``: what guidance uses (confident enough, or agreed by
    earlier contacts)."""

    temperament: str
    confidence: float
    """The detector's confidence in the read that supports it (this contact's, else the latest earlier one)."""
    served: bool
    earlier_contacts: int = 0
    """Earlier contacts whose words showed a temperament and count towards this one (0: this contact alone)."""
    share: float = 1.0
    """Its share of the evidence of those contacts and this one (1: all agree)."""


def remembers(settings: Settings, consent: Mapping[str, bool] | None, practice: bool) -> bool:
    """Whether a contact's temperament is recorded and read back: with ``ASSIST_TEMPERAMENT_MEMORY``, live
    contacts of customers who consented to profiling (practice customers are simulated, and their contacts no
    evidence about anyone)."""
    return settings.temperament_memory and not practice and bool((consent or {}).get("profiling", False))


async def recorded_reads(session: AsyncSession, customer_id: str, besides: str | None = None) -> list[Detection]:
    """The temperament reads of the customer's latest ``MEMORY_CONTACTS`` live contacts that showed one, any
    channel and journey but ``besides`` (newest first; the caller checks ``remembers`` first). The contacts of
    the journey being joined are left out: its transcript holds their words, which the contact's read hears
    anyway (``assist.guidance.model.journey_temperament``), so they would count twice."""
    query = (select(Interaction.temperament, Interaction.temperament_confidence, Interaction.ended_at)
             .where(Interaction.customer_id == customer_id, col(Interaction.practice).is_(False),
                    col(Interaction.temperament).is_not(None), col(Interaction.ended_at).is_not(None)))
    if besides is not None:
        query = query.where(or_(col(Interaction.journey_id).is_(None), Interaction.journey_id != besides))
    rows = (await session.exec(query.order_by(col(Interaction.ended_at).desc()).limit(MEMORY_CONTACTS))).all()
    return [Detection(str(t), ended.timestamp(), c) for t, c, ended in rows if t is not None and ended is not None]


def contact_read(found: Temperament | None, threshold: float, at: float | None = None) -> Detection | None:
    """This contact's words as evidence: their read when confident (``threshold``), else None."""
    if found is None or found.confidence < threshold:
        return None
    return Detection(found.temperament, time.time() if at is None else at, found.confidence)


def heard_temperament(found: Temperament | None, earlier: Sequence[Detection], threshold: float,
                      now: float | None = None) -> HeardTemperament | None:
    """What the panel shows, and guidance serves when ``served``: this contact's read (``found``) with the
    ``earlier`` contacts' reads; None when neither shows anything. A read below ``threshold`` is shown as a
    guess not served, unless earlier contacts agree on a temperament (then theirs is served)."""
    now = time.time() if now is None else now
    current = contact_read(found, threshold, now)
    memory: Remembered | None = remembered(earlier, current, now)
    if memory is None:
        if found is None:
            return None
        return HeardTemperament(temperament=found.temperament, confidence=found.confidence, served=False)
    return HeardTemperament(temperament=memory.temperament, confidence=memory.confidence or 0.0, served=True,
                            earlier_contacts=memory.contacts - (current is not None), share=round(memory.share, 3))
