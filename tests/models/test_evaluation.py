"""IPS, SNIPS and DR recover a known policy value from logged data with known propensities."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation import doubly_robust, ips, snips

ACTIONS = np.array(["a", "b", "c"], dtype=object)
TRUE_MEAN = {"a": 0.2, "b": 0.5, "c": 0.9}


def logged(n=60_000, seed=0):
    rng = np.random.default_rng(seed)
    p = np.array([0.6, 0.3, 0.1])
    chosen = rng.choice(3, size=n, p=p)
    reward = np.array([TRUE_MEAN[a] for a in ACTIONS[chosen]]) + rng.normal(0, 0.3, n)
    return reward, ACTIONS[chosen], p[chosen]


@pytest.mark.parametrize("target", ["a", "b", "c"])
def test_ips_snips_and_dr_recover_the_value_of_a_deterministic_policy(target):
    r, acts, p = logged()
    policy = np.full(len(r), target, dtype=object)
    q = np.full(len(r), 0.5)
    for estimate in (ips(r, acts, p, policy), snips(r, acts, p, policy),
                     doubly_robust(r, acts, p, policy, q, q)):
        assert estimate.value == pytest.approx(TRUE_MEAN[target], abs=4 * estimate.stderr + 0.01)


def test_dr_with_a_perfect_reward_model_has_far_less_variance_than_ips():
    r, acts, p = logged()
    policy = np.full(len(r), "c", dtype=object)
    q_target = np.full(len(r), TRUE_MEAN["c"])
    q_logged = np.array([TRUE_MEAN[a] for a in acts])
    assert doubly_robust(r, acts, p, policy, q_target, q_logged).stderr < ips(r, acts, p, policy).stderr / 2


def test_rows_without_propensity_are_left_out_and_all_missing_is_an_error():
    r, acts, p = logged(1000)
    p = p.copy()
    p[:100] = np.nan
    assert ips(r, acts, p, acts).rows == 900
    with pytest.raises(ValueError):
        ips(r, acts, np.full(len(r), np.nan), acts)
