"""Identity resolution: the identifiers a channel has (phone, email, chat visitor id, account number)
resolved to one customer, or flagged ambiguous rather than guessed.

Never guessing is the point: with two candidates, showing either one's data on the other's contact would be
a data breach. New identifiers are linked only after an unambiguous match.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.stores.tables import Customer, CustomerIdentifier

IDENTIFIER_KINDS = ("phone", "email", "visitor_id", "account_number")


class IdentityStatus(StrEnum):
    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


class Identity(BaseModel):
    status: IdentityStatus
    customer_id: str | None = None
    matched_on: list[str] = Field(default_factory=list)
    linked: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list, exclude=True)
    """Kept server-side so the agent can pick after verifying; never sent to the panel."""


def normalise(kind: str, value: str) -> str:
    """The canonical form stored and matched: emails lower-cased, phones as +digits, others trimmed."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        return f"+{digits}" if digits else ""
    if kind == "account_number":
        return value.upper()
    return value


async def resolve_identity(session: AsyncSession, identifiers: dict[str, str]) -> Identity:
    """Match every identifier; one customer -> resolved (unknown identifiers linked to it), several -> ambiguous.

    ``customer_id`` (a routing system that already knows the CRM id) counts as one more identifier.
    """
    wanted = {kind: normalise(kind, v) for kind, v in identifiers.items() if kind in IDENTIFIER_KINDS and v}
    wanted = {k: v for k, v in wanted.items() if v}
    direct = identifiers.get("customer_id", "")
    if not wanted and not direct:
        return Identity(status=IdentityStatus.UNKNOWN)
    rows = (await session.exec(select(CustomerIdentifier).where(
        col(CustomerIdentifier.value).in_(list(wanted.values()))))).all() if wanted else []
    owners = [(r.kind, r.customer_id) for r in rows if wanted.get(r.kind) == r.value]
    if direct:
        owners.append(("customer_id", direct))
    live = set()
    for customer_id in {owner for _, owner in owners}:
        customer = await session.get(Customer, customer_id)
        if customer is not None and customer.erased_at is None:
            live.add(customer_id)
    matched_on = sorted({kind for kind, owner in owners if owner in live})
    if len(live) > 1:
        return Identity(status=IdentityStatus.AMBIGUOUS, matched_on=matched_on, candidates=sorted(live))
    if not live:
        return Identity(status=IdentityStatus.UNKNOWN)
    customer_id = live.pop()
    linked = []
    for kind, value in wanted.items():
        if kind not in matched_on:
            try:
                async with session.begin_nested():
                    session.add(CustomerIdentifier(kind=kind, value=value, customer_id=customer_id))
                linked.append(kind)
            except IntegrityError:
                pass  # linked meanwhile by a concurrent contact of the same customer
    return Identity(status=IdentityStatus.RESOLVED, customer_id=customer_id, matched_on=matched_on, linked=linked)
