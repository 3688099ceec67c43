"""Exact per-feature contributions (LightGBM TreeSHAP, ``pred_contrib``) turned into plain-language reasons.

One-hot columns of one context field are summed back into that field (``FEATURE_GROUP``), which keeps the
contributions additive: the reasons' weights plus the base value still add up to the model's raw score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from models.features import FEATURE_GROUP, FEATURES

__all__ = ["GROUPS", "POINTS", "Contrast", "Explanation", "ReasonItem", "contrast_rows", "contributions", "describe",
           "explain_row", "group_contributions"]

POINTS = 100.0
"""Reward units to the points a contrastive reason shows: the reward counts a resolved contact as 1, so one
point is worth what one more percent chance of resolving the contact is worth."""

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(FEATURE_GROUP[f] for f in FEATURES))
_GROUP_INDEX = np.array([GROUPS.index(FEATURE_GROUP[f]) for f in FEATURES])


@dataclass(frozen=True, slots=True)
class ReasonItem:
    feature: str
    text: str
    direction: str
    """raises or lowers."""
    weight: float
    """Size of the contribution to the action's expected value (or, contrastive, to its lead over ``versus``),
    in reward units."""
    versus: str | None = None
    """For a contrastive reason, the runner-up action the shown one is compared with."""


@dataclass(frozen=True, slots=True)
class Explanation:
    base: float
    """The model's average prediction (TreeSHAP expected value)."""
    by_group: dict[str, float]
    reasons: tuple[ReasonItem, ...]

    @property
    def raw_score(self) -> float:
        return self.base + sum(self.by_group.values())


def contributions(model: lgb.Booster, X: np.ndarray) -> np.ndarray:
    """TreeSHAP contributions, (n, len(FEATURES) + 1); the last column is the base value."""
    return np.asarray(model.predict(X, pred_contrib=True, num_threads=1))


def group_contributions(row: np.ndarray) -> dict[str, float]:
    """Per-feature contributions (without the base column) summed per context field."""
    sums = np.bincount(_GROUP_INDEX, weights=row[: len(FEATURES)], minlength=len(GROUPS))
    return {g: float(s) for g, s in zip(GROUPS, sums, strict=True)}


def _flag(yes: str, no: str) -> Callable[[Any], str]:
    return lambda v: yes if v else no


def _money(v: Any) -> float:
    return float(v or 0.0)


_DESCRIBE: dict[str, Callable[[Any], str]] = {
    "reason": lambda v: f"contact about {str(v or 'an unknown reason').replace('_', ' ')}",
    "channel": lambda v: f"{v} channel",
    "segment": lambda v: f"{v or 'unknown'} segment",
    "temperament": lambda v: f"{v} customer" if v and v != "unknown" else "temperament unknown",
    "previous_action": lambda v: f"previous step: {str(v).replace('_', ' ')}" if v else "first step of the journey",
    "plan": lambda v: f"{v} plan" if v and v != "unknown" else "plan unknown",
    "tenure_months": lambda v: ("tenure unknown" if v is None else f"tenure {int(v)} months" if v < 24
                                else f"tenure {v / 12:.0f} yrs"),
    "lifetime_value": lambda v: "lifetime value unknown" if v is None else f"lifetime value {v:,.0f}",
    "churn_risk": lambda v: "churn risk unknown" if v is None else f"churn risk {v:.0%}",
    "vulnerable": _flag("customer flagged vulnerable", "customer not flagged vulnerable"),
    "consent_marketing": _flag("marketing consent given", "no marketing consent"),
    "journey_step": lambda v: "first contact on this issue" if not v else f"contact {int(v) + 1} on this issue",
    "identity_verified": _flag("identity verified", "identity not verified"),
    "apology_given": _flag("apology already given", "no apology yet"),
    "prior_contacts_30d": lambda v: "contacts in 30 days unknown" if v is None else f"{int(v)} contacts in 30 days",
    "open_complaint": _flag("open complaint", "no open complaint"),
    "order_value": lambda v: ("order value unknown" if v is None else f"order value {_money(v):.2f}" if v
                              else "no order involved"),
    "refund_amount": lambda v: f"refund asked {_money(v):.2f}" if v else "no refund asked",
    "refund_limit": lambda v: f"your refund limit {_money(v):.2f}",
    "wait_seconds": lambda v: "wait unknown" if v is None else f"waited {_money(v) / 60:.0f} min",
    "sentiment": lambda v: f"sentiment {float(v or 0.0):+.2f}",
}


