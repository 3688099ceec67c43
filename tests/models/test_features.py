"""One feature function for training and serving: a history row and the same facts as a serving context
give the same feature row."""

from __future__ import annotations

import numpy as np
import pytest

from models.context import served_history
from models.features import FEATURES, context_row, feature_matrix
from tests.models.trained import small_history


def test_every_history_row_served_as_a_context_gives_the_training_row():
    frame = small_history().head(200)
    batch = feature_matrix(frame)
    for i in range(len(frame)):
        np.testing.assert_array_equal(feature_matrix(context_row(frame, i))[0], batch[i])


def test_a_context_of_scalars_and_the_same_context_as_one_element_columns_give_the_same_row_bit_for_bit():
    served = served_history(small_history().head(400))  # unknowns, NaNs, no profiling, the CRM fields hidden
    for i in range(len(served)):
        context = context_row(served, i)
        columns = {k: [v] for k, v in context.items()}  # the columnar path, which training takes
        np.testing.assert_array_equal(feature_matrix(context), feature_matrix(columns))


def test_a_live_context_with_unknowns_and_odd_values_gives_the_columnar_row():
    context = context_row(small_history(), 0) | {"plan": None, "wait_seconds": None, "lifetime_value": -5.0,
                                                 "refund_amount": 80, "refund_limit": 0.0, "vulnerable": True,
                                                 "segment": "gold", "order_value": float("nan")}
    np.testing.assert_array_equal(feature_matrix(context), feature_matrix({k: [v] for k, v in context.items()}))


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
