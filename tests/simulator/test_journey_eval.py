"""Policies deployed over whole journeys: the history's own stepping, the same journeys for every policy, paired
differences whose intervals mean what they say, and the learned policy ahead of the rules on the composite."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from models.outcome_table import OutcomeEstimate, render_outcome_table
from models.training import TrainConfig, TrainedModels, train
from simulator.journey_eval import JOURNEY_OUTCOMES, DeployedPolicy, journey_table, model_policies
from simulator.world import LoggingPolicy, generate_history
from simulator.world.history import deploy_journeys

WORLD = 7
JOURNEYS = 8000


@lru_cache(maxsize=1)
def demo_recipe_model() -> TrainedModels:
    """The demo model's recipe (20 000 contacts, 80 trees): the smallest that learns what a journey needs."""
    return train(generate_history(WORLD, 20_000), TrainConfig(n_estimators=80, resolve_estimators=100))[0]


@lru_cache(maxsize=2)
def table(seed: int) -> dict[tuple[str, str], OutcomeEstimate]:
    rows = journey_table(WORLD, JOURNEYS, model_policies(demo_recipe_model()), seed=seed)
    return {(r.policy, r.outcome): r for r in rows}


def test_deploying_the_logging_habit_reproduces_the_history():
    n = 3000
    deployed = deploy_journeys(WORLD, n, LoggingPolicy(), seed=5)
    deployed = deployed.sort_values(["started_at", "journey_id"], kind="stable").head(n).reset_index(drop=True)
    logged = generate_history(WORLD, n, seed=5)
    pd.testing.assert_frame_equal(deployed.drop(columns="interaction_id"), logged.drop(columns="interaction_id"))


def test_every_policy_meets_the_same_journeys():
    first = [deploy_journeys(WORLD, 500, DeployedPolicy(a, lambda f, a=a: np.full(len(f), a)), seed=9)
             .query("journey_step == 0").drop(columns=["action", "resolved", "escalated", "churned", "csat",
                                                       "ended_at", "interaction_id", "logging_policy"])
             for a in ("apologise_acknowledge", "offer_refund_small")]
    assert len(first[0]) == 500
    pd.testing.assert_frame_equal(first[0].reset_index(drop=True), first[1].reset_index(drop=True))


def test_a_paired_difference_is_the_difference_of_the_means():
    rows = table(61)
    for (policy, outcome), r in rows.items():
        assert abs(r.difference - (r.value - rows[("rules", outcome)].value)) < 1e-9, (policy, outcome)


def test_pairing_narrows_the_interval_on_the_composite():
    rows = table(61)
    rules = rows[("rules", "value")]
    for policy in {p for p, _ in rows} - {"rules"}:
        r = rows[(policy, "value")]
        assert r.difference_stderr < np.hypot(r.stderr, rules.stderr), policy


def test_independent_draws_of_journeys_agree_within_their_intervals():
    a, b = table(61), table(62)
    misses = [key for key in a if abs(a[key].value - b[key].value) > 3 * np.hypot(a[key].stderr, b[key].stderr)]
    assert not misses


def test_the_learned_policy_beats_the_rules_over_journeys():
    for seed in (61, 62):
        r = table(seed)[("learned", "value")]
        assert r.difference - 1.959964 * r.difference_stderr > 0, (seed, r)


def test_the_table_has_a_row_per_policy_and_a_column_per_journey_outcome():
    rows = list(table(61).values())
    text = render_outcome_table(rows, outcomes=JOURNEY_OUTCOMES, intervals=True)
    assert text.count("\n") == 2 + len({r.policy for r in rows})
    assert " contacts " in text.splitlines()[0] and "value (reward units)" in text.splitlines()[0]
