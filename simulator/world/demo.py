"""Demo data for ``assist seed-demo``: people with contact details, their past contacts, open journeys
and an agent roster, as plain dataclasses (``dataclasses.asdict`` turns any of them into a dict).

The people are fictional (see ``simulator.world.names``); everything is a pure function of the seed and
``as_of``, so two calls with the same arguments return equal populations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from simulator.world.agents import AgentProfile, draw_agents
from simulator.world.catalog import CHANNELS, CONSENT_PURPOSES, REASON_SKILL, REASON_STEPS, REASONS
from simulator.world.names import fictional_address, fictional_phone, person_name
from simulator.world.population import PRODUCTS, draw_customers
from simulator.world.world import REFERENCE_TIME, stream

__all__ = [
    "OUTCOMES",
    "DemoAgent",
    "DemoCustomer",
    "DemoInteraction",
    "DemoJourney",
    "DemoPopulation",
    "demo_population",
]

OUTCOMES: tuple[str, ...] = ("resolved", "escalated", "transferred", "abandoned", "unresolved")
_OUTCOME_P = [0.62, 0.08, 0.10, 0.08, 0.12]
_REASON_P = [0.16, 0.10, 0.12, 0.10, 0.18, 0.10, 0.12, 0.12]
_CSAT_P = {
    "resolved": [0.02, 0.04, 0.14, 0.38, 0.42], "escalated": [0.15, 0.25, 0.3, 0.2, 0.1],
    "transferred": [0.08, 0.17, 0.35, 0.28, 0.12], "unresolved": [0.35, 0.3, 0.2, 0.1, 0.05],
}


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    customer_id: str
    name: str
    email: str
    phone: str
    date_of_birth: str
    """ISO date, YYYY-MM-DD."""
    address: str
    account_number: str
    segment: str
    plan: str
    tenure_months: int
    lifetime_value: float
    churn_risk: float
    temperament: str
    vulnerable: bool
    language: str
    preferred_channel: str
    consent: dict[str, bool]
    """Purpose -> granted, for service, marketing, profiling, analytics and recording."""


@dataclass(frozen=True, slots=True)
class DemoInteraction:
    interaction_id: str
    customer_id: str
    journey_id: str | None
    channel: str
    agent_id: str | None
    """None when the customer abandoned before reaching an agent."""
    started_at: datetime
    """Timezone-aware UTC, like ``ended_at``."""
    ended_at: datetime
    reason: str
    outcome: str
    """One of ``OUTCOMES``: resolved, escalated, transferred, abandoned, unresolved."""
    csat: int | None
    summary: str

    @property
    def intent(self) -> str:
        """The reason under the name the service's interaction records use."""
        return self.reason


@dataclass(frozen=True, slots=True)
class DemoJourney:
    journey_id: str
    customer_id: str
    reason: str
    channels: list[str]
    opened_at: datetime
    updated_at: datetime
    steps_done: list[str]
    pending_steps: list[str]
    owner_agent_id: str | None
    status: str = "open"


@dataclass(frozen=True, slots=True)
class DemoAgent:
    agent_id: str
    name: str
    role: str
    """``agent`` or ``supervisor``."""
    team: str
    skills: dict[str, int]
    """Skill -> proficiency 1..5 (billing, technical, retention, complaints, sales, spanish, ...)."""
    languages: list[str]
    channels: dict[str, int]
    """Channel -> concurrent contacts allowed, e.g. {"chat": 3, "phone": 1, "email": 5}."""
    refund_limit: float


@dataclass(frozen=True, slots=True)
class DemoPopulation:
    customers: list[DemoCustomer]
    interactions: list[DemoInteraction]
    journeys: list[DemoJourney]
    agents: list[DemoAgent]
    as_of: datetime = field(default=REFERENCE_TIME)

    def counts(self) -> dict[str, int]:
        return {"customers": len(self.customers), "interactions": len(self.interactions),
                "journeys": len(self.journeys), "agents": len(self.agents)}


def _summary(rng: np.random.Generator, reason: str, outcome: str) -> str:
    product = PRODUCTS[int(rng.integers(len(PRODUCTS)))].name
    amount = f"{float(rng.lognormal(np.log(35), 0.7)):.2f}"
    what = {
        "billing_dispute": f"Disputed a charge of {amount} on the latest bill",
        "outage": "Reported no service in the area since the morning",
        "refund": f"Asked for a refund of {amount} for the {product}",
        "cancel": "Wants to cancel the contract, citing price",
        "technical_issue": f"{product} keeps dropping the connection",
        "complaint": "Complained about a previous agent's handling and repeated calls",
        "plan_change": "Asked about moving to a different plan",
        "order_status": f"Asked where the {product} order is",
    }[reason]
    result = {
        "resolved": "resolved on the contact.", "escalated": "escalated to a supervisor.",
        "transferred": "transferred to a specialist team.", "abandoned": "customer left the queue before an answer.",
        "unresolved": "not resolved; customer expects a follow-up.",
    }[outcome]
    return f"{what}; {result}"


