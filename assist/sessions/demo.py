"""Demo mode (``assist serve --demo``, ``make run``): a newcomer opens a contact and plays the customer from the
panel itself, and sees customer words turn into a prompt with its reasons without any REST call or channel
system. Every entry point here is refused with ``demo_only`` outside demo mode, before anything is touched:
in production every contact comes from routing and every customer line from a real channel."""

from __future__ import annotations

from sqlmodel import select

from assist.auth.principal import Principal
from assist.errors import Forbidden
from assist.guidance.interface import Prompt
from assist.sessions.events import handle_event
from assist.sessions.schemas import OfferRequest
from assist.sessions.service import SessionService
from assist.sessions.state import SessionState
from assist.stores.tables import Customer
from assist.stream.protocol import DemoOfferData, ErrorCode, EventData, SimulateCustomerData

__all__ = ["offer_demo_contact", "simulate_customer"]


def _demo_only(service: SessionService, what: str) -> None:
    if not service.settings.demo_mode:
        raise Forbidden(f"{what} are for demo mode only (assist serve --demo)", code=ErrorCode.DEMO_ONLY)


async def simulate_customer(service: SessionService, principal: Principal, data: SimulateCustomerData) -> list[Prompt]:
    """Record ``data.text`` as the customer's line on the session and guide on it; the line comes back as a
    ``transcript`` message marked ``simulated``. Raises Forbidden (``demo_only``) outside demo mode."""
    _demo_only(service, "simulated customer lines")
    event = EventData(session_id=data.session_id, kind="utterance", speaker="customer", text=data.text)
    return await handle_event(service, principal, event, simulated=True)


async def offer_demo_contact(service: SessionService, principal: Principal, data: DemoOfferData) -> SessionState:
    """Offer the caller a chat about ``data.reason`` from the first demo customer (by id), as routing would.
    Raises Forbidden (``demo_only``) outside demo mode, or (``role_forbidden``) for a machine."""
    _demo_only(service, "demo contacts")
    if principal.is_machine:
        raise Forbidden("demo contacts are offered to people in the panel", code="role_forbidden")
    async with service.db.session() as s:
        customer_id = (await s.exec(select(Customer.id).order_by(Customer.id).limit(1))).first()
    identifiers = {"customer_id": customer_id} if customer_id else {}
    return await service.offer(OfferRequest(agent_id=principal.subject, channel="chat", reason=data.reason,
                                            identifiers=identifiers, expires_in_seconds=120.0))
