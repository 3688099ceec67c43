"""The statistics of an experiment's results: intervals of means, Welch's difference, and the sample size.

Proportions reuse the adoption lift's Wilson interval and Newcombe's difference (``assist.adoption.lift``).
Means and variances arrive as SQL sums (n, sum x, sum x^2), so nothing here reads rows.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from scipy.stats import t as student_t

from assist.experiments.schemas import Difference, MeanInterval

__all__ = ["mean_interval", "sample_size", "welch"]


def _variance(n: int, total: float, squares: float) -> float | None:
    if n < 2:
        return None
    return max(0.0, (squares - total * total / n) / (n - 1))


def mean_interval(n: int, total: float, squares: float, confidence: float = 0.95) -> MeanInterval:
    """The mean of n values (from their sum and sum of squares) with its t interval."""
    if n == 0:
        return MeanInterval(n=0, mean=None, sd=None, low=None, high=None)
    mean = total / n
    variance = _variance(n, total, squares)
    if variance is None:
        return MeanInterval(n=n, mean=mean, sd=None, low=None, high=None)
    half = float(student_t.ppf((1 + confidence) / 2, n - 1)) * math.sqrt(variance / n)
    return MeanInterval(n=n, mean=mean, sd=math.sqrt(variance), low=mean - half, high=mean + half)


def welch(arm: MeanInterval, control: MeanInterval, confidence: float = 0.95) -> Difference:
    """``arm.mean - control.mean`` with Welch's interval (unequal variances, Welch-Satterthwaite df)."""
    if arm.mean is None or control.mean is None or arm.sd is None or control.sd is None:
        return Difference(value=None, low=None, high=None, method="welch", significant=False)
    a, b = arm.sd**2 / arm.n, control.sd**2 / control.n
    difference = arm.mean - control.mean
    if a + b == 0:
        return Difference(value=difference, low=difference, high=difference, method="welch",
                          significant=difference != 0)
    df = (a + b) ** 2 / (a * a / (arm.n - 1) + b * b / (control.n - 1))
    half = float(student_t.ppf((1 + confidence) / 2, df)) * math.sqrt(a + b)
    low, high = difference - half, difference + half
    return Difference(value=difference, low=low, high=high, method="welch", significant=low > 0 or high < 0)


def sample_size(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Units per arm to tell resolution rates ``p1`` and ``p2`` apart (two-sided ``alpha``, ``power``), by the
    two-proportion formula without continuity correction:
    n = (z_(1-alpha/2) sqrt(2 pbar qbar) + z_power sqrt(p1 q1 + p2 q2))^2 / (p1 - p2)^2, pbar = (p1 + p2) / 2.
    None when the rates are equal (no difference to detect)."""
    if p1 == p2:
        return None
    normal = NormalDist()
    z_alpha, z_beta = normal.inv_cdf(1 - alpha / 2), normal.inv_cdf(power)
    pbar = (p1 + p2) / 2
    root = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_beta * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(root * root / (p1 - p2) ** 2)
