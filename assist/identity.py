"""Identity resolution: the identifiers a channel has (phone, email, chat visitor id, account number)
resolved to one customer, or flagged ambiguous rather than guessed.

Never guessing is the point: with two candidates, showing either one's data on the other's contact would be
a data breach. New identifiers are linked only after an unambiguous match.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from enum import StrEnum

import phonenumbers
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.stores.tables import Customer, CustomerIdentifier, Interaction

IDENTIFIER_KINDS = ("phone", "email", "visitor_id", "account_number")
DEFAULT_PHONE_REGION = "US"
"""Where a phone number written without a country code ("(202) 555-0194") is taken to be."""


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


def normalise(kind: str, value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """The canonical form stored and matched: emails lower-cased, phones in E.164, others trimmed.

    Every writer of a stored identifier and every lookup goes through here, so "(202) 555-0194" from a
    softphone and "+1 202-555-0194" in the CRM meet as "+12025550194". A phone the ``phonenumbers`` library
    cannot parse keeps its digits behind a "+" (never guessed into another number)."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        try:
            parsed = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            digits = re.sub(r"\D", "", value)
            return f"+{digits}" if digits else ""
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
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


class MaskedCandidate(BaseModel):
    """One of an ambiguous contact's candidates as the agent may see them before verifying: enough to ask
    the right security question ("Is this J., ending 0194, who called on 3 Nov?"), never enough to be a
    profile. ``handle`` stands for the customer id, which stays server-side."""

    handle: str
    initial: str
    last_digits: str
    digits_of: str
    """Whose last digits: "account" (the account number, which tells apart people who share a phone), else
    "phone"."""
    last_contact: str | None
    """ISO date of their latest interaction, or None."""


def candidate_handle(secret: str, session_id: str, customer_id: str) -> str:
    """An opaque, session-bound name for a candidate: worthless on any other contact, and recomputed rather
    than stored (an HMAC of the session and customer ids)."""
    mac = hmac.new(secret.encode(), f"{session_id}:{customer_id}".encode(), hashlib.sha256)
    return "K-" + mac.hexdigest()[:20]


def candidate_for(secret: str, session_id: str, candidates: Sequence[str], handle: str) -> str | None:
    """The candidate customer id that ``handle`` stands for on this session, or None."""
    return next((c for c in candidates if hmac.compare_digest(candidate_handle(secret, session_id, c), handle)),
                None)


async def masked_candidates(session: AsyncSession, secret: str, session_id: str,
                            candidates: Sequence[str]) -> list[MaskedCandidate]:
    """The masked list the panel shows for an ambiguous contact, in a stable order (by handle, which says
    nothing about the customer ids)."""
    out = []
    for customer_id in candidates:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.erased_at is not None:
            continue
        last = (await session.exec(select(func.max(Interaction.started_at))
                                   .where(Interaction.customer_id == customer_id))).one()
        account = re.sub(r"\D", "", customer.account_number or "")
        digits, of = (account, "account") if account else (re.sub(r"\D", "", customer.phone or ""), "phone")
        out.append(MaskedCandidate(handle=candidate_handle(secret, session_id, customer_id),
                                   initial=(customer.name or "?").strip()[:1].upper() + ".", last_digits=digits[-4:],
                                   digits_of=of, last_contact=last.date().isoformat() if last else None))
    return sorted(out, key=lambda c: c.handle)
