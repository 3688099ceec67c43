"""The promotion gate: a trained version is served only if what the panel would show beats what it replaces.

What is judged is the policy an agent sees, ``learned + guardrails``, by its doubly robust estimate on the
version's own test slice (``metrics["off_policy"]`` of the training report). It must be at least as good
as its own baselines on the same slice (the logistic baseline with the same guardrails, and the rules that
answer when no model does), and at least as good as the promoted version's figure (the champion, when
there is one).

Against a champion, point estimates from two reports are not enough: each DR estimate has a standard error
about as large as the gap a retrain buys, and they come from different test slices. ``paired_dr`` scores
both versions' served policies on the same logged rows (the challenger's test slice, which neither trained
on) and takes per-row differences of their DR terms, whose standard error is a fraction of either's; the
challenger is promoted only if the lower one-sided 95 % bound of that difference is above zero
(``champion_gate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from models.catalog import Catalog
    from models.training import TrainedModels

__all__ = ["BASELINES", "ONE_SIDED_95", "SERVED", "GateDecision", "PairedComparison", "champion_gate", "paired_dr",
           "promotion_gate"]

ONE_SIDED_95 = 1.6448536

SERVED = "learned + guardrails"
"""The policy the panel shows."""
BASELINES: tuple[str, ...] = ("logistic baseline + guardrails", "rules")
"""What the model must beat on its own test slice."""


@dataclass(frozen=True, slots=True)
class GateDecision:
    promote: bool
    value: float
    """The candidate's DR estimate of ``SERVED``."""
    refusals: tuple[str, ...] = ()
    """Why it may not be promoted, in words (empty when ``promote``)."""


def _dr(metrics: Mapping[str, Any], policy: str) -> float:
    for row in metrics.get("off_policy", ()):
        if row["policy"] == policy:
            return float(row["dr"])
    raise KeyError(f"the report has no DR estimate of {policy!r}")


def promotion_gate(candidate: Mapping[str, Any], champion: Mapping[str, Any] | None = None,
                   champion_name: str = "the promoted version") -> GateDecision:
    """Decide from two training reports' metrics (``champion`` None when nothing is promoted).

    Raises KeyError when the candidate's report lacks the served policy or a baseline.
    """
    value = _dr(candidate, SERVED)
    refusals = [f"its DR {value:.4f} is below its own {name} ({baseline:.4f})"
                for name in BASELINES if (baseline := _dr(candidate, name)) > value]
    if champion is not None and (best := _dr(champion, SERVED)) > value:
        refusals.append(f"its DR {value:.4f} is below {champion_name} ({best:.4f})")
    return GateDecision(not refusals, value, tuple(refusals))


@dataclass(frozen=True, slots=True)
class PairedComparison:
    """Challenger minus champion, both serving ``SERVED``, by DR on the same logged rows."""

    challenger: float
    champion: float
    difference: float
    stderr: float
    """Of the per-row differences' mean."""
    rows: int
    """Rows with a known propensity (the others pair nothing)."""

    @property
    def lower(self) -> float:
        """Lower one-sided 95 % confidence bound of the difference."""
        return self.difference - ONE_SIDED_95 * self.stderr


def _served_terms(models: TrainedModels, logged: pd.DataFrame, catalog: Catalog) -> np.ndarray:
    """Per-row DR terms of ``models``' served policy, each model scoring the rows as it is served them and
    using its own value models as the reward model."""
    from models.evaluation import doubly_robust_terms
    from models.features import feature_matrix
    from models.outcomes import rewards
    from models.scorer import Scorer

    served = models.as_served(logged)
    target = Scorer(models, catalog).choose(served)
    q = models.values(feature_matrix(served))
    col = {a: i for i, a in enumerate(models.actions)}
    rows = np.arange(len(served))
    action = served["action"].to_numpy(dtype=object)
    return doubly_robust_terms(rewards(served, catalog, models.csat_fill), action,
                               served["propensity"].to_numpy(dtype=np.float64, na_value=np.nan),
                               target, q[rows, [col[a] for a in target]], q[rows, [col[a] for a in action]])


def paired_dr(challenger: TrainedModels, champion: TrainedModels, logged: pd.DataFrame,
              catalog: Catalog | None = None) -> PairedComparison:
    """Compare two versions' served policies on the same ``logged`` rows (history schema; rows neither trained
    on). Raises ValueError when fewer than two rows have a known propensity."""
    from models.catalog import load_catalog

    catalog = catalog or load_catalog()
    a, b = _served_terms(challenger, logged, catalog), _served_terms(champion, logged, catalog)
    known = ~np.isnan(a) & ~np.isnan(b)
    if known.sum() < 2:
        raise ValueError("fewer than two logged rows with a known propensity: nothing to compare on")
    d = a[known] - b[known]
    return PairedComparison(float(a[known].mean()), float(b[known].mean()), float(d.mean()),
                            float(d.std(ddof=1) / np.sqrt(len(d))), int(known.sum()))


def champion_gate(candidate: Mapping[str, Any], comparison: PairedComparison | None,
                  champion_name: str = "the promoted version") -> GateDecision:
    """``promotion_gate`` against the candidate's own baselines, then, when there is a champion, the paired
    comparison: promoted only if the lower 95 % bound of (challenger - champion) is above zero."""
    own = promotion_gate(candidate)
    refusals = list(own.refusals)
    if comparison is not None and comparison.lower <= 0:
        refusals.append(f"its DR {comparison.challenger:.4f} does not surely beat {champion_name} "
                        f"({comparison.champion:.4f}) on the same {comparison.rows:,} rows: difference "
                        f"{comparison.difference:+.4f}, lower 95 % bound {comparison.lower:+.4f}")
    return GateDecision(not refusals, own.value, tuple(refusals))
