"""What a model learned from, and a live context checked against it."""

from __future__ import annotations

import json

import pytest

from models.context import served_history
from models.domain import InputDomain
from models.features import context_row
from models.scorer import OUT_OF_DOMAIN_CONFIDENCE, Scorer
from tests.models.trained import small_model


def domain() -> InputDomain:
    models, _ = small_model()
    return InputDomain.from_json(json.loads(json.dumps(models.metadata["input_domain"])))


def training_context(i: int = 0) -> dict:
    """A context the model trained on, as served."""
    _, split = small_model()
    return context_row(served_history(split.train), i)


def test_the_domain_is_stored_with_the_model_and_holds_its_training_rows():
    assert all(domain().check(training_context(i)) == () for i in range(0, 2000, 50))


def test_a_contact_reason_the_model_never_saw_is_far_out():
    [flag] = domain().check(training_context() | {"reason": "warranty_claim"})
    assert (flag.field, flag.kind, flag.far) == ("reason", "unknown category", True)
    assert flag.note == "unknown to the model: contact reason 'warranty claim'"


def test_a_number_outside_the_training_range_is_flagged_and_far_when_further_out_than_the_range_is_wide():
    low, high, _ = domain().ranges["tenure_months"]
    [near] = domain().check(training_context() | {"tenure_months": high + 12})
    [far] = domain().check(training_context() | {"tenure_months": high + 2 * (high - low)})
    assert (near.kind, near.far, far.far) == ("out of range", False, True)
    assert near.note.startswith(f"unknown to the model: tenure {high + 12:,.0f} months is outside the")


def test_a_value_missing_that_training_always_knew_is_flagged():
    [flag] = domain().check(training_context() | {"tenure_months": None})
    assert (flag.field, flag.kind, flag.far) == ("tenure_months", "never missing", False)


def test_a_field_the_model_never_learned_from_is_not_checked():
    assert domain().check(training_context() | {"plan": "premium", "wait_seconds": 1e9}) == ()


def test_an_input_outside_the_training_data_lowers_the_confidence_gives_no_reason_and_is_named():
    models, _ = small_model()
    scorer = Scorer(models)
    high = scorer.domain.ranges["tenure_months"][1]
    context = training_context(3) | {"tenure_months": high + 12}
    [s] = scorer.suggest(context)
    X, _ = scorer.rank(context)
    judged = s.proposed if s.action == "verify_identity" else s.action
    assert s.confidence == pytest.approx(OUT_OF_DOMAIN_CONFIDENCE * float(models.confidence(X, [judged])[0]))
    assert s.unknown_inputs == ("tenure_months",) and not any(r.feature == "tenure_months" for r in s.reasons)
    assert any(n.startswith("unknown to the model: tenure") for n in s.guardrails)