def _interaction(rng: np.random.Generator, serial: int, customer: DemoCustomer, agents: list[AgentProfile],
                 when: datetime, reason: str, outcome: str, journey_id: str | None,
                 latest: datetime) -> DemoInteraction:
    channel = customer.preferred_channel if rng.random() < 0.6 else CHANNELS[int(rng.integers(3))]
    minutes: tuple[float, float] = {"phone": (3.0, 15.0), "chat": (5.0, 25.0), "email": (120.0, 2880.0)}[channel]
    if outcome == "abandoned":
        minutes, agent_id = (0.5, 5.0), None
    else:
        skilled = [a for a in agents if REASON_SKILL[reason] in a.skills and a.role == "agent"] or agents
        agent_id = skilled[int(rng.integers(len(skilled)))].agent_id
    ended = min(when + timedelta(minutes=float(rng.uniform(*minutes))), max(latest, when))
    surveyed = outcome != "abandoned" and rng.random() < 0.6
    csat = int(rng.choice(5, p=_CSAT_P[outcome])) + 1 if surveyed else None
    return DemoInteraction(f"D{serial:07d}", customer.customer_id, journey_id, channel, agent_id, when, ended,
                           reason, outcome, csat, _summary(rng, reason, outcome))


def _business_time(rng: np.random.Generator, as_of: datetime, min_days: float, max_days: float) -> datetime:
    day = (as_of - timedelta(days=float(rng.uniform(min_days, max_days)))).replace(minute=0, second=0,
                                                                                    microsecond=0)
    return day.replace(hour=int(rng.integers(8, 20))) + timedelta(seconds=int(rng.integers(3600)))


def demo_population(seed: int, n_customers: int = 300, n_agents: int = 12, *,
                    as_of: datetime | None = None) -> DemoPopulation:
    """Customers with contact details and consent, their last six months of contacts across channels,
    open journeys for about one customer in seven, and ``n_agents`` agents ``A1``.. (A6, A12, ... are
    supervisors).

    ``as_of`` is "now" for the dates (timezone-aware; default a fixed reference time, so the result
    depends on the arguments only). Raises ValueError for counts below 1 or a naive ``as_of``.
    """
    as_of = as_of or REFERENCE_TIME
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    rng = stream(seed, "demo")
    frame = draw_customers(rng, n_customers)
    agent_profiles = list(draw_agents(stream(seed, "agents"), n_agents))
    customers = []
    for i, row in enumerate(frame.itertuples(index=False)):
        name = person_name(rng, str(row.language))
        born = date(as_of.year - int(row.age), 1, 1) + timedelta(days=int(rng.integers(365)))
        customers.append(DemoCustomer(
            customer_id=str(row.customer_id), name=name.full, email=name.email(i + 1),
            phone=fictional_phone(rng, str(row.language)), date_of_birth=born.isoformat(),
            address=fictional_address(rng, str(row.language)), account_number=f"AC{10_000_000 + 7919 * (i + 1)}",
            segment=str(row.segment), plan=str(row.plan), tenure_months=int(row.tenure_months),
            lifetime_value=float(row.lifetime_value), churn_risk=float(row.churn_risk),
            temperament=str(row.temperament), vulnerable=bool(row.vulnerable), language=str(row.language),
            preferred_channel=str(row.preferred_channel),
            consent={p: bool(getattr(row, f"consent_{p}")) for p in CONSENT_PURPOSES},
        ))
    interactions: list[DemoInteraction] = []
    journeys: list[DemoJourney] = []
    for customer in customers:
        for _ in range(min(int(rng.poisson(2.2)), 8)):
            reason = REASONS[int(rng.choice(len(REASONS), p=_REASON_P))]
            outcome = OUTCOMES[int(rng.choice(len(OUTCOMES), p=_OUTCOME_P))]
            when = _business_time(rng, as_of, 12, 180)
            interactions.append(_interaction(rng, len(interactions) + 1, customer, agent_profiles, when, reason,
                                             outcome, None, as_of))
        if rng.random() < 1 / 7:
            journeys.append(_open_journey(rng, customer, agent_profiles, as_of, len(journeys) + 1, interactions))
    interactions.sort(key=lambda x: (x.started_at, x.interaction_id))
    agents = [DemoAgent(a.agent_id, a.name, a.role, a.team, dict(a.skills), list(a.languages), dict(a.channels),
                        a.refund_limit) for a in agent_profiles]
    return DemoPopulation(customers, interactions, journeys, agents, as_of)


def _open_journey(rng: np.random.Generator, customer: DemoCustomer, agents: list[AgentProfile], as_of: datetime,
                  serial: int, interactions: list[DemoInteraction]) -> DemoJourney:
    """An unfinished journey with one or two contacts so far; appends those contacts to ``interactions``."""
    reason = REASONS[int(rng.choice(len(REASONS), p=_REASON_P))]
    steps = REASON_STEPS[reason]
    done = int(rng.integers(1, len(steps)))
    journey_id = f"DJ{serial:05d}"
    opened = _business_time(rng, as_of, 1, 10)
    contacts = []
    when = opened
    for k in range(int(rng.integers(1, 3))):
        outcome = "transferred" if k == 0 and rng.random() < 0.3 else "unresolved"
        contact = _interaction(rng, len(interactions) + 1, customer, agents, when, reason, outcome, journey_id,
                               as_of)
        interactions.append(contact)
        contacts.append(contact)
        when = min(contact.ended_at + timedelta(hours=float(rng.uniform(2, 30))), as_of - timedelta(minutes=5))
    channels = list(dict.fromkeys(c.channel for c in contacts))
    return DemoJourney(journey_id, customer.customer_id, reason, channels, opened, contacts[-1].ended_at,
                       list(steps[:done]), list(steps[done:]), contacts[-1].agent_id)
