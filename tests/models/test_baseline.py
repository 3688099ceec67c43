"""The logistic baseline scores every action in one matrix product, exactly as its heads do one by one."""

from __future__ import annotations

import numpy as np

from models.catalog import load_catalog
from models.features import feature_matrix
from tests.models.trained import small_history, small_model


def test_baseline_values_equal_each_heads_own_prediction_with_missing_inputs():
    models, _ = small_model()
    catalog, history = load_catalog(), small_history().head(500)
    X = feature_matrix(history)
    X[::3, -8:], X[::2, :5] = np.nan, np.nan
    amount = history["refund_amount"].to_numpy(dtype=np.float64)
    w = catalog.reward_weights
    for j, spec in enumerate(catalog.actions):
        h = models.baseline.heads[spec.id]
        expected = (w["resolved"] * h["resolved"].predict(X) + w["churned"] * h["churned"].predict(X)
                    + w["escalated"] * h["escalated"].predict(X)
                    + w["csat_per_point"] * np.clip(h["csat"].predict(X), 1, 5) - spec.cost_of(amount))
        np.testing.assert_allclose(models.baseline.values(X, amount, catalog)[:, j], expected, atol=1e-12)
