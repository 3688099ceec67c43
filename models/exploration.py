"""Exploration in production: which allowed action to show first, and with what probability.

A service that always shows the argmax logs data from which no other policy can be evaluated: IPS and DR
need every action a new policy might choose to have been shown sometimes, with a known probability. So the
first prompt may be drawn, epsilon-greedy or softmax over the actions that pass policy unchanged (the
candidate set), and the probability of what was shown (its propensity) is logged with the prompt. Off by
default: the argmax is shown with propensity 1. An action policy imposed (an identity check first, a
supervisor approval instead of a refund) is never explored away: when the best allowed action is one,
it is shown with propensity 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["OFF", "Exploration", "draw", "slot_propensities"]

Method = Literal["off", "epsilon", "softmax"]


@dataclass(frozen=True, slots=True)
class Exploration:
    method: Method = "off"
    epsilon: float = 0.05
    """epsilon-greedy: the share of contacts on which a uniformly drawn candidate is shown instead."""
    temperature: float = 0.05
    """softmax: in reward units; candidates whose value is this much below the best are e (2.7) times rarer."""

    def __post_init__(self) -> None:
        if self.method not in ("off", "epsilon", "softmax"):
            raise ValueError(f"unknown exploration method {self.method!r} (off, epsilon, softmax)")
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError("epsilon must be in [0, 1]")
        if self.temperature <= 0:
            raise ValueError("temperature must be positive")

    def probabilities(self, values: Sequence[float]) -> np.ndarray:
        """P(each candidate is shown first), for candidates in ranking order (``values`` best first or not:
        ties and order follow ``values``); sums to 1. Raises ValueError for no candidate."""
        v = np.asarray(values, dtype=np.float64)
        if len(v) == 0:
            raise ValueError("no candidate to choose from")
        best = int(np.argmax(v))
        if self.method == "off" or len(v) == 1:
            p = np.zeros(len(v))
            p[best] = 1.0
        elif self.method == "epsilon":
            p = np.full(len(v), self.epsilon / len(v))
            p[best] += 1.0 - self.epsilon
        else:
            z = np.exp((v - v[best]) / self.temperature)
            p = z / z.sum()
        return p


OFF = Exploration()


def draw(probabilities: np.ndarray, rng: np.random.Generator) -> int:
    """The index drawn; the argmax without a draw when it is certain (no randomness spent off)."""
    top = int(np.argmax(probabilities))
    if probabilities[top] >= 1.0:
        return top
    return int(rng.choice(len(probabilities), p=probabilities))


def slot_propensities(order: Sequence[str], candidates: Sequence[str], first: np.ndarray, k: int
                      ) -> dict[tuple[int, str], float]:
    """P(action a is shown in slot j) for slots 0..k-1, when slot 0 is drawn from ``first`` over ``candidates``
    and the other slots follow ``order`` (the guarded ranking) without the drawn action."""
    out: dict[tuple[int, str], float] = {}
    for c, p in zip(candidates, first, strict=True):
        if p <= 0:
            continue
        shown = [c, *(a for a in order if a != c)][:k]
        for j, a in enumerate(shown):
            out[(j, a)] = out.get((j, a), 0.0) + float(p)
    return out
