"""The routing policies the traffic simulation compares, as settings of the real engine.

A policy is the engine's ``QueuePolicy`` plus the proficiency a contact demands before relaxation
(``required_level``), since in the engine that minimum lives on the contact, not the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.engine import QueuePolicy, RelaxationStep, ScoreWeights

__all__ = ["POLICIES", "SimPolicy", "policy_named"]


@dataclass(frozen=True, slots=True)
class SimPolicy:
    name: str
    queue: QueuePolicy
    required_level: int
    description: str


POLICIES: dict[str, SimPolicy] = {
    "default": SimPolicy(
        "default", QueuePolicy(name="default", explain_limit=1), 1,
        "the engine's default score: proficiency + longest idle + free capacity, any holder of the skill",
    ),
    "longest_idle": SimPolicy(
        "longest_idle",
        QueuePolicy(name="longest_idle", weights=ScoreWeights(proficiency=0.0, idle=1.0, load=0.0, sticky=0.0),
                    explain_limit=1),
        1, "plain longest-idle agent among holders of the skill, proficiency ignored",
    ),
    "tiered": SimPolicy(
        "tiered",
        QueuePolicy(name="tiered", explain_limit=1,
                    steps=(RelaxationStep(after_seconds=15.0, proficiency_delta=1),
                           RelaxationStep(after_seconds=30.0, proficiency_delta=2))),
        3, "proficiency 3+ first, relaxed to 2+ after 15 s and to any holder after 30 s, default score",
    ),
}
"""``explain_limit=1``: the simulation needs the decision, not the runners-up, and ``AgentIndex.shortlist``
then hands ``decide`` only the best agent (plus ties), which keeps the hot path short."""


def policy_named(name: str) -> SimPolicy:
    """The policy called ``name``; raises ValueError listing the known ones otherwise."""
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(POLICIES)}") from None
