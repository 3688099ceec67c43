"""The simulated customer's state and how one trainee turn moves it (the mood model).

Mood lives in [-1, 1]. Each turn's signals add their base effect (``BASE_EFFECT``), scaled by the
persona's receptiveness (rises) or reactivity (falls) and per-signal sensitivity. Soft skills wear out:
the n-th apology counts ``0.5 ** (n - 1)`` of the first, and from the fourth one it sounds scripted and
costs a little. A turn that moves nothing forward (no resolving offer, helpful step, required procedure
or honoured escalation) costs one patience and ``STALL_COST`` mood; blame, dismissal, repetition, asking
to repeat, rudeness and wrong policy cost one more patience. Then the escalation triggers are checked.

Everything here is a pure function of its arguments: no randomness, so a replay reproduces the mood
trajectory exactly (the seed only varies the customer's wording, in ``voice``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from simulator.practice.scenario import Reaction, Scenario, Trigger
from simulator.practice.signals import ACTION_SIGNALS, Signal, classify_utterance
from simulator.world.catalog import ACCOUNT_ACTIONS

__all__ = ["BASE_EFFECT", "PersonaState", "Step", "Violation", "advance", "resolving_actions", "start"]

BASE_EFFECT: dict[Signal, float] = {
    Signal.APOLOGY: 0.10, Signal.EMPATHY: 0.10, Signal.OWNERSHIP: 0.08, Signal.HISTORY: 0.06,
    Signal.BOUNDARY: 0.03, Signal.PATIENCE: 0.03, Signal.CORRECT_OFFER: 0.25, Signal.HELPFUL: 0.08,
    Signal.PROCEDURE: 0.03, Signal.ESCALATED: 0.06,
    Signal.BLAME: -0.20, Signal.DISMISSIVE: -0.15, Signal.REPETITION: -0.12, Signal.ASKS_REPEAT: -0.10,
    Signal.PRESSURE: -0.08, Signal.RUDE: -0.35, Signal.WRONG_POLICY: -0.20,
}
"""Mood change per signal before persona scaling."""

SOFT_SKILLS = frozenset({Signal.APOLOGY, Signal.EMPATHY, Signal.OWNERSHIP, Signal.HISTORY, Signal.BOUNDARY,
                         Signal.PATIENCE})
HOLLOW = -0.03
"""What the fourth and later use of the same soft skill costs: it sounds scripted."""
STALL_COST = 0.02
PROGRESS = frozenset({Signal.CORRECT_OFFER, Signal.HELPFUL, Signal.PROCEDURE, Signal.ESCALATED})
COSTLY = frozenset({Signal.BLAME, Signal.DISMISSIVE, Signal.REPETITION, Signal.ASKS_REPEAT, Signal.RUDE,
                    Signal.WRONG_POLICY})
REFUNDS = frozenset({"offer_refund_small", "offer_refund_large"})


@dataclass(frozen=True, slots=True)
class Violation:
    """A policy breach: ``code`` is forbidden, unverified, over_limit or conduct; ``text`` says why."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class PersonaState:
    mood: float
    patience: int
    turn: int = 0
    goal_met: bool = False
    verified: bool = False
    verify_attempted: bool = False
    escalated: bool = False
    ended: bool = False
    fired: tuple[int, ...] = ()
    """Indexes of the scenario's triggers that have fired."""
    uses: Mapping[Signal, int] = field(default_factory=dict)
    said: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    asked_to_repeat: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """One trainee turn's effect: the states around it, why the mood moved, what fired."""

    before: PersonaState
    after: PersonaState
    signals: frozenset[Signal]
    effects: tuple[tuple[Signal, float], ...]
    delta: float
    fired: tuple[Trigger, ...] = ()
    violations: tuple[Violation, ...] = ()
    goal_reached: bool = False
    verification: Literal["pass", "fail"] | None = None

    @property
    def reaction(self) -> Reaction | None:
        """The most severe reaction that fired this turn, if any."""
        order: tuple[Reaction, ...] = ("hang_up", "demand_supervisor", "threaten_cancel", "threaten_complaint",
                                       "overwhelmed")
        fired = {t.reaction for t in self.fired}
        return next((r for r in order if r in fired), None)


def start(scenario: Scenario) -> PersonaState:
    """The persona before the trainee says anything."""
    return PersonaState(mood=scenario.persona.start_mood, patience=scenario.persona.patience)


def resolving_actions(scenario: Scenario, refund_limit: float) -> frozenset[str]:
    """Actions that meet the goal for a trainee with ``refund_limit``: above it, asking approval resolves."""
    policy = scenario.policy
    if policy.refund_amount is not None and policy.refund_amount > refund_limit and policy.resolves & REFUNDS:
        return (policy.resolves - REFUNDS) | {"escalate_supervisor"}
    return policy.resolves


