"""The promotion gate: what the panel would show must beat its own baselines and the promoted version."""

from __future__ import annotations

from models.promotion import promotion_gate


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
