"""Demo data for ``make run``: a few hundred believable customers with histories across channels, open
journeys and a dozen agents, drawn from the simulator's world so demo and training data agree."""

from __future__ import annotations

from sqlmodel import func, select

from assist.identity import normalise
from assist.journeys.state import JourneyState
from assist.settings import Settings
from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, CustomerIdentifier, Interaction, Journey
from simulator.world import demo_population

DEMO_AGENT = "A1"
DEMO_SUPERVISOR = "A6"
DEMO_TRAINER = "T1"


async def seed_demo(settings: Settings, *, seed: int = 7, customers: int = 300, force: bool = False) -> dict[str, int]:
    """Load the demo population; returns counts. Refuses (ValueError) to mix into a non-empty database
    unless ``force``, because demo ids would collide with real ones."""
    db = Database(settings.resolved_database_url)
    try:
        await db.create_schema()
        async with db.session() as s:
            existing = (await s.exec(select(func.count()).select_from(Customer))).one()
        if existing and not force:
            raise ValueError(f"the database already holds {existing} customers; use --force to add demo data")
        population = demo_population(seed, n_customers=customers)
        async with db.session() as s:
            for c in population.customers:
                s.add(Customer(id=c.customer_id, name=c.name, email=c.email, phone=c.phone,
                               date_of_birth=c.date_of_birth, address=c.address, account_number=c.account_number,
                               segment=c.segment, tenure_months=c.tenure_months, lifetime_value=c.lifetime_value,
                               churn_risk=c.churn_risk, vulnerable=c.vulnerable, language=c.language,
                               preferred_channel=c.preferred_channel, consent=dict(c.consent)))
            await s.flush()
            for c in population.customers:
                for kind, value in (("email", c.email), ("phone", c.phone), ("account_number", c.account_number)):
                    s.add(CustomerIdentifier(kind=kind, value=normalise(kind, value), customer_id=c.customer_id))
            for j in population.journeys:
                state = JourneyState(id=j.journey_id, customer_id=j.customer_id, reason=j.reason,
                                     steps_done=list(j.steps_done), pending=list(j.pending_steps))
                s.add(Journey(id=j.journey_id, customer_id=j.customer_id, reason=j.reason, status=j.status,
                              owner_agent_id=j.owner_agent_id, channels=list(j.channels), state=state.sql_state(),
                              opened_at=j.opened_at, updated_at=j.updated_at))
            for i in population.interactions:
                s.add(Interaction(id=i.interaction_id, customer_id=i.customer_id, journey_id=i.journey_id,
                                  channel=i.channel, agent_id=i.agent_id, started_at=i.started_at,
                                  ended_at=i.ended_at, intent=i.intent, outcome=i.outcome, csat=i.csat,
                                  summary=i.summary))
            for a in population.agents:
                s.add(Agent(id=a.agent_id, name=a.name, role=a.role, team=a.team, skills=dict(a.skills),
                            languages=list(a.languages), channels=dict(a.channels), refund_limit=a.refund_limit))
        return population.counts()
    finally:
        await db.close()


async def seed_demo_if_empty(settings: Settings) -> bool:
    """Seed when the database has no customers yet; True when it did."""
    try:
        await seed_demo(settings)
    except ValueError:
        return False
    return True
