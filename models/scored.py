"""One input's model work, kept so that an event which leaves the model's input unchanged does none of it again.

Scoring a context is a pure function of the loaded version and the context: the feature row, every action's
value, the input-domain flags, and per shown action its TreeSHAP contributions, its calibrated confidence and
the reasons built from them. ``Scored`` holds those for ONE context (``input_key``) and fills the per-action
parts only when an action is first shown or compared with, so the next event on the journey reuses all of it
when its context is the same (an agent's words, an event the model does not read) and the policy part that
depends on more than the context (which actions were already shown, guardrails, exploration) still runs every
time. Each value is what a fresh computation gives: rows are scored one by one, never batched differently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from models.domain import OutOfDomain
from models.explain import Contrast, Explanation

if TYPE_CHECKING:
    from models.scorer import Scorer

__all__ = ["InputKey", "Scored", "digest", "input_key"]

InputKey = bytes
"""A 128-bit BLAKE2b digest of the inputs (16 bytes kept per memo entry, however long the inputs)."""


def digest(value: Any) -> InputKey:
    """The digest of ``repr(value)``: for strings, numbers, None and tuples of them, equal digests mean equal
    values (up to a 2**-128 collision); floats are exact in ``repr``, and an unknown number (NaN) equals itself."""
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


def input_key(context: Mapping[str, Any]) -> InputKey:
    """The context's identity for the memo: equal keys give equal feature rows, scores and reasons."""
    return digest(sorted((k, repr(v)) for k, v in context.items()))


@dataclass(eq=False)
class Scored:
    """The model's work on one context under one loaded version (``scorer``); see the module doc."""

    scorer: Scorer
    key: InputKey
    X: np.ndarray
    """The feature row, (1, F)."""
    values: np.ndarray
    """Expected value per action, in ``scorer.models.actions`` order."""
    flags: tuple[OutOfDomain, ...]
    """Inputs outside what the model learned from."""
    contributions: dict[str, np.ndarray] = field(default_factory=dict)
    """TreeSHAP row per action explained so far."""
    confidences: dict[str, float] = field(default_factory=dict)
    explanations: dict[tuple[str, str | None], tuple[Explanation, Contrast | None]] = field(default_factory=dict)
    """Per (judged action, runner-up): its reasons and its contrast with the runner-up."""

    def matches(self, scorer: Scorer, key: InputKey) -> bool:
        """This is the work ``scorer`` would do on a context with ``key``."""
        return self.scorer is scorer and self.key == key

    def contribution(self, action: str) -> np.ndarray:
        row = self.contributions.get(action)
        if row is None:
            row = self.contributions[action] = self.scorer.contribution(action, self.X)
        return row

    def confidence(self, actions: list[str]) -> list[float]:
        """Calibrated confidence of each of ``actions`` (the ones not known yet computed in one call: the
        resolution model scores each row on its own, so the batch does not change a value)."""
        missing = list(dict.fromkeys(a for a in actions if a not in self.confidences))
        if missing:
            found = self.scorer.confidences(self.X, missing)
            self.confidences.update(zip(missing, (float(c) for c in found), strict=True))
        return [self.confidences[a] for a in actions]
