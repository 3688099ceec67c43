"""Serving: ranked, explained, guarded suggestions from one loaded version; rules as a policy."""

from __future__ import annotations

import numpy as np

from models.features import context_row
from models.rule_policy import rule_actions
from models.scorer import Scorer
from simulator.world.truth import action_values, policy_value
from tests.models.trained import saved_model, small_history, small_model


def test_suggestion_carries_action_confidence_reasons_and_version(tmp_path):
    scorer = Scorer.load(saved_model(tmp_path))
    [s] = scorer.suggest(context_row(small_history(), 5))
    assert s.model_version == "v1" and 0 <= s.confidence <= 1
    assert 1 <= len(s.reasons) <= 3 and all(r.direction in ("raises", "lowers") for r in s.reasons)
    assert abs(s.reasons[0].weight) >= abs(s.reasons[-1].weight)


def test_suggestions_follow_the_value_ranking_and_skip_excluded_actions():
    models, _ = small_model()
    scorer = Scorer(models)
    context = context_row(small_history(), 7) | {"identity_verified": True, "consent_marketing": True,
                                                  "vulnerable": False, "open_complaint": False,
                                                  "refund_amount": 0.0}
    _, values = scorer.rank(context)
    best = models.actions[int(np.argmax(values))]
    assert scorer.suggest(context)[0].action == best
    assert best not in [s.action for s in scorer.suggest(context, k=3, exclude=frozenset({best}))]


def test_each_suggestion_is_contrasted_with_the_next_action_policy_allows():
    models, _ = small_model()
    scorer = Scorer(models)
    context = context_row(small_history(), 7) | {"identity_verified": True, "consent_marketing": True,
                                                  "vulnerable": False, "open_complaint": False,
                                                  "refund_amount": 0.0}
    first, second = scorer.suggest(context, k=2)
    _, values = scorer.rank(context)
    value = dict(zip(models.actions, values, strict=True))
    assert first.contrast is not None and first.contrast.versus == second.action
    assert abs(first.contrast.value_gap - (value[first.action] - value[second.action])) <= 1e-9
    assert first.contrast.reasons and all(r.versus == second.action for r in first.contrast.reasons)


def test_guardrail_changes_reach_the_suggestion():
    models, _ = small_model()
    scorer = Scorer(models)
    context = context_row(small_history(), 0) | {"reason": "refund", "identity_verified": True,
                                                  "refund_amount": 400.0, "refund_limit": 50.0}
    suggestions = scorer.suggest(context, k=11)
    escalate = next(s for s in suggestions if s.action == "escalate_supervisor")
    assert any(n.startswith("empowerment limit") for s in suggestions for n in s.guardrails)
    assert all(s.action not in ("offer_refund_small", "offer_refund_large") for s in suggestions)
    assert escalate.confidence >= 0


def test_even_a_small_model_beats_the_logging_policy_on_the_truth():
    models, split = small_model()
    test = split.test
    learned = policy_value(test, Scorer(models).choose(test, guarded=False))
    from simulator.world.behaviour import LoggingPolicy

    logging = float((LoggingPolicy().propensities(test) * action_values(test)).sum(axis=1).mean())
    assert learned > logging


def test_rule_policy_mirrors_the_rules_priorities():
    frame = small_history().head(50).copy()
    frame["reason"], frame["identity_verified"] = "refund", False
    assert set(rule_actions(frame)) == {"verify_identity"}
    frame["identity_verified"], frame["refund_amount"], frame["refund_limit"] = True, 80.0, 50.0
    assert set(rule_actions(frame)) == {"escalate_supervisor"}
