"""Off-line policy evaluation from logged data alone: inverse propensity scoring (IPS), its
self-normalised form (SNIPS) and the doubly robust estimate (DR).

All three need the logging policy's propensity of the logged action; rows without one are left out
(and counted). DR adds a reward model's prediction ``q_hat`` for the target action and corrects it with
the IPS-weighted residual on the rows where target and logged action agree: unbiased if either the
propensities or the reward model are right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "doubly_robust", "doubly_robust_terms", "ips", "snips"]


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    stderr: float
    rows: int
    """Rows with a known propensity (the others are excluded)."""
    matched: int
    """Rows where the target policy picked the logged action (the only ones IPS learns from)."""


def _prepare(rewards: np.ndarray, logged: np.ndarray, propensities: np.ndarray, target: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.asarray(propensities, dtype=np.float64)
    known = ~np.isnan(p) & (p > 0)
    if not known.any():
        raise ValueError("no row has a known propensity")
    match = (np.asarray(logged, dtype=object) == np.asarray(target, dtype=object)).astype(np.float64)
    return known, match, p


def ips(rewards: np.ndarray, logged: np.ndarray, propensities: np.ndarray, target: np.ndarray) -> Estimate:
    """Mean of ``1[target = logged] / propensity * reward``; raises ValueError with no known propensity."""
    known, match, p = _prepare(rewards, logged, propensities, target)
    terms = match[known] / p[known] * np.asarray(rewards, dtype=np.float64)[known]
    return Estimate(float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(len(terms))), int(known.sum()),
                    int(match[known].sum()))


def snips(rewards: np.ndarray, logged: np.ndarray, propensities: np.ndarray, target: np.ndarray) -> Estimate:
    """IPS divided by the mean importance weight: less variance, slightly biased."""
    known, match, p = _prepare(rewards, logged, propensities, target)
    w = match[known] / p[known]
    r = np.asarray(rewards, dtype=np.float64)[known]
    value = float((w * r).sum() / max(w.sum(), 1e-12))
    resid = w * (r - value) / max(w.mean(), 1e-12)
    return Estimate(value, float(resid.std(ddof=1) / np.sqrt(len(r))), int(known.sum()), int(match[known].sum()))


def doubly_robust_terms(rewards: np.ndarray, logged: np.ndarray, propensities: np.ndarray, target: np.ndarray,
                        q_target: np.ndarray, q_logged: np.ndarray) -> np.ndarray:
    """DR's per-row terms, NaN where the propensity is unknown: two policies' terms on the same rows pair up,
    so their difference has a standard error far below either estimate's (``models.promotion.paired_dr``)."""
    known, match, p = _prepare(rewards, logged, propensities, target)
    r = np.asarray(rewards, dtype=np.float64)
    terms = np.full(len(r), np.nan)
    terms[known] = (np.asarray(q_target)[known]
                    + match[known] / p[known] * (r[known] - np.asarray(q_logged)[known]))
    return terms


def doubly_robust(rewards: np.ndarray, logged: np.ndarray, propensities: np.ndarray, target: np.ndarray,
                  q_target: np.ndarray, q_logged: np.ndarray) -> Estimate:
    """``q(x, target) + 1[target = logged] / p * (reward - q(x, logged))``, averaged.

    ``q_target[i]`` / ``q_logged[i]`` are the reward model's predictions for the target and the logged
    action in row i.
    """
    all_terms = doubly_robust_terms(rewards, logged, propensities, target, q_target, q_logged)
    known = ~np.isnan(all_terms)
    terms = all_terms[known]
    match = np.asarray(logged, dtype=object)[known] == np.asarray(target, dtype=object)[known]
    return Estimate(float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(len(terms))), int(known.sum()),
                    int(match.sum()))
