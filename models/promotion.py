"""The promotion gate: a trained version is served only if what the panel would show beats what it replaces.

What is judged is the policy an agent sees, ``learned + guardrails``, by its doubly robust estimate on the
version's own test slice (``metrics["off_policy"]`` of the training report). It must be at least as good
as its own baselines on the same slice (the logistic baseline with the same guardrails, and the rules that
answer when no model does), and at least as good as the promoted version's figure (the champion, when
there is one). Point estimates, as the retrain command always compared; a paired confidence bound is the
champion/challenger work of issue 19, not this gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BASELINES", "SERVED", "GateDecision", "promotion_gate"]

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
