"""The simulated customer's state and how one trainee turn moves it (the mood model).

Mood lives in [-1, 1]. Each turn's signals (``signals.read_turn``: classified acts plus a few literal
phrases, and the action judged against the scenario's policy) add their base effect (``BASE_EFFECT``),
scaled by the persona's receptiveness (rises) or reactivity (falls) and per-signal sensitivity. Words are
held to what they are worth:

- diminishing returns across turns: the n-th apology counts ``0.5 ** (n - 1)`` of the first, and from the
  fourth it sounds scripted and costs a little;
- per turn: what words earn in one turn is capped (``WORDS_TURN_CAP``), and a turn that strings four or
  more soft phrases together earns nothing for them and costs (``Signal.STACKED``);
- memory: blame, dismissal, rudeness, wrong policy, a false "it's sorted" and stacking cost trust, and
  trust scales every later gain from words; only progress (a resolving offer, a helpful step, the
  procedure) earns trust back, slowly;
- words alone cannot lift the customer more than ``WORDS_HEADROOM`` above where they started until the
  goal is met ("Okay, thanks." moves nobody; neither does a fifth apology).

A turn that moves nothing forward costs one patience and ``STALL_COST`` mood; blame, dismissal,
repetition, asking to repeat, rudeness, wrong policy and false claims cost one more. Then the escalation
triggers are checked. Everything is a pure function of its arguments: no randomness, so a replay
reproduces the mood trajectory exactly (the seed only varies the customer's wording, in ``voice``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from simulator.practice.scenario import Reaction, Scenario, Trigger
from simulator.practice.signals import ACTION_SIGNALS, PROMISE_TARGETS, SOFT_SKILLS, Reading, Signal, read_turn
from simulator.world.catalog import ACCOUNT_ACTIONS

__all__ = ["BASE_EFFECT", "PersonaState", "Step", "Violation", "advance", "resolving_actions", "start"]

BASE_EFFECT: dict[Signal, float] = {
    Signal.APOLOGY: 0.10, Signal.EMPATHY: 0.10, Signal.OWNERSHIP: 0.08, Signal.HISTORY: 0.06,
    Signal.BOUNDARY: 0.03, Signal.PATIENCE: 0.03, Signal.CORRECT_OFFER: 0.25, Signal.HELPFUL: 0.08,
    Signal.PROCEDURE: 0.03, Signal.ESCALATED: 0.06,
    Signal.BLAME: -0.20, Signal.DISMISSIVE: -0.15, Signal.REPETITION: -0.12, Signal.ASKS_REPEAT: -0.10,
    Signal.PRESSURE: -0.08, Signal.RUDE: -0.35, Signal.WRONG_POLICY: -0.20,
    Signal.EXPLANATION: 0.05, Signal.PROMISE: 0.05, Signal.QUESTION: 0.0, Signal.STACKED: -0.10,
    Signal.FALSE_CLAIM: -0.18,
}
"""Mood change per signal before persona scaling."""

WORDS = SOFT_SKILLS | {Signal.EXPLANATION, Signal.PROMISE}
"""Signals earned by words alone: they wear out, are capped per turn and scaled by trust."""
WORDS_TURN_CAP = 0.15
"""The most one turn's words can raise the mood, before persona scaling."""
WORDS_HEADROOM = 0.25
"""Until the goal is met, words cannot lift the mood more than this above where the customer started."""
TRUST_START = 0.7
TRUST_COST: dict[Signal, float] = {Signal.BLAME: 0.2, Signal.DISMISSIVE: 0.15, Signal.RUDE: 0.3,
                                   Signal.WRONG_POLICY: 0.2, Signal.FALSE_CLAIM: 0.25, Signal.STACKED: 0.1,
                                   Signal.REPETITION: 0.05}
TRUST_GAIN: dict[Signal, float] = {Signal.CORRECT_OFFER: 0.1, Signal.HELPFUL: 0.05, Signal.PROCEDURE: 0.03,
                                   Signal.ESCALATED: 0.05}
