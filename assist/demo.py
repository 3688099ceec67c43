"""Demo data for ``make run``: a few hundred believable customers with histories across channels, open
journeys and a dozen agents, drawn from the simulator's world so demo and training data agree; and, at the
first start, a model trained and gated on that world, so a newcomer sees explained model prompts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import func, select

from assist.identity import normalise
from assist.journeys.state import JourneyState
from assist.settings import Settings
from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, CustomerIdentifier, Interaction, Journey
from simulator.world import demo_population

if TYPE_CHECKING:
    from models.training import TrainConfig

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


DEMO_HISTORY_ROWS = 20_000
"""Enough for the learned policy to beat its baselines on the demo world (DR 1.155 vs the logistic baseline's
1.141 and the rules' 0.972, with guardrails) while training in seconds."""


@dataclass(frozen=True)
class DemoModel:
    version: str
    promoted: bool
    trained: bool
    """False when a version was promoted already (nothing trained)."""
    refusals: tuple[str, ...] = ()


def demo_training() -> TrainConfig:
    """Fewer trees than a production training: the demo model must be ready in well under a minute."""
    from models.training import TrainConfig

    return TrainConfig(n_estimators=80, resolve_estimators=100)


def ensure_demo_model(settings: Settings, *, seed: int = 7, rows: int = DEMO_HISTORY_ROWS,
                      config: TrainConfig | None = None, progress: Callable[[str], None] | None = None) -> DemoModel:
    """Serve a model from the first start: when no version is promoted, train one on ``rows`` contacts of the
    demo world (the one the demo customers come from), and promote it if it passes the promotion gate
    (``assist.guidance.floor.gate``); a refused model stays registered and the rules answer."""
    from assist.guidance.floor import gate, promote, registry_call, train_version
    from simulator.world import generate_history

    current = registry_call(settings, lambda r: r.promoted())
    if current is not None:
        return DemoModel(current.version, promoted=True, trained=False)
    done = progress or (lambda step: None)
    history = generate_history(seed, rows)
    done(f"demo world: {rows:,} contacts")
    trained = train_version(settings, history, config or demo_training(), progress=done, truth=False)
    decision, _ = gate(settings, trained)
    if decision.promote:
        promote(settings, trained.row.version)
    return DemoModel(trained.row.version, decision.promote, trained=True, refusals=decision.refusals)


def demo_model_steps() -> int:
    from assist.guidance.floor import train_steps

    return train_steps(truth=False) + 1
