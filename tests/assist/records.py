"""Records the service tests put in the database directly (the API under test only reads them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, CustomerIdentifier, Interaction, Journey


async def add_customer(db: Database, customer_id: str = "C1", *, profiling: bool = True,
                       marketing: bool = False) -> Customer:
    """A customer with PII, two identifiers, two past interactions and an open journey that agent A1 handled
    (so A1 may read the customer: agents read only customers they serve)."""
    customer = Customer(
        id=customer_id, name="Jane Doe", email="jane.doe@example.com", phone="+44 7700 900123",
        date_of_birth="1984-03-02", address="12 High Street, Leeds", account_number="ACC-0004567",
        segment="gold", tenure_months=84, lifetime_value=5400.0, churn_risk=0.31, vulnerable=False,
        consent={"service": True, "profiling": profiling, "marketing": marketing, "analytics": True},
    )
    started = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    async with db.session() as s:
        s.add(customer)
        await s.flush()
        s.add(CustomerIdentifier(kind="email", value="jane.doe@example.com", customer_id=customer_id))
        s.add(CustomerIdentifier(kind="phone", value="+447700900123", customer_id=customer_id))
        s.add(Journey(id=f"J-{customer_id}", customer_id=customer_id, reason="refund",
                      state={"steps_done": ["identity_verified"], "pending": ["refund_requested"],
                             "collected": {"order": "O-77"},
                             "handled_by": [{"agent_id": "A1", "channel": "chat", "session_id": "S-old"}]}))
        for n, channel in enumerate(("chat", "phone")):
            s.add(Interaction(id=f"I-{customer_id}-{n}", customer_id=customer_id, journey_id=f"J-{customer_id}",
                              channel=channel, agent_id="A1", started_at=started + timedelta(days=n),
                              intent="refund", outcome="unresolved", summary=f"asked about refund ({channel})"))
    return customer


async def add_agent(db: Database, agent_id: str = "A1", role: str = "agent") -> Agent:
    agent = Agent(id=agent_id, name=f"Agent {agent_id}", role=role, skills={"billing": 4},
                  languages=["en"], channels={"chat": 3, "phone": 1})
    async with db.session() as s:
        s.add(agent)
    return agent
