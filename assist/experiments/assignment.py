"""Stable assignment: the arm of a unit is a hash of (experiment id, unit id), nothing stored.

SHA-256, not Python's ``hash`` (salted per process): every worker, after any restart, puts the same agent or
contact in the same arm. The first 8 bytes read as a number in [0, 1) pick the arm whose cumulative share of
the weights covers it, so the split follows the weights and one experiment's split is independent of another's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from assist.experiments.schemas import Arm

__all__ = ["arm_for", "bucket"]


def bucket(experiment_id: str, unit_id: str) -> float:
    """A number in [0, 1), uniform over units, fixed for (experiment, unit)."""
    digest = hashlib.sha256(f"{experiment_id}\x1f{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def arm_for(experiment_id: str, unit_id: str, arms: Sequence[Arm]) -> Arm:
    """The arm ``unit_id`` is in; ``arms`` in their stored order (reordering them reassigns units)."""
    if not arms:
        raise ValueError("an experiment without arms")
    point = bucket(experiment_id, unit_id) * sum(a.weight for a in arms)
    running = 0.0
    for arm in arms:
        running += arm.weight
        if point < running:
            return arm
    return arms[-1]  # float rounding at the very top
