"""One feature function for training and serving: a history row and the same facts as a serving context
give the same feature row."""

from __future__ import annotations

import numpy as np
import pytest

from models.features import FEATURES, context_row, feature_matrix
from tests.models.trained import small_history


def test_every_history_row_served_as_a_context_gives_the_training_row():
    frame = small_history().head(200)
    batch = feature_matrix(frame)
    for i in range(len(frame)):
        np.testing.assert_array_equal(feature_matrix(context_row(frame, i))[0], batch[i])


def test_categoricals_are_one_hot_and_unknown_values_are_all_zero():
    context = context_row(small_history(), 0) | {"reason": "cancel", "temperament": "unknown", "plan": None}
    row = dict(zip(FEATURES, feature_matrix(context)[0], strict=True))
    assert row["reason=cancel"] == 1 and sum(v for k, v in row.items() if k.startswith("reason=")) == 1
    assert all(v == 0 for k, v in row.items() if k.startswith("temperament="))
    assert np.isnan(row["plan_tier"])


def test_refund_over_limit_is_derived_from_amount_and_limit():
    context = context_row(small_history(), 0) | {"refund_amount": 120.0, "refund_limit": 50.0}
    row = dict(zip(FEATURES, feature_matrix(context)[0], strict=True))
    assert row["refund_over_limit"] == 1 and row["refund_share_of_limit"] == pytest.approx(2.4)


def test_missing_column_is_named():
    context = context_row(small_history(), 0)
    del context["sentiment"]
    with pytest.raises(KeyError, match="sentiment"):
        feature_matrix(context)
