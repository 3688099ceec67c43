"""The one feature function: history-schema context columns in, a float matrix out.

Training calls ``feature_matrix(history_frame)``; serving calls ``feature_matrix(context)`` with a dict
of the same columns built from a live journey (``assist.guidance.model`` does that). Both go through the
same code, so training and serving cannot drift apart. Categoricals are one-hot encoded against fixed
vocabularies (the schema's), so LightGBM sees only numbers and its TreeSHAP values are exact and
comparable with the ``shap`` package; an unknown category is all zeros, an unknown number is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "CATEGORICAL",
    "CHANNELS",
    "CONTEXT_COLUMNS",
    "FEATURES",
    "FEATURE_GROUP",
    "PLANS",
    "REASONS",
    "SEGMENTS",
    "TEMPERAMENTS",
    "FeatureSpec",
    "context_row",
    "feature_matrix",
]

ACTIONS: tuple[str, ...] = (
    "verify_identity", "apologise_acknowledge", "offer_refund_small", "offer_refund_large",
    "offer_retention_discount", "send_knowledge_article", "escalate_supervisor", "transfer_specialist",
    "schedule_callback", "offer_plan_change", "close_with_survey",
)
REASONS: tuple[str, ...] = ("billing_dispute", "outage", "refund", "cancel", "technical_issue", "complaint",
                            "plan_change", "order_status")
CHANNELS: tuple[str, ...] = ("chat", "phone", "email")
SEGMENTS: tuple[str, ...] = ("mass", "value", "premium", "small_business")
TEMPERAMENTS: tuple[str, ...] = ("calm", "anxious", "angry", "analytical")
PLANS: tuple[str, ...] = ("basic", "standard", "premium")

CATEGORICAL: dict[str, tuple[str, ...]] = {
    "reason": REASONS, "channel": CHANNELS, "segment": SEGMENTS, "temperament": TEMPERAMENTS,
    "previous_action": ACTIONS,
}
NUMERIC: tuple[str, ...] = (
    "tenure_months", "lifetime_value", "churn_risk", "vulnerable", "consent_marketing", "journey_step",
    "identity_verified", "apology_given", "prior_contacts_30d", "open_complaint", "order_value",
    "refund_amount", "refund_limit", "wait_seconds", "sentiment",
)
CONTEXT_COLUMNS: tuple[str, ...] = (*CATEGORICAL, "plan", *NUMERIC)
"""The history-schema columns the features read; a serving context must provide each of them."""
_LOG = frozenset({"lifetime_value", "wait_seconds", "order_value"})
_BOOL = frozenset({"vulnerable", "consent_marketing", "identity_verified", "apology_given", "open_complaint"})


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    group: str
    """The context column it comes from: reasons and drift talk about groups, not one-hot columns."""
    kind: str
    """onehot, numeric, log, flag or derived."""


def _specs() -> tuple[FeatureSpec, ...]:
    specs = [FeatureSpec(f"{col}={v}", col, "onehot") for col, values in CATEGORICAL.items() for v in values]
    specs.append(FeatureSpec("plan_tier", "plan", "numeric"))
    for col in NUMERIC:
        specs.append(FeatureSpec(col, col, "log" if col in _LOG else "flag" if col in _BOOL else "numeric"))
    specs.append(FeatureSpec("refund_over_limit", "refund_amount", "derived"))
    specs.append(FeatureSpec("refund_share_of_limit", "refund_amount", "derived"))
    return tuple(specs)


SPECS: tuple[FeatureSpec, ...] = _specs()
FEATURES: tuple[str, ...] = tuple(s.name for s in SPECS)
FEATURE_GROUP: dict[str, str] = {s.name: s.group for s in SPECS}
_INDEX = {col: {v: i for i, v in enumerate(values)} for col, values in CATEGORICAL.items()}
_PLAN = {p: float(i) for i, p in enumerate(PLANS)}


def _values(columns: Mapping[str, Any], name: str) -> Any:
    try:
        return columns[name]
    except KeyError:
        raise KeyError(f"context lacks column {name!r} (see models.features.CONTEXT_COLUMNS)") from None


def _text(columns: Mapping[str, Any], name: str) -> list[str]:
    raw = _values(columns, name)
    if isinstance(raw, pd.Series):
        return list(raw.astype("string").fillna("").to_numpy(dtype=object))
    items = raw if isinstance(raw, (list, tuple, np.ndarray)) else [raw]
    return ["" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v) for v in items]


def _number(columns: Mapping[str, Any], name: str) -> np.ndarray:
    raw = _values(columns, name)
    if isinstance(raw, pd.Series):
        return np.asarray(raw.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    if isinstance(raw, (list, tuple, np.ndarray)):
        return np.asarray([np.nan if v is None or v is pd.NA else v for v in raw], dtype=np.float64)
    return np.asarray([_scalar(columns, name)], dtype=np.float64)


def feature_matrix(columns: Mapping[str, Any]) -> np.ndarray:
    """The (n, len(FEATURES)) float64 matrix for ``columns``: a history DataFrame or a context mapping.

    A mapping may hold scalars (one row) or equal-length sequences. Raises KeyError naming a missing column.
    """
    if isinstance(columns, Mapping) and not isinstance(columns, pd.DataFrame) and not any(
            isinstance(v, _SEQUENCES) for v in columns.values()):
        return _one_row(columns)
    blocks: list[np.ndarray] = []
    n = -1
    for col, values in CATEGORICAL.items():
        index = _INDEX[col]
        codes = np.fromiter((index.get(v, -1) for v in _text(columns, col)), dtype=np.int64)
        n = len(codes)
        blocks.append((codes[:, None] == np.arange(len(values))[None, :]).astype(np.float64))
    plan = np.fromiter((_PLAN.get(v, np.nan) for v in _text(columns, "plan")), dtype=np.float64, count=n)
    numeric = np.empty((n, len(NUMERIC) + 3))
    numeric[:, 0] = plan
    for j, col in enumerate(NUMERIC, start=1):
        value = _number(columns, col)
        numeric[:, j] = np.log1p(np.maximum(value, 0.0)) if col in _LOG else value
    amount, limit = _number(columns, "refund_amount"), _number(columns, "refund_limit")
    numeric[:, -2] = (amount > limit).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        numeric[:, -1] = np.where(limit > 0, amount / limit, np.nan)
    blocks.append(numeric)
    return np.hstack(blocks)


_SEQUENCES = (pd.Series, list, tuple, np.ndarray)
_WIDTH = sum(len(v) for v in CATEGORICAL.values())
_LOG_AT = np.array([j for j, col in enumerate(NUMERIC, start=_WIDTH + 1) if col in _LOG])


def _scalar(columns: Mapping[str, Any], name: str) -> float:
    value = _values(columns, name)
    return math.nan if value is None or value is pd.NA else float(value)


def _one_row(columns: Mapping[str, Any]) -> np.ndarray:
    """``feature_matrix`` of a mapping of scalars, the serving path's one context: the same numbers as the
    columnar code (the log columns go through the same ``np.log1p``), in a few Python steps instead of some
    sixty small numpy calls (a test checks them equal, bit for bit, on history rows)."""
    row = [0.0] * len(FEATURES)
    at = 0
    for col, values in CATEGORICAL.items():
        code = _INDEX[col].get(_text(columns, col)[0], -1)
        if code >= 0:
            row[at + code] = 1.0
        at += len(values)
    row[at] = _PLAN.get(_text(columns, "plan")[0], math.nan)
    for j, col in enumerate(NUMERIC, start=at + 1):
        row[j] = _scalar(columns, col)
    out = np.array([row], dtype=np.float64)
    out[0, _LOG_AT] = np.log1p(np.maximum(out[0, _LOG_AT], 0.0))
    amount, limit = _scalar(columns, "refund_amount"), _scalar(columns, "refund_limit")
    out[0, -2] = float(amount > limit)
    out[0, -1] = amount / limit if limit > 0 else math.nan
    return out


def context_row(frame: pd.DataFrame, i: int) -> dict[str, Any]:
    """Row ``i`` of a history frame as a serving context (plain Python values, NA as None)."""
    row = frame.iloc[i]
    out: dict[str, Any] = {}
    for col in CONTEXT_COLUMNS:
        value = row[col]
        out[col] = None if value is pd.NA or (isinstance(value, float) and value != value) else (
            value.item() if hasattr(value, "item") else value)
    return out
