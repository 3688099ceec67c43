"""Assembling the context card: profile (masked by role), consent, risk, history across channels, open
journeys with their transaction state, and the reason for contact. Every card sent is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.audit import record_access
from assist.auth.principal import Principal
from assist.customers.schemas import CustomerView
from assist.customers.service import PROFILE_FIELDS, customer_view, has_consent
from assist.customers.temperament import HeardTemperament
from assist.identity import Identity, IdentityStatus, MaskedCandidate
from assist.journeys.state import JourneyState
from assist.stores.tables import Customer, Interaction, Journey


class InteractionSummary(BaseModel):
    id: str
    channel: str
    started_at: str
    intent: str
    outcome: str | None
    csat: int | None
    summary: str
    agent_id: str | None
    disposition: str | None = None
    """The wrap-up's disposition label (its code's words for a code no longer configured); None if none."""


class JourneySummary(BaseModel):
    id: str
    reason: str
    status: str
    channels: list[str]
    steps_done: list[str]
    pending: list[str]
    collected: dict[str, Any]
    handled_by: list[dict[str, Any]]
    transcript_tail: list[dict[str, Any]] = Field(default_factory=list)
    temperament: HeardTemperament | None = None
    """How the customer sounds, detected from their words on this journey and, with their profiling consent,
    on earlier contacts: a guess with its confidence, never a fact of the record; None when a CRM sent one or
    nothing showed any (the ``journey`` message's ``temperament``)."""


class ContextCard(BaseModel):
    session_id: str
    practice: bool
    channel: str
    reason: str
    identity: dict[str, Any]
    customer: CustomerView | None = None
    history: list[InteractionSummary] = Field(default_factory=list)
    current_journey: JourneySummary | None = None
    other_open_journeys: list[JourneySummary] = Field(default_factory=list)


def summarise_journey(state: JourneyState, tail: int = 20, temperament: HeardTemperament | None = None
                      ) -> JourneySummary:
    return JourneySummary(id=state.id, reason=state.reason, status=state.status, channels=state.channels,
                          steps_done=state.steps_done, pending=state.pending, collected=state.collected,
                          handled_by=[h.model_dump() for h in state.handled_by],
                          transcript_tail=[asdict(t) for t in state.transcript[-tail:]], temperament=temperament)


async def build_context_card(session: AsyncSession, principal: Principal, *, session_id: str, channel: str,
                             reason: str, identity: Identity, journey: JourneyState | None, practice: bool,
                             history_limit: int, request_id: str | None = None,
                             choices: Sequence[MaskedCandidate] = (),
                             dispositions: Mapping[str, str] | None = None,
                             temperament: HeardTemperament | None = None) -> ContextCard:
    """The card for ``principal``; the customer's data appears only for a resolved identity (an ambiguous one
    shows its candidates masked, as ``identity.choices``).

    Writes an audit row (``context_push``) naming the fields sent.
    """
    card = ContextCard(session_id=session_id, practice=practice, channel=channel, reason=reason,
                       identity={"status": identity.status.value, "matched_on": identity.matched_on,
                                 "linked": identity.linked, "candidates": len(identity.candidates),
                                 "choices": [c.model_dump() for c in choices]},
                       current_journey=summarise_journey(journey, temperament=temperament) if journey else None)
    if identity.status is not IdentityStatus.RESOLVED or identity.customer_id is None:
        return card
    customer = await session.get(Customer, identity.customer_id)
    if customer is None or customer.erased_at is not None or not has_consent(customer, "service"):
        card.identity["status"] = IdentityStatus.UNKNOWN.value
        return card
    card.customer = customer_view(customer, principal.role)
    rows = (await session.exec(select(Interaction).where(Interaction.customer_id == customer.id)
                               .order_by(col(Interaction.started_at).desc()).limit(history_limit))).all()
    labels = dispositions or {}
    card.history = [InteractionSummary(id=r.id, channel=r.channel, started_at=r.started_at.isoformat(),
                                       intent=r.intent, outcome=r.outcome, csat=r.csat, summary=r.summary,
                                       agent_id=r.agent_id, disposition=labels.get(r.disposition,
                                                                                   r.disposition.replace("_", " "))
                                       if r.disposition else None) for r in rows]
    others = (await session.exec(select(Journey).where(Journey.customer_id == customer.id,
                                                       Journey.status == "open"))).all()
    card.other_open_journeys = [
        JourneySummary(id=j.id, reason=j.reason, status=j.status, channels=j.channels,
                       steps_done=j.state.get("steps_done", []), pending=j.state.get("pending", []),
                       collected=j.state.get("collected", {}), handled_by=j.state.get("handled_by", []))
        for j in others if journey is None or j.id != journey.id]
    sent = [f for f in PROFILE_FIELDS if f in card.customer.model_fields_set] + ["history", "journeys"]
    await record_access(session, principal, customer.id, "context_push", fields=sent,
                        reason=f"session {session_id} ({channel}, {reason})", request_id=request_id)
    return card
