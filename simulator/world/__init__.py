"""The synthetic contact-center world: customers, agents, a ground-truth outcome model and history.

Pure numpy/pandas, deterministic for a seed. ``generate_world`` draws the static world,
``generate_history`` logs interactions under a known stochastic policy (with propensities) in the
import schema of ``docs/history_schema.md``, ``expected_outcome``/``value`` are the truth an oracle
maximises, and ``demo_population`` is the seed data behind ``assist seed-demo``.
"""

from simulator.world.agents import AgentProfile
from simulator.world.behaviour import LoggingPolicy, playbook_actions
from simulator.world.catalog import ACTIONS, CHANNELS, REASONS
from simulator.world.demo import (
    DemoAgent,
    DemoCustomer,
    DemoInteraction,
    DemoJourney,
    DemoPopulation,
    demo_population,
)
from simulator.world.history import generate_history
from simulator.world.population import Customer, Product
from simulator.world.schema import HISTORY_COLUMNS, read_history, validate_history, write_history
from simulator.world.truth import (
    OutcomeProbabilities,
    OutcomeTable,
    action_values,
    expected_outcome,
    oracle_action,
    oracle_actions,
    outcome_table,
    policy_value,
    value,
)
from simulator.world.world import World, generate_world

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "HISTORY_COLUMNS",
    "REASONS",
    "AgentProfile",
    "Customer",
    "DemoAgent",
    "DemoCustomer",
    "DemoInteraction",
    "DemoJourney",
    "DemoPopulation",
    "LoggingPolicy",
    "OutcomeProbabilities",
    "OutcomeTable",
    "Product",
    "World",
    "action_values",
    "demo_population",
    "expected_outcome",
    "generate_history",
    "generate_world",
    "oracle_action",
    "oracle_actions",
    "outcome_table",
    "playbook_actions",
    "policy_value",
    "read_history",
    "validate_history",
    "value",
    "write_history",
]
