"""Single-row prediction gives Booster.predict's numbers, bit for bit, for every model a scorer serves."""

from __future__ import annotations

import numpy as np
import pytest

from models.features import FEATURES
from models.row_predict import RowPredictor, checked
from models.scorer import Scorer
from models.training import resolve_matrix
from tests.models.trained import small_history, small_model


def rows(n: int = 64) -> np.ndarray:
    """Feature rows as served: the history's, with some numbers unknown (NaN) as live contexts have them."""
    from models.features import feature_matrix

    X = feature_matrix(small_history().head(n))
    X[::5, : len(FEATURES) // 3] = np.nan
    return X


def test_every_value_models_treeshap_row_is_the_same_bits_as_booster_predict():
    models, _ = small_model()
    X = rows()
    for action, booster in models.value_models.items():
        fast = RowPredictor(booster, "contrib")
        expected = booster.predict(X, pred_contrib=True, num_threads=1)
        assert np.array_equal(np.vstack([fast(x) for x in X]), expected), action


def test_the_ranking_and_the_confidence_are_the_same_bits_as_booster_predict():
    models, _ = small_model()
    scorer, X = Scorer(models), rows()
    ranked = np.vstack([scorer.row_values(X[i : i + 1]) for i in range(len(X))])
    assert np.array_equal(ranked, scorer.ranker.predict(X, raw_score=True, num_threads=1))
    actions = [models.actions[i % len(models.actions)] for i in range(len(X))]
    fast = [scorer.confidences(X[i : i + 1], [a])[0] for i, a in enumerate(actions)]
    assert np.array_equal(fast, models.confidence(X, np.array(actions, dtype=object)))


def test_a_row_of_the_wrong_width_is_refused():
    models, _ = small_model()
    with pytest.raises(ValueError, match="features expected"):
        RowPredictor(models.resolve_model, "normal")(np.zeros(len(FEATURES)))


def test_a_predictor_that_disagrees_with_booster_predict_is_not_used():
    models, _ = small_model()
    booster = models.value_models[models.actions[0]]
    probe = resolve_matrix(rows(4), np.array(models.actions[:4], dtype=object), models.actions)
    # the resolution model's input is wider: the check must fail, not serve another model's numbers
    assert checked(booster, "contrib", probe) is None
