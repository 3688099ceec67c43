"""Explanations are exact: TreeSHAP contributions add up to the raw score and agree with the shap package."""

from __future__ import annotations

import numpy as np
import shap

from models.context import served_history
from models.explain import contrast_rows, contributions, explain_row, group_contributions
from models.features import FEATURES, context_row, feature_matrix
from tests.models.trained import small_history, small_model


def _rows():
    frame = small_history()
    # rows covering every reason, channel and temperament, so the one-hot splits are exercised
    picked = frame.groupby(["reason", "channel"], observed=True).head(2)
    return picked.reset_index(drop=True)


def test_contributions_sum_to_the_raw_score_for_every_action_model():
    models, _ = small_model()
    X = feature_matrix(_rows())
    for action, booster in models.value_models.items():
        contrib = contributions(booster, X)
        np.testing.assert_allclose(contrib.sum(axis=1), booster.predict(X, raw_score=True), atol=1e-9,
                                   err_msg=action)


def test_grouped_reasons_keep_additivity():
    models, _ = small_model()
    frame = _rows()
    X = feature_matrix(frame)
    booster = models.value_models["offer_retention_discount"]
    contrib = contributions(booster, X)
    for i in range(len(X)):
        why = explain_row(contrib[i], context_row(frame, i), "a retention offer")
        assert abs(why.raw_score - booster.predict(X[i:i + 1])[0]) < 1e-9


def test_lightgbm_treeshap_matches_the_shap_package_path_dependent_explainer():
    models, _ = small_model()
    X = feature_matrix(_rows())
    for action in ("offer_refund_small", "send_knowledge_article", "escalate_supervisor"):
        booster = models.value_models[action]
        ours = contributions(booster, X)
        explainer = shap.TreeExplainer(booster)  # no background data: path-dependent, as LightGBM computes
        theirs = explainer.shap_values(X)
        np.testing.assert_allclose(ours[:, :-1], theirs, atol=1e-6, err_msg=action)
        np.testing.assert_allclose(ours[:, -1], np.full(len(X), explainer.expected_value), atol=1e-6)


def test_reasons_are_plain_words_with_direction_and_size():
    frame = small_history()
    context = context_row(frame, 0) | {"tenure_months": 84, "reason": "cancel"}
    row = np.zeros(len(FEATURES) + 1)
    row[FEATURES.index("tenure_months")] = 0.3
    row[FEATURES.index("reason=cancel")] = 0.1
    row[FEATURES.index("reason=refund")] = 0.05
    row[FEATURES.index("sentiment")] = -0.2
    why = explain_row(row, context, "a retention offer", top=2)
    mood = f"{context['sentiment']:+.2f}"
    assert [r.text for r in why.reasons] == ["tenure 7 yrs raises a retention offer",
                                             f"sentiment {mood} lowers a retention offer"]
    assert why.reasons[0].direction == "raises" and why.reasons[0].weight == 0.3
    assert abs(group_contributions(row)["reason"] - 0.15) < 1e-12


def test_contrastive_attributions_add_up_to_the_value_difference_of_every_action_pair_within_1e_9():
    models, _ = small_model()
    frame = _rows()
    X = feature_matrix(served_history(frame))
    rows = {a: contributions(models.value_models[a], X) for a in models.actions}
    values = {a: models.value_models[a].predict(X, raw_score=True) for a in models.actions}
    for i in range(len(X)):
        context = context_row(frame, i)
        for shown in models.actions:
            for versus in models.actions:
                if shown != versus:
                    gap = contrast_rows(rows[shown][i], rows[versus][i], context, "this", versus, "that").value_gap
                    assert abs(gap - (values[shown][i] - values[versus][i])) <= 1e-9, (shown, versus)


def test_contrastive_reasons_say_which_fact_favours_the_shown_action_over_the_runner_up_in_points():
    context = context_row(small_history(), 0) | {"tenure_months": 84}
    shown, runner_up = np.zeros(len(FEATURES) + 1), np.zeros(len(FEATURES) + 1)
    shown[FEATURES.index("tenure_months")], runner_up[FEATURES.index("tenure_months")] = 0.10, 0.04
    runner_up[FEATURES.index("identity_verified")] = 0.02
    why = contrast_rows(shown, runner_up, context | {"identity_verified": True}, "a retention offer",
                        "offer_plan_change", "a plan change")
    assert [r.text for r in why.reasons] == [
        "tenure 7 yrs favours a retention offer over a plan change (+6 pts)",
        "identity verified counts against a retention offer over a plan change (-2 pts)"]
    assert [(r.direction, r.versus) for r in why.reasons] == [("raises", "offer_plan_change"),
                                                              ("lowers", "offer_plan_change")]
