"""Reading a customer record on someone's behalf: authorize, check consent, disclose by role, audit."""

from __future__ import annotations

from typing import NoReturn

from sqlmodel.ext.asyncio.session import AsyncSession

from assist.audit import record_access, record_refusal
from assist.auth.principal import Principal, Role
from assist.customers.access import SessionsOf, serves_customer
from assist.customers.masking import disclose
from assist.customers.schemas import CustomerView, Purpose
from assist.errors import Forbidden, Gone, NotFound
from assist.stores.tables import Customer

READER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
"""Trainers practise on simulated customers and machines route contacts: neither reads real records."""

PROFILE_FIELDS = ("name", "email", "phone", "account_number", "address", "date_of_birth", "segment",
                  "tenure_months", "lifetime_value", "churn_risk", "vulnerable", "language", "preferred_channel")


def has_consent(customer: Customer, purpose: Purpose | str) -> bool:
    """Service use is granted unless withdrawn; every other purpose needs an explicit yes."""
    purpose = Purpose(purpose)
    return bool(customer.consent.get(purpose.value, purpose is Purpose.SERVICE))


async def load_customer(session: AsyncSession, customer_id: str) -> Customer:
    """The live record; raises NotFound, or Gone once the customer was erased."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}", code="customer_not_found")
    if customer.erased_at is not None:
        raise Gone(f"customer {customer_id!r} was erased", code="customer_erased")
    return customer


def customer_view(customer: Customer, role: Role) -> CustomerView:
    """The role's view of ``customer`` (no audit: callers that send it must audit)."""
    record = {field: getattr(customer, field) for field in PROFILE_FIELDS}
    shown, withheld = disclose(record, role, customer.consent)
    return CustomerView(id=customer.id, consent=dict(customer.consent), withheld=withheld, **shown)


async def read_customer(session: AsyncSession, principal: Principal, customer_id: str, *,
                        purpose: Purpose = Purpose.SERVICE, reason: str = "", request_id: str | None = None,
                        sessions_of: SessionsOf | None = None) -> CustomerView:
    """The customer as ``principal`` may see them, with an audit row naming the fields sent.

    Raises Forbidden for a role that does not read customers, an agent not serving this customer (see
    ``assist.customers.access``; ``sessions_of`` gives the agent's live sessions) or a purpose without consent,
    each refusal audited as ``read_refused``; NotFound/Gone for an unknown or erased customer.
    """
    if principal.role not in READER_ROLES:
        await _refuse(session, principal, customer_id, purpose, reason, request_id, Forbidden(
            f"role {principal.role} does not read customer records", code="role_forbidden"))
    customer = await load_customer(session, customer_id)
    if not await serves_customer(session, principal, customer.id, sessions_of):
        await _refuse(session, principal, customer_id, purpose, reason, request_id, Forbidden(
            "agents read a customer only while handling a contact or an open journey of theirs",
            code="not_serving_customer"))
    if not has_consent(customer, purpose):
        await _refuse(session, principal, customer_id, purpose, reason, request_id, Forbidden(
            f"customer has not consented to use for {purpose}", code="consent_missing"))
    view = customer_view(customer, principal.role)
    sent = [name for name in PROFILE_FIELDS if name in view.model_fields_set]
    await record_access(session, principal, customer.id, "read", purpose=purpose.value, fields=sent,
                        reason=reason, request_id=request_id)
    return view


async def _refuse(session: AsyncSession, principal: Principal, customer_id: str, purpose: Purpose, reason: str,
                  request_id: str | None, error: Forbidden) -> NoReturn:
    await record_refusal(session, principal, customer_id, "read", code=error.code, purpose=purpose.value,
                         reason=reason, request_id=request_id)
    raise error
