"""One context adapter for serving and training: what the live service does not know is unknown in both."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from models.context import CRM_FIELDS, PROFILING_FIELDS, remembered_temperament, served_context, served_history
from models.features import CONTEXT_COLUMNS, FEATURES, context_row, feature_matrix
from models.language.temperament import DEFAULT_THRESHOLD, UNKNOWN
from models.training import train
from tests.models.trained import SMALL, small_history, small_model

UNSERVED_FEATURES = [f for f in FEATURES
                     if f.split("=")[0] in ("prior_contacts_30d", "order_value", "wait_seconds")
                     or f == "plan_tier"]


def facts_the_service_has(frame, i: int, heard: str | None = None) -> dict:
    """Row ``i`` of history as a live contact with no CRM event: the CRM fields are simply absent, and so
    are the profiling fields of a customer who did not consent to profiling; ``heard`` is the temperament
    its words were detected as (None: nothing confident)."""
    hidden = set(CRM_FIELDS) | (set() if frame["consent_profiling"].iloc[i] else set(PROFILING_FIELDS))
    return {**{k: v for k, v in context_row(frame, i).items() if k not in hidden}, "temperament": heard}


def test_a_live_contact_and_the_same_history_row_pass_through_one_adapter_to_the_same_features():
    frame = small_history().head(200)
    batch = feature_matrix(served_history(frame))
    heard = remembered_temperament(frame, DEFAULT_THRESHOLD)
    for i in range(len(frame)):
        facts = facts_the_service_has(frame, i, None if heard[i] == UNKNOWN else heard[i])
        np.testing.assert_array_equal(feature_matrix(served_context(facts))[0], batch[i])


def test_what_no_crm_event_supplied_is_unknown_and_an_unknown_number_is_nan_not_zero():
    served = served_history(small_history().head(50), temperament_threshold=None)  # no words read either
    assert served["temperament"].isna().all() and served["plan"].isna().all()
    for column in ("prior_contacts_30d", "order_value", "wait_seconds"):
        assert served[column].isna().all(), column


def test_profiling_fields_are_unknown_without_the_customers_profiling_consent():
    frame = small_history().head(200)
    served = served_history(frame)
    consented = frame["consent_profiling"].to_numpy(dtype=bool)
    assert 0 < consented.sum() < len(frame)
    for column in PROFILING_FIELDS:
        assert served[column].isna().to_numpy().tolist() == (~consented).tolist(), column


def test_the_fields_the_centers_crm_sends_are_kept():
    frame = small_history().head(50)
    served = served_history(frame, crm_fields=("plan", "wait_seconds"), temperament_threshold=None)
    assert list(served["plan"]) == list(frame["plan"])
    np.testing.assert_array_equal(served["wait_seconds"], frame["wait_seconds"])
    assert served["temperament"].isna().all()


def test_an_unreadable_number_is_unknown():
    context = served_context({**facts_the_service_has(small_history(), 0), "wait_seconds": "soon",
                              "order_value": None})
    assert math.isnan(context["wait_seconds"]) and math.isnan(context["order_value"])


def test_an_open_complaint_is_known_without_crm_only_when_the_contact_is_a_complaint():
    facts = facts_the_service_has(small_history(), 0)
    assert served_context({**facts, "reason": "complaint"})["open_complaint"] is True
    assert served_context({**facts, "reason": "refund"})["open_complaint"] is False
    assert served_context({**facts, "reason": "refund", "open_complaint": True})["open_complaint"] is True


def test_every_feature_column_comes_out_of_the_adapter():
    context = served_context({"refund_limit": 50.0})
    assert set(CONTEXT_COLUMNS) <= set(context)
    assert context["caller_identified"] is True and context["journey_step"] == 0.0


def test_a_crm_field_outside_the_adapters_list_is_refused():
    with pytest.raises(ValueError, match="segment"):
        served_history(small_history().head(5), crm_fields=("segment",))


def test_training_learns_nothing_from_facts_the_service_does_not_have():
    models, _ = small_model()
    for action, booster in models.value_models.items():
        used = dict(zip(FEATURES, booster.feature_importance("split"), strict=True))
        assert all(used[f] == 0 for f in UNSERVED_FEATURES), action


def test_the_temperament_heard_in_the_words_is_learned_without_crm():
    models, _ = small_model()
    used = sum(int(dict(zip(FEATURES, b.feature_importance("split"), strict=True))[f])
               for b in models.value_models.values() for f in FEATURES if f.startswith("temperament="))
    assert used > 0


def test_a_row_the_service_logged_itself_keeps_the_temperament_it_served():
    frame = small_history().head(300).assign(logging_policy="assist/v1")
    served = served_history(frame)
    assert list(served["temperament"]) == list(frame["temperament"])


def test_a_field_the_centers_crm_sends_is_learned():
    models, _ = train(small_history(), replace(SMALL, crm_fields=("temperament",)))
    used = sum(int(dict(zip(FEATURES, b.feature_importance("split"), strict=True))[f])
               for b in models.value_models.values() for f in FEATURES if f.startswith("temperament="))
    assert used > 0
