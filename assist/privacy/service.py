"""Export and erasure of one customer's data.

Erasure anonymises instead of deleting rows: interactions, journeys and audit entries stay (analytics and
the audit trail need them) but lose everything that identifies or describes the person. The customer row
keeps only its surrogate id, so later reads answer 410 Gone rather than 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.audit import record_access
from assist.auth.principal import Principal
from assist.customers.service import load_customer
from assist.stores.tables import AuditEntry, CustomerIdentifier, Interaction, Journey, utcnow

PII_FIELDS = ("name", "email", "phone", "date_of_birth", "address", "account_number")

LiveStateEraser = Callable[[list[str]], Awaitable[None]]
"""Removes live (Redis) state of the given journey ids; supplied by the journeys package."""


async def export_customer(session: AsyncSession, principal: Principal, customer_id: str,
                          request_id: str | None = None) -> dict[str, Any]:
    """Everything held on the customer, as JSON-ready dicts; audited as ``export``."""
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
    return {
        "customer": customer.model_dump(mode="json"),
        "identifiers": [i.model_dump(mode="json", exclude={"id"}) for i in identifiers],
        "interactions": [i.model_dump(mode="json") for i in interactions],
        "journeys": [j.model_dump(mode="json") for j in journeys],
        "audit": [a.model_dump(mode="json") for a in audit],
    }


async def erase_customer(session: AsyncSession, principal: Principal, customer_id: str, *,
                         erase_live_state: LiveStateEraser | None = None,
                         request_id: str | None = None) -> dict[str, int]:
    """Anonymise the customer everywhere; returns how many rows of each kind were touched.

    Raises NotFound for an unknown customer and Gone for one already erased.
    """
    customer = await load_customer(session, customer_id)
    for field in PII_FIELDS:
        setattr(customer, field, None)
    customer.consent = {}
    customer.erased_at = utcnow()
    session.add(customer)

    removed = await session.exec(delete(CustomerIdentifier)  # type: ignore[call-overload]
                                 .where(col(CustomerIdentifier.customer_id) == customer_id))
    interactions = (await session.exec(select(Interaction).where(Interaction.customer_id == customer_id))).all()
    for interaction in interactions:
        interaction.summary = ""
        session.add(interaction)
    journeys = (await session.exec(select(Journey).where(Journey.customer_id == customer_id))).all()
    for journey in journeys:
        journey.state = {"erased": True, "steps_done": journey.state.get("steps_done", [])}
        session.add(journey)
    audit = (await session.exec(select(AuditEntry).where(AuditEntry.customer_id == customer_id))).all()
    for entry in audit:
        entry.reason = ""
        session.add(entry)
    if erase_live_state is not None:
        await erase_live_state([j.id for j in journeys])
    await record_access(session, principal, customer_id, "erase", purpose="data_subject_request",
                        reason="data subject erasure request", request_id=request_id)
    return {"identifiers": removed.rowcount or 0, "interactions": len(interactions),
            "journeys": len(journeys), "audit_entries": len(audit)}
