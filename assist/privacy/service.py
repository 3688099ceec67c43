"""Export and erasure of one customer's data.

Erasure anonymises instead of deleting rows: interactions, journeys and audit entries stay (analytics and
the audit trail need them) but lose everything that identifies or describes the person. The customer row
keeps only its surrogate id, so later reads answer 410 Gone rather than 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.audit import record_access
from assist.auth.principal import Principal
from assist.customers.service import load_customer
from assist.privacy.live import ErasureSubject
from assist.privacy.schemas import CustomerExport, ExportedIdentifier
from assist.stores.tables import AuditEntry, Customer, CustomerIdentifier, Interaction, Journey, utcnow
from assist.supervision.tables import FollowUp

PII_FIELDS = ("name", "email", "phone", "date_of_birth", "address", "account_number")

LiveStateEraser = Callable[[ErasureSubject], Awaitable[dict[str, int]]]
"""Removes or redacts every live (Redis) copy of one customer's data (``assist.privacy.live.LiveErasure``);
returns how many of each kind it touched."""


async def export_customer(session: AsyncSession, principal: Principal, customer_id: str,
                          request_id: str | None = None) -> CustomerExport:
    """Everything held on the customer; audited as ``export``."""
    customer = await load_customer(session, customer_id)
    identifiers = (await session.exec(select(CustomerIdentifier)
                                      .where(CustomerIdentifier.customer_id == customer_id))).all()
    interactions = (await session.exec(select(Interaction).where(Interaction.customer_id == customer_id)
                                       .order_by(col(Interaction.started_at)))).all()
    journeys = (await session.exec(select(Journey).where(Journey.customer_id == customer_id))).all()
    audit = (await session.exec(select(AuditEntry).where(AuditEntry.customer_id == customer_id)
                                .order_by(col(AuditEntry.at)))).all()
    await record_access(session, principal, customer_id, "export", purpose="data_subject_request",
                        reason="data subject access request", request_id=request_id)
    return CustomerExport(
        customer=customer,
        identifiers=[ExportedIdentifier.model_validate(i, from_attributes=True) for i in identifiers],
        interactions=list(interactions), journeys=list(journeys), audit=list(audit),
    )


async def erase_customer(session: AsyncSession, principal: Principal, customer_id: str, *,
                         erase_live_state: LiveStateEraser | None = None,
                         request_id: str | None = None) -> dict[str, int]:
    """Anonymise the customer everywhere; returns how many rows of each kind were touched.

    Raises NotFound for an unknown customer and Gone for one already erased. The live copies in Redis are
    erased before the SQL transaction commits: if that fails, nothing is committed and the erasure can be run
    again; if the commit fails after it, the customer is still unerased and a second run finishes the job.
    """
    customer = await load_customer(session, customer_id)
    subject = await erasure_subject(session, customer)
    for field in PII_FIELDS:
        setattr(customer, field, None)
    customer.consent = {}
    customer.erased_at = utcnow()
    session.add(customer)

    removed = await session.exec(delete(CustomerIdentifier)
                                 .where(col(CustomerIdentifier.customer_id) == customer_id))
    interactions = (await session.exec(select(Interaction).where(Interaction.customer_id == customer_id))).all()
    for interaction in interactions:
        interaction.summary = ""
        interaction.temperament, interaction.temperament_confidence = None, None  # a trait inferred of them
        session.add(interaction)
    journeys = (await session.exec(select(Journey).where(Journey.customer_id == customer_id))).all()
    for journey in journeys:
        journey.state = {"erased": True, "steps_done": journey.state.get("steps_done", [])}
        session.add(journey)
    audit = (await session.exec(select(AuditEntry).where(AuditEntry.customer_id == customer_id))).all()
    for entry in audit:
        entry.reason = ""
        session.add(entry)
    follow_ups = await session.exec(update(FollowUp).where(col(FollowUp.customer_id) == customer_id)
                                    .values(customer={}, summary="", note=""))
    live = await erase_live_state(subject) if erase_live_state is not None else {}
    await record_access(session, principal, customer_id, "erase", purpose="data_subject_request",
                        reason="data subject erasure request", request_id=request_id)
    return {"identifiers": removed.rowcount or 0, "interactions": len(interactions),
            "journeys": len(journeys), "audit_entries": len(audit), "follow_ups": follow_ups.rowcount or 0,
            **{f"live_{kind}": n for kind, n in live.items()}}


async def erasure_subject(session: AsyncSession, customer: Customer) -> ErasureSubject:
    """What finds the customer's live copies: their journeys, the sessions and agents that served them, their
    identifiers and values. Read before anonymising, which removes most of it."""
    subject = ErasureSubject(customer_id=customer.id)
    subject.add_values(getattr(customer, name) for name in PII_FIELDS)
    identifiers = (await session.exec(select(CustomerIdentifier)
                                      .where(CustomerIdentifier.customer_id == customer.id))).all()
    subject.add_identifiers([customer.id, *(i.value for i in identifiers)])
    subject.add_values(i.value for i in identifiers)
    for journey in (await session.exec(select(Journey).where(Journey.customer_id == customer.id))).all():
        subject.journey_ids.add(journey.id)
        for handler in journey.state.get("handled_by", []) or []:
            if isinstance(handler, dict):
                subject.agent_ids.add(str(handler.get("agent_id", "")))
                subject.session_ids.add(str(handler.get("session_id", "")))
    for interaction in (await session.exec(select(Interaction)
                                           .where(Interaction.customer_id == customer.id))).all():
        if interaction.agent_id:
            subject.agent_ids.add(interaction.agent_id)
        if interaction.id.startswith("I-S-"):  # a session's interaction is "I-<session id>"
            subject.session_ids.add(interaction.id[2:])
    return subject