def _judge_action(scenario: Scenario, state: PersonaState, action: str, fields: Mapping[str, object],
                  refund_limit: float) -> tuple[set[Signal], list[Violation], dict[str, bool]]:
    policy = scenario.policy
    signals: set[Signal] = {ACTION_SIGNALS[action]} if action in ACTION_SIGNALS else set()
    violations: list[Violation] = []
    flags: dict[str, bool] = {}
    if action == "verify_identity":
        if policy.requires_verification and not state.verify_attempted:
            signals.add(Signal.PROCEDURE)
        flags["verify_attempted"] = True
        flags["verified"] = policy.verification_passes
    if action in policy.forbidden:
        violations.append(Violation("forbidden", policy.forbidden[action]))
    elif action in ACCOUNT_ACTIONS and policy.requires_verification and not state.verified:
        violations.append(Violation("unverified", f"{action} before the customer's identity was verified"))
    amount = fields.get("amount", policy.refund_amount)
    if action in REFUNDS and isinstance(amount, (int, float)) and amount > refund_limit:
        violations.append(Violation("over_limit", f"refund of {amount:.2f} above the {refund_limit:.2f} "
                                                  "limit without supervisor approval"))
    needs_met = all({"verified": state.verified or flags.get("verified", False),
                     "verify_attempted": state.verify_attempted or "verify_attempted" in flags}.get(n, False)
                    for n in policy.needs)
    if violations:
        signals.add(Signal.WRONG_POLICY)
    elif action in resolving_actions(scenario, refund_limit) and needs_met and not state.goal_met:
        signals.add(Signal.CORRECT_OFFER)
        flags["goal_met"] = True
    elif action in policy.helpful:
        signals.add(Signal.HELPFUL)
    if action == "escalate_supervisor":
        flags["escalated"] = True
        demanded = any(scenario.triggers[i].reaction == "demand_supervisor" for i in state.fired)
        if demanded and Signal.CORRECT_OFFER not in signals:
            signals.add(Signal.ESCALATED)
    return signals, violations, flags


def _effect(scenario: Scenario, state: PersonaState, signal: Signal) -> float:
    persona = scenario.persona
    base = BASE_EFFECT.get(signal, 0.0)
    if signal in SOFT_SKILLS:
        used = state.uses.get(signal, 0)
        base = base * 0.5 ** used if used < 3 else HOLLOW
    scale = persona.receptiveness if base > 0 else persona.reactivity
    return base * scale * persona.sensitivity.get(signal, 1.0)


def advance(scenario: Scenario, state: PersonaState, *, text: str = "", action: str | None = None,
            fields: Mapping[str, object] | None = None, refund_limit: float = 50.0) -> Step:
    """The persona after one trainee turn (an utterance ``text`` or a catalog ``action``).

    Returns the Step with the new state; an ended conversation (the customer hung up) does not move.
    """
    if state.ended:
        return Step(before=state, after=state, signals=frozenset(), effects=(), delta=0.0)
    signals: set[Signal] = set()
    violations: list[Violation] = []
    flags: dict[str, bool] = {}
    if action:
        signals, violations, flags = _judge_action(scenario, state, action, fields or {}, refund_limit)
    if text:
        signals |= classify_utterance(text, state.said)
    if Signal.RUDE in signals:
        violations.append(Violation("conduct", "insulting language towards the customer"))
    effects = tuple((s, round(_effect(scenario, state, s), 4)) for s in sorted(signals))
    progress = bool(signals & PROGRESS) or state.goal_met
    patience_cost = 0 if progress else 1 + int(bool(signals & COSTLY))
    delta = sum(e for _, e in effects) - (0.0 if progress else STALL_COST)
    uses = dict(state.uses)
    for s in signals & SOFT_SKILLS:
        uses[s] = uses.get(s, 0) + 1
    after = replace(
        state, mood=round(max(-1.0, min(1.0, state.mood + delta)), 4), patience=state.patience - patience_cost,
        turn=state.turn + 1, goal_met=state.goal_met or flags.get("goal_met", False),
        verified=state.verified or flags.get("verified", False),
        verify_attempted=state.verify_attempted or flags.get("verify_attempted", False),
        escalated=state.escalated or flags.get("escalated", False), uses=uses,
        said=state.said + ((text,) if text else ()), violations=state.violations + tuple(violations),
        asked_to_repeat=state.asked_to_repeat + int(Signal.ASKS_REPEAT in signals))
    indexes, fired = _fire(scenario, after)
    if indexes:
        after = replace(after, fired=after.fired + indexes, ended=any(t.reaction == "hang_up" for t in fired))
    verification: Literal["pass", "fail"] | None = None
    if action == "verify_identity":
        verification = "pass" if scenario.policy.verification_passes else "fail"
    return Step(before=state, after=after, signals=frozenset(signals), effects=effects,
                delta=round(after.mood - state.mood, 4), fired=fired,
                violations=tuple(violations), goal_reached=after.goal_met and not state.goal_met,
                verification=verification)


def _fire(scenario: Scenario, state: PersonaState) -> tuple[tuple[int, ...], tuple[Trigger, ...]]:
    """Triggers whose condition now holds: all their indexes, and each reaction not seen before once."""
    indexes: list[int] = []
    fired: list[Trigger] = []
    seen = {scenario.triggers[i].reaction for i in state.fired}
    for i, trigger in enumerate(scenario.triggers):
        if i in state.fired:
            continue
        if trigger.when == "mood_below":
            holds = state.mood < trigger.threshold
        elif trigger.when == "patience_out":
            holds = state.patience <= 0 and not state.goal_met
        else:
            holds = len(state.violations) >= trigger.threshold
        if holds:
            indexes.append(i)
            if trigger.reaction not in seen:
                fired.append(trigger)
                seen.add(trigger.reaction)
    return tuple(indexes), tuple(fired)
