"""The logging (behaviour) policy: how the world's agents chose actions when the history was made.

It is a stochastic habit: a per-reason playbook plus a few reflexes (verify on the phone, apologise to
an upset customer, escalate a refund over the limit, close when handled), turned into probabilities by
a softmax and mixed with a uniform floor ``epsilon`` so every action keeps a propensity of at least
``epsilon / len(ACTIONS)``. It only reads logged columns, so off-line estimates (IPS, DR) on the
history are unbiased. ``playbook_actions`` is the same habit without noise: the "simple rules" a
learned policy has to beat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.world.catalog import ACTIONS, REASONS

__all__ = ["LoggingPolicy", "playbook_actions"]

_A = {a: i for i, a in enumerate(ACTIONS)}

_PLAYBOOK: dict[str, dict[str, float]] = {
    "billing_dispute": {"offer_refund_small": 1.6, "apologise_acknowledge": 0.5, "escalate_supervisor": 0.3},
    "outage": {"send_knowledge_article": 1.5, "apologise_acknowledge": 0.8, "schedule_callback": 0.5},
    "refund": {"offer_refund_small": 1.3, "offer_refund_large": 0.8},
    "cancel": {"offer_retention_discount": 1.6, "offer_plan_change": 0.6, "transfer_specialist": 0.5},
    "technical_issue": {"send_knowledge_article": 1.5, "transfer_specialist": 0.8},
    "complaint": {"apologise_acknowledge": 1.6, "escalate_supervisor": 0.8},
    "plan_change": {"offer_plan_change": 1.6, "send_knowledge_article": 0.4},
    "order_status": {"send_knowledge_article": 1.3, "schedule_callback": 0.4},
}


def _playbook_matrix() -> np.ndarray:
    matrix = np.zeros((len(REASONS), len(ACTIONS)))
    for r, scores in enumerate(_PLAYBOOK[reason] for reason in REASONS):
        for action, score in scores.items():
            matrix[r, _A[action]] = score
    return matrix


_MATRIX = _playbook_matrix()
_R = {r: i for i, r in enumerate(REASONS)}


def _scores(contexts: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
    frame = contexts if isinstance(contexts, pd.DataFrame) else pd.DataFrame([dict(contexts)])
    reason = np.array([_R[str(r)] for r in frame["reason"]], dtype=np.int64)
    scores = _MATRIX[reason].copy()
    unverified = ~frame["identity_verified"].to_numpy(dtype=bool)
    phone = (frame["channel"].astype(str) == "phone").to_numpy()
    sentiment = frame["sentiment"].to_numpy(dtype=float)
    repeat = frame["journey_step"].to_numpy(dtype=float) >= 1
    over_limit = frame["refund_amount"].to_numpy(dtype=float) > frame["refund_limit"].to_numpy(dtype=float)
    scores[:, _A["verify_identity"]] += unverified * np.where(phone, 1.4, 0.6)
    scores[:, _A["apologise_acknowledge"]] += 0.9 * (sentiment < -0.3)
    scores[:, _A["escalate_supervisor"]] += 0.9 * over_limit
    scores[:, _A["close_with_survey"]] += 1.2 * (repeat & (sentiment > 0.2))
    return scores


@dataclass(frozen=True, slots=True)
class LoggingPolicy:
    """Softmax over the habit scores at ``temperature``, mixed with a uniform ``epsilon`` floor."""

    name: str = "behaviour-v1"
    temperature: float = 0.6
    epsilon: float = 0.15

    def propensities(self, contexts: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """P(action | context) for every row: an (n, len(ACTIONS)) array whose rows sum to 1."""
        scores = _scores(contexts) / self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        soft = np.exp(scores)
        soft /= soft.sum(axis=1, keepdims=True)
        return (1.0 - self.epsilon) * soft + self.epsilon / len(ACTIONS)

    def sample(self, contexts: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw one action per row; returns (action indices into ``ACTIONS``, their propensities)."""
        probs = self.propensities(contexts)
        cumulative = np.cumsum(probs, axis=1)
        u = rng.random(len(probs))[:, None] * cumulative[:, -1:]
        chosen = np.minimum((u > cumulative).sum(axis=1), len(ACTIONS) - 1)
        return chosen, probs[np.arange(len(probs)), chosen]


def playbook_actions(contexts: pd.DataFrame) -> np.ndarray:
    """The behaviour policy's most likely action per row (its rules without the noise)."""
    chosen: np.ndarray = np.asarray(ACTIONS, dtype=object)[np.argmax(_scores(contexts), axis=1)]
    return chosen
