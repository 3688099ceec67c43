"""The policy table per outcome: DR estimates of resolution, CSAT, churn, escalation and cost hold the truth,
and paired differences hold the true differences."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from models.catalog import load_catalog
from models.outcome_table import OUTCOMES, outcome_table, render_outcome_table
from models.report import policy_actions
from simulator.world import generate_history
from simulator.world.truth import outcome_table as true_outcomes
from tests.models.trained import small_model

TRUE = {"resolved": "resolve", "csat": "csat", "churned": "churn", "escalated": "escalate", "cost": "cost"}
Z = 3.0
"""Twenty-five checks on one fixed draw: three standard errors."""


@lru_cache(maxsize=1)
def table():
    """Each policy of the report on 6 000 fresh contacts of world 3, estimated and true, per outcome."""
    models = small_model()[0]
    fresh = generate_history(3, 6000, seed=53)
    served = models.as_served(fresh)
    catalog = load_catalog()
    policies = policy_actions(models, served, catalog)
    truth = true_outcomes(fresh)
    index = {a: i for i, a in enumerate(catalog.ids)}
    true = {name: {o: float(getattr(truth, TRUE[o])[np.arange(len(fresh)), [index[a] for a in target]].mean())
                   for o in OUTCOMES} for name, target in policies.items()}
    return outcome_table(models, served, catalog, policies), true


def test_every_outcome_estimate_holds_the_truth():
    rows, true = table()
    misses = [(r.policy, r.outcome, r.value, true[r.policy][r.outcome]) for r in rows
              if abs(r.value - true[r.policy][r.outcome]) > Z * max(r.stderr, 1e-12)]
    assert not misses


def test_paired_differences_from_the_rules_hold_the_true_differences():
    rows, true = table()
    misses = [(r.policy, r.outcome) for r in rows if r.policy != "rules"
              and abs(r.difference - (true[r.policy][r.outcome] - true["rules"][r.outcome]))
              > Z * max(r.difference_stderr, 1e-12)]
    assert not misses


def test_the_table_has_a_row_per_policy_and_a_column_per_outcome():
    rows, _ = table()
    text = render_outcome_table(rows)
    assert text.count("\n") == 2 + len({r.policy for r in rows})
    assert "| rules | " in text and "resolved %" in text and "±" in text
