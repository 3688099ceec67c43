"""The policy table per outcome: what each policy does to resolution, CSAT, churn, escalation and cost, with
paired confidence intervals on its difference from a reference policy, from logged data alone.

The composite reward hides trade-offs a center cares about (a policy may win on resolution and lose on cost).
Each outcome gets its own doubly robust estimate: the reward model is the logistic baseline's head for that
outcome (``models.baseline``: one per outcome and action, the only per-outcome models trained), corrected by the
importance-weighted residual as usual, so the estimate is unbiased with the logged propensities whatever the
head's quality. Cost needs no estimate: it is a function of the action and the refund asked. A policy's
difference from the reference is the mean of per-row differences of DR terms on the same rows (paired), so the
interval excludes the noise both share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.catalog import Catalog
from models.evaluation import doubly_robust_terms
from models.features import feature_matrix
from models.training import TrainedModels

__all__ = ["OUTCOMES", "OutcomeEstimate", "outcome_table", "render_outcome_table"]

OUTCOMES: tuple[str, ...] = ("resolved", "csat", "churned", "escalated", "cost")
Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class OutcomeEstimate:
    policy: str
    outcome: str
    value: float
    stderr: float
    difference: float
    """``value`` minus the reference policy's, from paired per-row terms (0 for the reference itself)."""
    difference_stderr: float


def _observed(frame: pd.DataFrame, catalog: Catalog, fill: dict[str, float]) -> dict[str, np.ndarray]:
    resolved = frame["resolved"].to_numpy(dtype=bool)
    csat = frame["csat"].to_numpy(dtype=np.float64, na_value=np.nan)
    csat = np.where(np.isnan(csat), np.where(resolved, fill["resolved"], fill["unresolved"]), csat)
    return {"resolved": resolved.astype(np.float64), "csat": csat,
            "churned": frame["churned"].to_numpy(dtype=np.float64),
            "escalated": frame["escalated"].to_numpy(dtype=np.float64)}


def _costs(actions: np.ndarray, refund: np.ndarray, catalog: Catalog) -> np.ndarray:
    out = np.zeros(len(actions))
    for spec in catalog.actions:
        rows = actions == spec.id
        if rows.any():
            out[rows] = spec.cost_of(refund[rows])
    return out


def _terms(models: TrainedModels, frame: pd.DataFrame, catalog: Catalog, target: np.ndarray
           ) -> dict[str, np.ndarray]:
    """Per-row DR terms of every outcome for ``target`` (NaN where the propensity is unknown)."""
    X = feature_matrix(frame)
    logged = frame["action"].to_numpy(dtype=object)
    p = frame["propensity"].to_numpy(dtype=np.float64, na_value=np.nan)
    rows = np.arange(len(frame))
    observed = _observed(frame, catalog, models.csat_fill)
    out: dict[str, np.ndarray] = {}
    for outcome, y in observed.items():
        q = np.column_stack([models.baseline.heads[a][outcome].predict(X) for a in catalog.ids])
        if outcome == "csat":
            q = np.clip(q, 1, 5)
        col = {a: i for i, a in enumerate(catalog.ids)}
        out[outcome] = doubly_robust_terms(y, logged, p, target, q[rows, [col[a] for a in target]],
                                           q[rows, [col[a] for a in logged]])
    known = ~np.isnan(p) & (p > 0)
    cost = _costs(np.asarray(target, dtype=object), frame["refund_amount"].to_numpy(dtype=np.float64), catalog)
    out["cost"] = np.where(known, cost, np.nan)
    return out


def outcome_table(models: TrainedModels, frame: pd.DataFrame, catalog: Catalog, policies: dict[str, np.ndarray],
                  reference: str = "rules") -> list[OutcomeEstimate]:
    """Every policy's DR estimate of every outcome on ``frame`` (as served: pass ``models.as_served(history)``),
    with its paired difference from ``reference`` (a key of ``policies``); raises KeyError for an unknown one."""
    terms = {name: _terms(models, frame, catalog, target) for name, target in policies.items()}
    base = terms[reference]
    out = []
    for name, by_outcome in terms.items():
        for outcome in OUTCOMES:
            t, d = by_outcome[outcome], by_outcome[outcome] - base[outcome]
            t, d = t[~np.isnan(t)], d[~np.isnan(d)]
            out.append(OutcomeEstimate(name, outcome, float(t.mean()), float(t.std(ddof=1) / np.sqrt(len(t))),
                                       float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))))
    return out


_SCALE = {"resolved": 100.0, "churned": 100.0, "escalated": 100.0, "csat": 1.0, "cost": 1.0, "contacts": 1.0,
          "value": 1.0}
_UNIT = {"resolved": "resolved %", "csat": "CSAT (1-5)", "churned": "churned %", "escalated": "escalated %",
         "cost": "cost (reward units)", "contacts": "contacts", "value": "value (reward units)"}


def render_outcome_table(rows: list[OutcomeEstimate], reference: str = "rules",
                         outcomes: tuple[str, ...] = OUTCOMES, *, intervals: bool = False) -> str:
    """Markdown: a row per policy, per outcome its estimate and its difference from ``reference`` ± 95 %
    (``intervals`` adds the estimate's own ± 95 %). ``outcomes`` are ``OUTCOMES`` or the journey table's."""
    policies = list(dict.fromkeys(r.policy for r in rows))
    cell = {(r.policy, r.outcome): r for r in rows}
    lines = ["| policy | " + " | ".join(_UNIT[o] for o in outcomes) + " |",
             "|---|" + "---:|" * len(outcomes)]
    for policy in policies:
        cells = []
        for o in outcomes:
            r, k = cell[(policy, o)], _SCALE[o]
            digits = 1 if k == 100.0 else 3
            text = f"{r.value * k:.{digits}f}"
            if intervals:
                text += f" ± {Z95 * r.stderr * k:.{digits}f}"
            if policy != reference:
                text += f" ({r.difference * k:+.{digits}f} ± {Z95 * r.difference_stderr * k:.{digits}f})"
            cells.append(text)
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
