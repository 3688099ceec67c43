"""Explanations are exact: TreeSHAP contributions add up to the raw score and agree with the shap package."""

from __future__ import annotations

import numpy as np
import shap

from models.explain import contributions, explain_row, group_contributions
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