def describe(group: str, context: Mapping[str, Any]) -> str:
    """The context field ``group`` in words, e.g. ``tenure 7 yrs`` or ``no marketing consent``."""
    value = context.get(group)
    if isinstance(value, float) and value != value:
        value = None  # an unknown number (NaN) is described as unknown
    if group == "refund_amount" and value:
        limit = context.get("refund_limit")
        if limit is not None and float(value) > float(limit):
            return f"refund asked {float(value):.2f} (above the {float(limit):.2f} limit)"
        return f"refund asked {float(value):.2f}"
    return _DESCRIBE.get(group, lambda v: f"{group.replace('_', ' ')} {v}")(value)


def explain_row(row: np.ndarray, context: Mapping[str, Any], action_short: str, top: int = 3,
                min_weight: float = 1e-3, unknown: frozenset[str] = frozenset()) -> Explanation:
    """Reasons for one action from its contribution row (``contributions(...)[i]``), strongest first.

    A field in ``unknown`` (an input the model never learned from) gets no reason: its contribution stays
    in ``by_group``, so the sum still holds, but no text claims what a value the model never saw did.
    """
    by_group = group_contributions(row)
    ranked = sorted(((g, w) for g, w in by_group.items() if g not in unknown), key=lambda kv: -abs(kv[1]))
    reasons = tuple(
        ReasonItem(feature=g, text=f"{describe(g, context)} {'raises' if w > 0 else 'lowers'} {action_short}",
                   direction="raises" if w > 0 else "lowers", weight=round(abs(w), 4))
        for g, w in ranked[:top] if abs(w) >= min_weight)
    return Explanation(base=float(row[-1]), by_group=by_group, reasons=reasons)


@dataclass(frozen=True, slots=True)
class Contrast:
    """Why one action beats the runner-up: the difference of the two actions' exact TreeSHAP attributions."""

    versus: str
    """The runner-up action."""
    base_gap: float
    """Difference of the two models' average predictions (their TreeSHAP base values)."""
    by_group: dict[str, float]
    """Per context field, its contribution to the shown action minus its contribution to the runner-up."""
    reasons: tuple[ReasonItem, ...]

    @property
    def value_gap(self) -> float:
        """The shown action's expected value minus the runner-up's (exactly: the attributions are additive)."""
        return self.base_gap + sum(self.by_group.values())


def contrast_rows(row: np.ndarray, runner_up: np.ndarray, context: Mapping[str, Any], short: str, versus: str,
                  versus_short: str, top: int = 3, min_weight: float = 5e-3,
                  unknown: frozenset[str] = frozenset()) -> Contrast:
    """Contrastive reasons from two contribution rows of one context: the shown action's and the runner-up's.

    Each reason is one field's share of the lead in points (``POINTS``), strongest first, e.g.
    ``identity verified favours a small refund over a knowledge article (+8 pts)``; a field that argues for
    the runner-up ``counts against``. Fields in ``unknown`` get no reason (their share stays in the sum).
    """
    by_group = group_contributions(row - runner_up)
    ranked = sorted(((g, w) for g, w in by_group.items() if g not in unknown), key=lambda kv: -abs(kv[1]))
    reasons = tuple(
        ReasonItem(feature=g, text=f"{describe(g, context)} {'favours' if w > 0 else 'counts against'} {short} "
                                   f"over {versus_short} ({w * POINTS:+.0f} pts)",
                   direction="raises" if w > 0 else "lowers", weight=round(abs(w), 4), versus=versus)
        for g, w in ranked[:top] if abs(w) >= min_weight)
    return Contrast(versus=versus, base_gap=float(row[-1] - runner_up[-1]), by_group=by_group, reasons=reasons)
