"""Customers and agents the stream tests put in the live server's database."""

from __future__ import annotations

from assist.identity import normalise
from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, CustomerIdentifier, Interaction
from tests.conftest import LiveServer


async def seed(server: LiveServer, *, customer_id: str, phone: str, email: str, visitor: str | None = None,
               vulnerable: bool = False, marketing: bool = True, refund_limit: float = 50.0,
               agents: tuple[str, ...] = ("A1", "A2")) -> None:
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            s.add(Customer(id=customer_id, name="Sam Carter", email=email, phone=phone, account_number="AC7781",
                           date_of_birth="1990-01-01", address="1 Mill Lane, York", segment="gold",
                           tenure_months=60, lifetime_value=3200, churn_risk=0.62, vulnerable=vulnerable,
                           consent={"service": True, "profiling": True, "marketing": marketing}))
            await s.flush()
            for kind, value in (("phone", phone), ("email", email), ("visitor_id", visitor)):
                if value:
                    s.add(CustomerIdentifier(kind=kind, value=normalise(kind, value), customer_id=customer_id))
            s.add(Interaction(id=f"I-old-{customer_id}", customer_id=customer_id, channel="email", agent_id="A9",
                              intent="billing_dispute", outcome="resolved", csat=4, summary="explained a charge"))
            for agent_id in agents:
                if await s.get(Agent, agent_id) is None:
                    s.add(Agent(id=agent_id, name=agent_id, refund_limit=refund_limit,
                                channels={"chat": 3, "phone": 1}))
    finally:
        await db.close()


async def api_key(server: LiveServer, name: str) -> str:
    """A machine client's key, stored in the live server's database."""
    from assist.auth.apikeys import create_api_key

    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            return await create_api_key(s, name)
    finally:
        await db.close()
