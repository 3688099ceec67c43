"""What a model learned from: the categories and numeric ranges of its training contexts, and a check of a
live context against them.

A tree model answers anything, but outside its training data the answer is an extrapolation and its
explanation a lie: an unknown contact reason is read as "none of the reasons I know", a tenure of a million
months as the longest tenure it saw, a churn risk it never saw missing as 0. The domain is taken from the
training rows as served (``models.context``), stored with the model version, and checked per request:
each input outside it is named as unknown to the model, lowers the confidence, and gives no reason text;
when an input is too far out the model abstains and the rules answer (``models.scorer``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.features import CATEGORICAL, NUMERIC

__all__ = ["InputDomain", "OutOfDomain", "OutsideTraining"]

_LABEL = {"reason": "contact reason", "previous_action": "previous step", "plan": "plan",
          "tenure_months": "tenure", "churn_risk": "churn risk", "journey_step": "journey step",
          "prior_contacts_30d": "contacts in 30 days", "refund_amount": "refund asked", "refund_limit": "refund limit",
          "wait_seconds": "wait"}
_FAR_CATEGORIES = frozenset({"reason"})
"""An unknown value here changes what every action is worth: the model abstains rather than guess."""
_RANGED = tuple(c for c in NUMERIC if c not in ("vulnerable", "consent_marketing", "identity_verified",
                                                 "apology_given", "open_complaint"))


def _label(field: str) -> str:
    return _LABEL.get(field, field.replace("_", " "))


def _amount(field: str, value: float) -> str:
    """A number in the unit an agent reads it in (the raw value, not a reason's rounded wording)."""
    if field == "churn_risk":
        return f"{value:.0%}"
    if field == "tenure_months":
        return f"{value:,.0f} months"
    if field == "wait_seconds":
        return f"{value / 60:,.0f} min"
    if field == "sentiment":
        return f"{value:+.2f}"
    if field in ("lifetime_value", "order_value", "refund_amount", "refund_limit"):
        return f"{value:,.2f}"
    return f"{value:,.4g}"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True, slots=True)
class OutOfDomain:
    """One input the model never learned from."""

    field: str
    """The context field (``reason``, ``tenure_months``, ...), as reasons name it."""
    kind: str
    """``unknown category``, ``never missing`` (unknown here, always known in training) or ``out of range``."""
    far: bool
    """Too far out to trust the model at all: an unknown contact reason, or a number further outside the
    training range than the range is wide."""
    note: str
    """What the prompt says, e.g. ``unknown to the model: contact reason 'warranty claim'``."""


class OutsideTraining(Exception):
    """The model abstains: an input is too far outside what it learned from (``flags`` say which)."""

    def __init__(self, flags: tuple[OutOfDomain, ...]) -> None:
        super().__init__("; ".join(f.note for f in flags))
        self.flags = flags


@dataclass(frozen=True)
class InputDomain:
    categories: Mapping[str, frozenset[str | None]]
    """Per categorical field, the values seen in training (None: unknown)."""
    ranges: Mapping[str, tuple[float, float, bool]]
    """Per numeric field: (min, max, seen missing); a field never known in training is absent (unused)."""

    @classmethod
    def from_history(cls, frame: pd.DataFrame) -> InputDomain:
        """The domain of ``frame``'s context columns (the training rows as the model saw them)."""
        categories: dict[str, frozenset[str | None]] = {}
        for field in (*CATEGORICAL, "plan"):
            values = frame[field].astype("string")
            seen: set[str | None] = {str(v) for v in values.dropna().unique()}
            if values.isna().any():
                seen.add(None)
            categories[field] = frozenset(seen)
        ranges: dict[str, tuple[float, float, bool]] = {}
        for field in _RANGED:
            values = frame[field].to_numpy(dtype=np.float64, na_value=np.nan)
            known = values[~np.isnan(values)]
            if len(known):
                ranges[field] = (float(known.min()), float(known.max()), bool(len(known) < len(values)))
        return cls(categories, ranges)

    def check(self, context: Mapping[str, Any]) -> tuple[OutOfDomain, ...]:
        """Every input of ``context`` (one served context) outside the domain, in field order; empty if none.

        A field the model never learned from (unknown in every training row) is not checked: the model
        cannot use it, whatever it holds.
        """
        out: list[OutOfDomain] = []
        for field, seen in self.categories.items():
            if seen <= {None}:
                continue
            value = context.get(field)
            value = None if _missing(value) else str(value)
            if value in seen:
                continue
            if value is None:
                out.append(OutOfDomain(field, "never missing", False,
                                       f"unknown to the model: {_label(field)} (it always knew it in training)"))
            else:
                out.append(OutOfDomain(field, "unknown category", field in _FAR_CATEGORIES,
                                       f"unknown to the model: {_label(field)} '{value.replace('_', ' ')}'"))
        for field, (low, high, seen_missing) in self.ranges.items():
            raw = context.get(field)
            try:
                value = math.nan if raw is None or _missing(raw) else float(raw)
            except (TypeError, ValueError):
                value = math.nan
            if math.isnan(value):
                if not seen_missing:
                    out.append(OutOfDomain(field, "never missing", False,
                                           f"unknown to the model: {_label(field)} (it always knew it in training)"))
                continue
            if low <= value <= high:
                continue
            far = max(low - value, value - high) > max(high - low, 1e-9)
            out.append(OutOfDomain(field, "out of range", far,
                                   f"unknown to the model: {_label(field)} {_amount(field, value)} is "
                                   f"{'far ' if far else ''}outside the {_amount(field, low)} to "
                                   f"{_amount(field, high)} it learned from"))
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        def ordered(values: frozenset[str | None]) -> list[str | None]:
            return sorted(values, key=lambda x: (x is not None, x or ""))

        return {"categories": {k: ordered(v) for k, v in self.categories.items()},
                "ranges": {k: list(v) for k, v in self.ranges.items()}}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> InputDomain:
        return cls({k: frozenset(v) for k, v in raw["categories"].items()},
                   {k: (float(v[0]), float(v[1]), bool(v[2])) for k, v in raw["ranges"].items()})
