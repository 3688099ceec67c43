"""Exploration in production: propensities that sum to 1 over what policy allows, never policy's actions."""

from __future__ import annotations

import numpy as np
import pytest

from models.exploration import Exploration
from models.features import context_row
from models.guardrails import UNIDENTIFIED_NOTE
from models.scorer import Scorer
from tests.models.trained import small_history, small_model

OPEN = {"identity_verified": True, "consent_marketing": True, "vulnerable": False, "open_complaint": False,
        "refund_amount": 0.0}
"""A context where policy withholds nothing and replaces nothing: every action is a candidate."""


def scorer() -> Scorer:
    return Scorer(small_model()[0])


def test_without_exploration_the_argmax_is_shown_with_propensity_one():
    s = scorer()
    context = context_row(small_history(), 7) | OPEN
    _, values = s.rank(context)
    [shown] = s.suggest(context)
    assert shown.action == s.models.actions[int(np.argmax(values))]
    assert shown.propensity == 1.0 and shown.candidates == ((shown.action, 1.0),)


@pytest.mark.parametrize("exploration", [Exploration("epsilon", epsilon=0.3), Exploration("softmax", temperature=0.1)])
def test_propensities_sum_to_one_over_the_actions_policy_allows(exploration):
    s = scorer()
    context = context_row(small_history(), 7) | OPEN
    [shown] = s.suggest(context, exploration=exploration, rng=np.random.default_rng(1))
    candidates = dict(shown.candidates)
    assert set(candidates) == set(s.models.actions)
    assert abs(sum(candidates.values()) - 1.0) < 1e-12 and min(candidates.values()) > 0
    assert shown.propensity == candidates[shown.action]


def test_epsilon_greedy_shows_other_allowed_actions_at_the_logged_rate():
    s = scorer()
    context = context_row(small_history(), 7) | OPEN
    rng = np.random.default_rng(2)
    shown = [s.suggest(context, exploration=Exploration("epsilon", epsilon=0.5), rng=rng)[0] for _ in range(400)]
    best = shown[0].candidates[int(np.argmax([p for _, p in shown[0].candidates]))][0]
    share = np.mean([x.action == best for x in shown])
    assert abs(share - (0.5 + 0.5 / 11)) < 0.08
    assert len({x.action for x in shown}) > 5


def test_later_slots_carry_the_probability_of_being_shown_there():
    s = scorer()
    context = context_row(small_history(), 7) | OPEN
    suggestions = s.suggest(context, k=2, exploration=Exploration("epsilon", epsilon=0.2),
                            rng=np.random.default_rng(3))
    assert all(0 < x.propensity <= 1 for x in suggestions)
    assert suggestions[0].propensity == dict(suggestions[0].candidates)[suggestions[0].action]


def test_an_unidentified_caller_is_asked_to_verify_whatever_exploration_says():
    s = scorer()
    context = context_row(small_history(), 7) | OPEN | {"identity_verified": False, "caller_identified": False}
    rng = np.random.default_rng(4)
    for _ in range(50):
        [shown] = s.suggest(context, exploration=Exploration("epsilon", epsilon=1.0), rng=rng)
        assert shown.action == "verify_identity" and UNIDENTIFIED_NOTE in shown.guardrails
        assert shown.propensity == 1.0


def test_an_account_action_before_verification_stays_the_identity_check_under_exploration():
    s = scorer()
    history = small_history()
    needs_check = {a for a in s.models.actions if "identity_verified" in s.catalog[a].preconditions}
    rows = [context_row(history, i) | OPEN | {"identity_verified": False} for i in range(300)]
    bound = [c for c in rows if s.models.actions[int(np.argmax(s.rank(c)[1]))] in needs_check]
    assert bound, "the small model never prefers an account action: pick another world"
    rng = np.random.default_rng(5)
    for context in bound:
        for _ in range(20):
            [shown] = s.suggest(context, exploration=Exploration("epsilon", epsilon=1.0), rng=rng)
            assert shown.action == "verify_identity" and shown.proposed in needs_check
            assert shown.propensity == 1.0


def test_exploration_never_draws_an_action_policy_replaced():
    s = scorer()
    context = context_row(small_history(), 3) | OPEN | {"identity_verified": False}
    rng = np.random.default_rng(6)
    needs_check = {a for a in s.models.actions if "identity_verified" in s.catalog[a].preconditions}
    for _ in range(100):
        [shown] = s.suggest(context, exploration=Exploration("epsilon", epsilon=1.0), rng=rng)
        assert not needs_check & {a for a, _ in shown.candidates}
        assert shown.action not in needs_check


def test_an_unknown_method_or_a_bad_rate_is_refused():
    with pytest.raises(ValueError, match="unknown exploration method"):
        Exploration("thompson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="epsilon"):
        Exploration("epsilon", epsilon=1.5)
