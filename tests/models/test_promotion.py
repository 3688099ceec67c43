"""The promotion gate: what the panel would show must beat its own baselines and the promoted version."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from models.promotion import champion_gate, paired_dr, promotion_gate
from models.training import train
from simulator.world import generate_history
from tests.models.trained import SMALL, small_history, small_model


def report(served: float, logistic: float = 1.0, rules: float = 0.9) -> dict:
    return {"off_policy": [{"policy": "learned + guardrails", "dr": served},
                           {"policy": "logistic baseline + guardrails", "dr": logistic},
                           {"policy": "rules", "dr": rules}]}


def test_a_model_below_its_own_logistic_baseline_is_refused_and_told_why():
    decision = promotion_gate(report(0.95, logistic=1.0))
    assert not decision.promote
    assert decision.refusals == ("its DR 0.9500 is below its own logistic baseline + guardrails (1.0000)",)


def test_a_model_below_the_rules_is_refused():
    assert not promotion_gate(report(0.95, logistic=0.9, rules=0.97)).promote


def test_a_model_below_the_promoted_version_is_refused():
    decision = promotion_gate(report(1.1), report(1.2), "the promoted v1")
    assert decision.refusals == ("its DR 1.1000 is below the promoted v1 (1.2000)",)


def test_a_model_at_least_as_good_as_everything_it_replaces_passes():
    decision = promotion_gate(report(1.2), report(1.2))
    assert decision.promote and decision.value == 1.2 and decision.refusals == ()


# Champion/challenger: paired DR on the same logged rows


@lru_cache(maxsize=1)
def weak_model():
    """Trained on outcomes shuffled across contacts: it learned nothing about which action helps whom."""
    history = small_history().copy()
    order = np.random.default_rng(0).permutation(len(history))
    for column in ("resolved", "escalated", "churned", "csat"):
        history[column] = history[column].to_numpy()[order]
    return train(history, SMALL)[0]


@lru_cache(maxsize=1)
def fresh():
    """Contacts neither model trained on, logged by the world's behaviour policy."""
    return generate_history(3, 3000, seed=31)


def test_a_worse_challenger_is_refused_by_the_paired_gate():
    comparison = paired_dr(weak_model(), small_model()[0], fresh())
    decision = champion_gate(report(1.2), comparison, "the promoted v1")  # its own baselines pass
    assert comparison.difference < 0 and not decision.promote
    [refusal] = decision.refusals
    assert refusal.startswith(f"its DR {comparison.challenger:.4f} does not surely beat the promoted v1")


def test_a_better_challenger_is_promoted_by_the_paired_gate():
    comparison = paired_dr(small_model()[0], weak_model(), fresh())
    assert comparison.lower > 0 and comparison.rows == len(fresh())
    assert champion_gate(report(1.2), comparison).promote


def test_a_challenger_no_better_than_the_champion_is_not_promoted():
    comparison = paired_dr(small_model()[0], small_model()[0], fresh())
    assert comparison.difference == 0 and comparison.stderr == 0
    assert not champion_gate(report(1.2), comparison).promote


def test_the_paired_gate_still_holds_a_challenger_to_its_own_baselines():
    comparison = paired_dr(small_model()[0], weak_model(), fresh())
    decision = champion_gate(report(0.95, logistic=1.0), comparison)
    assert decision.refusals == ("its DR 0.9500 is below its own logistic baseline + guardrails (1.0000)",)
