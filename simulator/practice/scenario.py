"""The shape of a practice scenario: a persona with a goal, the policy that applies, and what sets them off.

Scenarios are plain frozen data so trainers can read them, tests can build their own, and a replay needs
nothing but the scenario's name. The eight shipped ones live in ``simulator.practice.library``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from simulator.practice.signals import Signal
from simulator.world.catalog import ACTIONS, CHANNELS, REASONS, TEMPERAMENTS

__all__ = ["Channel", "Lines", "Persona", "Policy", "Reaction", "Scenario", "Trigger", "scenario_from_dict",
           "scenario_to_dict"]

Channel = Literal["chat", "phone", "email"]
Reaction = Literal["demand_supervisor", "threaten_cancel", "threaten_complaint", "overwhelmed", "hang_up"]
"""What the customer does when a trigger fires; ``hang_up`` ends the conversation."""


@dataclass(frozen=True, slots=True)
class Persona:
    """Who the customer is and how they react.

    ``start_mood`` and every mood are in [-1, 1] (-1 furious, 0 neutral, +1 delighted). ``patience`` is
    the number of trainee turns without progress they tolerate. ``receptiveness`` scales every rise of
    mood, ``reactivity`` every fall; ``sensitivity`` scales single signals on top (a vulnerable customer
    feels sales pressure far more than most).
    """

    name: str
    summary: str
    goal: str
    temperament: str
    start_mood: float
    patience: int
    receptiveness: float = 1.0
    reactivity: float = 1.0
    sensitivity: Mapping[Signal, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Trigger:
    """An escalation trigger: fires once, the first time its condition holds after a trainee turn.

    ``mood_below``: mood under ``threshold``; ``patience_out``: patience used up; ``violations``: at least
    ``threshold`` policy violations so far.
    """

    when: Literal["mood_below", "patience_out", "violations"]
    reaction: Reaction
    threshold: float = 0.0


@dataclass(frozen=True, slots=True)
class Policy:
    """What the right handling is, in catalog action ids.

    ``resolves``: actions that meet the customer's goal once every flag in ``needs`` holds ("verified",
    "verify_attempted"). A refund (``offer_refund_*``) of more than the trainee's refund limit is a
    violation; when ``refund_amount`` is above that limit, ``escalate_supervisor`` (asking approval)
    resolves instead. ``helpful``: steps that move things on without resolving. ``forbidden``: actions
    that are wrong here, with why.
    """

    resolves: frozenset[str]
    requires_verification: bool = False
    verification_passes: bool = True
    refund_amount: float | None = None
    needs: frozenset[str] = frozenset()
    helpful: frozenset[str] = frozenset()
    forbidden: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lines:
    """The scenario's own customer lines (``str.format`` with ``slots``); generic reactions are in voice."""

    opening: tuple[str, ...]
    restate: tuple[str, ...]
    goal_met: tuple[str, ...]
    verify_pass: tuple[str, ...] = ("Sure. Date of birth {dob}, and the postcode is {postcode}.",
                                    "Fine: {dob}, postcode {postcode}. Can we get on with it?")
    verify_fail: tuple[str, ...] = ("I don't know that one.",)
    slots: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One practice contact: persona, reason and channel (catalog ids), policy, triggers and lines.

    ``target_seconds`` is the handle time a good agent needs; ``min_customer_turns`` how many customer
    turns an efficient conversation takes; ``hints`` are the prompts offline runs show in place of the
    real guidance. Raises ValueError when an id is not in the simulator's catalog.
    """

    name: str
    title: str
    reason: str
    channel: Channel
    persona: Persona
    policy: Policy
    triggers: tuple[Trigger, ...]
    lines: Lines
    target_seconds: float = 360.0
    min_customer_turns: int = 4
    hints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"scenario {self.name!r}: unknown reason {self.reason!r}")
        if self.channel not in CHANNELS:
            raise ValueError(f"scenario {self.name!r}: unknown channel {self.channel!r}")
        if self.persona.temperament not in TEMPERAMENTS:
            raise ValueError(f"scenario {self.name!r}: unknown temperament {self.persona.temperament!r}")
        named = (self.policy.resolves | self.policy.helpful | set(self.policy.forbidden) | set(self.hints))
        unknown = sorted(named - set(ACTIONS))
        if unknown:
            raise ValueError(f"scenario {self.name!r}: unknown actions {unknown}")


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """``scenario`` as JSON-ready data that ``scenario_from_dict`` reads back to an equal scenario."""
    persona, policy, lines = scenario.persona, scenario.policy, scenario.lines
    return {
        "name": scenario.name, "title": scenario.title, "reason": scenario.reason, "channel": scenario.channel,
        "persona": {"name": persona.name, "summary": persona.summary, "goal": persona.goal,
                    "temperament": persona.temperament, "start_mood": persona.start_mood,
                    "patience": persona.patience, "receptiveness": persona.receptiveness,
                    "reactivity": persona.reactivity,
                    "sensitivity": {s.value: v for s, v in persona.sensitivity.items()}},
        "policy": {"resolves": sorted(policy.resolves), "requires_verification": policy.requires_verification,
                   "verification_passes": policy.verification_passes, "refund_amount": policy.refund_amount,
                   "needs": sorted(policy.needs), "helpful": sorted(policy.helpful),
                   "forbidden": dict(policy.forbidden)},
        "triggers": [{"when": t.when, "reaction": t.reaction, "threshold": t.threshold} for t in scenario.triggers],
        "lines": {"opening": list(lines.opening), "restate": list(lines.restate), "goal_met": list(lines.goal_met),
                  "verify_pass": list(lines.verify_pass), "verify_fail": list(lines.verify_fail),
                  "slots": dict(lines.slots)},
        "target_seconds": scenario.target_seconds, "min_customer_turns": scenario.min_customer_turns,
        "hints": list(scenario.hints)}


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """The scenario ``scenario_to_dict`` wrote; raises ValueError (or KeyError) for data that is not one."""
    persona, policy, lines = dict(data["persona"]), dict(data["policy"]), dict(data["lines"])
    persona["sensitivity"] = {Signal(k): float(v) for k, v in persona.get("sensitivity", {}).items()}
    return Scenario(
        name=data["name"], title=data["title"], reason=data["reason"], channel=data["channel"],
        persona=Persona(**persona),
        policy=Policy(resolves=frozenset(policy["resolves"]), requires_verification=policy["requires_verification"],
                      verification_passes=policy["verification_passes"], refund_amount=policy["refund_amount"],
                      needs=frozenset(policy["needs"]), helpful=frozenset(policy["helpful"]),
                      forbidden=dict(policy["forbidden"])),
        triggers=tuple(Trigger(**t) for t in data["triggers"]),
        lines=Lines(opening=tuple(lines["opening"]), restate=tuple(lines["restate"]),
                    goal_met=tuple(lines["goal_met"]), verify_pass=tuple(lines["verify_pass"]),
                    verify_fail=tuple(lines["verify_fail"]), slots=dict(lines["slots"])),
        target_seconds=float(data["target_seconds"]), min_customer_turns=int(data["min_customer_turns"]),
        hints=tuple(data["hints"]))
