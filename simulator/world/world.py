"""A World: customers, products, orders and agents drawn from one seed.

Every random stream hangs off ``numpy.random.SeedSequence(seed)`` with a fixed spawn key per purpose,
so adding a new stream never changes what an existing one draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from simulator.world.agents import AgentProfile, draw_agents
from simulator.world.population import PRODUCTS, Customer, Product, draw_customers, draw_orders

__all__ = ["REFERENCE_TIME", "World", "generate_world", "stream"]

REFERENCE_TIME = datetime(2025, 1, 6, tzinfo=UTC)
"""The world's "now": customer tenure and order ages are measured from it, histories start at it."""

_STREAMS = {"customers": 1, "orders": 2, "agents": 3, "history": 4, "demo": 5, "personas": 6, "traffic": 7,
            "arrivals": 8}


def stream(seed: int, purpose: str) -> np.random.Generator:
    """An independent generator for ``purpose`` (one of customers, orders, agents, history, demo,
    personas, traffic, arrivals) derived from ``seed``; raises KeyError for another purpose."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(_STREAMS[purpose],)))


@dataclass(frozen=True)
class World:
    """Everything static in the synthetic contact center; histories and personas are drawn from it."""

    seed: int
    customers: pd.DataFrame
    products: tuple[Product, ...]
    orders: pd.DataFrame
    agents: tuple[AgentProfile, ...]
    reference_time: datetime = REFERENCE_TIME

    def customer(self, customer_id: str) -> Customer:
        """One customer by id; raises KeyError if there is none."""
        hits = self.customers.index[self.customers["customer_id"] == customer_id]
        if len(hits) == 0:
            raise KeyError(customer_id)
        return Customer.from_row(self.customers.loc[hits[0]])

    def agent(self, agent_id: str) -> AgentProfile:
        """One agent by id; raises KeyError if there is none."""
        for agent in self.agents:
            if agent.agent_id == agent_id:
                return agent
        raise KeyError(agent_id)


def generate_world(seed: int, n_customers: int = 20_000, n_agents: int = 60) -> World:
    """A world of ``n_customers`` customers and ``n_agents`` agents, identical for the same arguments.

    Raises ValueError if either count is below 1.
    """
    customers = draw_customers(stream(seed, "customers"), n_customers)
    orders = draw_orders(stream(seed, "orders"), customers)
    agents = draw_agents(stream(seed, "agents"), n_agents)
    return World(seed=seed, customers=customers, products=PRODUCTS, orders=orders, agents=agents)