HOLLOW = -0.03
"""What the fourth and later use of the same soft skill costs: it sounds scripted."""
STALL_COST = 0.02
PROGRESS = frozenset({Signal.CORRECT_OFFER, Signal.HELPFUL, Signal.PROCEDURE, Signal.ESCALATED})
COSTLY = frozenset({Signal.BLAME, Signal.DISMISSIVE, Signal.REPETITION, Signal.ASKS_REPEAT, Signal.RUDE,
                    Signal.WRONG_POLICY, Signal.FALSE_CLAIM, Signal.STACKED})
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
    trust: float = TRUST_START
    """0..1: how far the customer believes the trainee; scales what words earn."""
    promised: tuple[str, ...] = ()
    """Commitments made (``PROMISE_TARGETS`` names) that no action has kept yet."""
    actions: tuple[str, ...] = ()


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
    reading: Reading | None = None
    """What the utterance did, clause by clause (None for an action)."""

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
    if signal in WORDS:
        used = state.uses.get(signal, 0)
        base = base * 0.5 ** used if used < 3 else (HOLLOW if signal in SOFT_SKILLS else 0.0)
        if base > 0:
            base *= min(1.0, 0.3 + state.trust)
    scale = persona.receptiveness if base > 0 else persona.reactivity
    return base * scale * persona.sensitivity.get(signal, 1.0)


def _effects(scenario: Scenario, state: PersonaState, signals: set[Signal],
             goal_met: bool) -> tuple[tuple[Signal, float], ...]:
    """Each signal's mood effect, with the per-turn cap, stacking and the headroom applied to words."""
    raw = {s: _effect(scenario, state, s) for s in sorted(signals)}
    words = {s: e for s, e in raw.items() if s in WORDS and e > 0}
    if words:
        sensitivity = max(scenario.persona.sensitivity.get(s, 1.0) for s in words)
        cap = WORDS_TURN_CAP * scenario.persona.receptiveness * sensitivity
        if Signal.STACKED in signals:
            cap = 0.0
        if not goal_met:
            cap = min(cap, max(0.0, scenario.persona.start_mood + WORDS_HEADROOM - state.mood))
        total = sum(words.values())
        if total > cap:
            raw.update({s: e * cap / total for s, e in words.items()})
    return tuple((s, round(e, 4)) for s, e in raw.items())


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
    goal_met = state.goal_met or flags.get("goal_met", False)
    reading = read_turn(text, state.said) if text else None
    promised = list(state.promised)
    if reading is not None:
        signals |= reading.signals
        if reading.claims_resolved and not goal_met:
            signals.add(Signal.FALSE_CLAIM)
        done = set(state.actions) | ({action} if action and not violations else set())
        promised += sorted(p for p in reading.promises if p not in promised and not done & PROMISE_TARGETS[p][1])
    if action and not violations:
        promised = [p for p in promised if action not in PROMISE_TARGETS[p][1]]
    if Signal.RUDE in signals:
        violations.append(Violation("conduct", "insulting language towards the customer"))
    effects = _effects(scenario, state, signals, goal_met)
    progress = bool(signals & PROGRESS) or state.goal_met
    patience_cost = 0 if progress else 1 + int(bool(signals & COSTLY))
    delta = sum(e for _, e in effects) - (0.0 if progress else STALL_COST)
    trust = state.trust - sum(TRUST_COST.get(s, 0.0) for s in signals) + sum(TRUST_GAIN.get(s, 0.0)
                                                                              for s in signals)
    uses = dict(state.uses)
    for s in signals & WORDS:
        uses[s] = uses.get(s, 0) + 1
    after = replace(
        state, mood=round(max(-1.0, min(1.0, state.mood + delta)), 4), patience=state.patience - patience_cost,
        turn=state.turn + 1, goal_met=goal_met,
        verified=state.verified or flags.get("verified", False),
        verify_attempted=state.verify_attempted or flags.get("verify_attempted", False),
        escalated=state.escalated or flags.get("escalated", False), uses=uses,
        said=state.said + ((text,) if text else ()), violations=state.violations + tuple(violations),
        asked_to_repeat=state.asked_to_repeat + int(Signal.ASKS_REPEAT in signals),
        trust=round(max(0.0, min(1.0, trust)), 4), promised=tuple(promised),
        actions=state.actions + ((action,) if action else ()))
    indexes, fired = _fire(scenario, after)
    if indexes:
        after = replace(after, fired=after.fired + indexes, ended=any(t.reaction == "hang_up" for t in fired))
    verification: Literal["pass", "fail"] | None = None
    if action == "verify_identity":
        verification = "pass" if scenario.policy.verification_passes else "fail"
    return Step(before=state, after=after, signals=frozenset(signals), effects=effects,
                delta=round(after.mood - state.mood, 4), fired=fired,
                violations=tuple(violations), goal_reached=after.goal_met and not state.goal_met,
                verification=verification, reading=reading)


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
