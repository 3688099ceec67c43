"""The debrief: a 0-100 score from a six-part rubric, and the turning points of the conversation.

Each criterion scores 0..1 and is weighted (``WEIGHTS``, summing to 1; a trainer may pass their own). The
rules are simple on purpose, so a trainer can explain every point to a trainee; docs/practice.md states
them in full. What the trainee's words did is scored in ``communication``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from simulator.practice.communication import communication
from simulator.practice.conversation import ConversationRecord, TurnRecord
from simulator.practice.signals import Signal

__all__ = ["WEIGHTS", "Criterion", "Debrief", "SaidAct", "TurningPoint", "check_weights", "debrief"]

WEIGHTS: dict[str, float] = {"resolution": 0.25, "de_escalation": 0.15, "communication": 0.20,
                             "policy_compliance": 0.15, "guidance_use": 0.10, "handle_time": 0.05,
                             "customer_effort": 0.10}
TURNING_DELTA = 0.12
"""A trainee turn that moves the mood at least this much is a turning point."""
MAX_TURNING_POINTS = 6


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    weight: float
    score: float
    """0..1."""
    points: float
    """``100 * weight * score``: this criterion's share of the total."""
    note: str


@dataclass(frozen=True, slots=True)
class TurningPoint:
    turn: int
    at: float
    kind: str
    """mood_up, mood_down, violation, trigger or goal."""
    said: str
    mood_before: float
    mood_after: float
    why: str


@dataclass(frozen=True, slots=True)
class SaidAct:
    """One clause the trainee said and the act it was heard as."""

    turn: int
    text: str
    act: str


@dataclass(frozen=True, slots=True)
class Debrief:
    scenario: str
    seed: int
    score: float
    rubric: tuple[Criterion, ...]
    turning_points: tuple[TurningPoint, ...]
    outcome: str
    """What happened for the customer: resolved, escalated, abandoned (hung up) or unresolved."""
    claimed_outcome: str | None
    """What the trainee recorded when closing, if they closed."""
    goal_met: bool
    mood_start: float
    mood_end: float
    moods: tuple[float, ...]
    handle_seconds: float
    violations: tuple[str, ...]
    said: tuple[SaidAct, ...] = ()
    """Every clause of the trainee's utterances with its act, in order."""
    broken_promises: tuple[str, ...] = ()
    false_claims: int = 0
    false_resolution: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _clamp(value: float) -> float:
    return round(max(0.0, min(1.0, value)), 4)


def _outcome(record: ConversationRecord) -> str:
    state = record.turns[-1].step.after if record.turns else None
    if state is None:
        return "unresolved"
    if state.goal_met:
        return "resolved"
    if state.ended:
        return "abandoned"
    return "escalated" if state.escalated else "unresolved"


def _resolution(record: ConversationRecord, outcome: str) -> tuple[float, str]:
    claimed = record.close.outcome if record.close else None
    if outcome == "resolved":
        return 1.0, "the customer's goal was met"
    if outcome == "abandoned":
        return 0.0, "the customer hung up"
    if claimed == "resolved":
        return 0.0, "closed as resolved, but the customer's goal was not met"
    demanded = any(t.reaction == "demand_supervisor" for turn in record.turns for t in turn.step.fired)
    if outcome == "escalated" and demanded:
        return 0.5, "escalated when the customer asked for a supervisor"
    return 0.2, "not resolved"


def _de_escalation(record: ConversationRecord) -> tuple[float, str]:
    moods = record.moods
    start, end = moods[0], moods[-1]
    fired = [t.reaction for turn in record.turns for t in turn.step.fired]
    score = 0.5 * (end + 1) / 2 + 0.5 * _clamp(0.5 + (end - start)) - 0.15 * len(fired)
    note = f"mood {start:+.2f} -> {end:+.2f}" + (f"; triggers fired: {', '.join(fired)}" if fired else "")
    return _clamp(score), note


def _policy(record: ConversationRecord) -> tuple[float, str, tuple[str, ...]]:
    violations = tuple(v.text for turn in record.turns for v in turn.step.violations)
    note = "no violations" if not violations else f"{len(violations)} violation(s): " + "; ".join(violations)
    return _clamp(1 - 0.35 * len(violations)), note, violations


def _followed(record: ConversationRecord, action: str, after_turns: int) -> bool:
    later = record.turns[after_turns:]
    if any(t.event.action == action for t in later):
        return True
    if action == "apologise_acknowledge":
        return any(Signal.APOLOGY in t.step.signals for t in later)
    return action == "close_with_survey" and record.close is not None


def _guidance(record: ConversationRecord) -> tuple[float, str]:
    first: dict[str, int] = {}
    for shown in record.prompts:
        first.setdefault(shown.action, shown.after_turns)
    if not first:
        return 1.0, "no prompts were shown"
    forbidden = record.scenario.policy.forbidden
    values = []
    for action, after in first.items():
        verdict = record.feedback.get(action)
        used = _followed(record, action, after) or verdict == "accepted"
        if action in forbidden:
            values.append(1.0 if verdict == "dismissed" else 0.0 if used else 0.5)
        else:
            values.append(1.0 if used else 0.5 if verdict == "dismissed" else 0.0)
    used_count = sum(v == 1.0 for v in values)
    return _clamp(sum(values) / len(values)), f"{used_count} of {len(values)} prompts used well"


def _handle_time(record: ConversationRecord, outcome: str) -> tuple[float, str, float]:
    seconds = record.close.at if record.close else record.last_at
    if outcome == "abandoned":
        hung_up = next((t.event.at for t in record.turns if t.step.after.ended), seconds)
        return 0.0, f"the customer hung up at {hung_up:.0f} s", seconds
    target = record.scenario.target_seconds
    score = 1.0 if seconds <= target else 1 - (seconds - target) / (2 * target)
    return _clamp(score), f"{seconds:.0f} s against a {target:.0f} s target", seconds


def _effort(record: ConversationRecord) -> tuple[float, str]:
    customer = [line for line in record.lines if line.speaker == "customer"]
    until_goal = next((i + 1 for i, line in enumerate(customer) if line.moment == "goal_met"), None)
    turns = until_goal if until_goal is not None else len(customer) + 3
    state = record.turns[-1].step.after if record.turns else None
    repeats = state.asked_to_repeat if state else 0
    fired = sum(len(t.step.fired) for t in record.turns)
    effort = max(0, turns - record.scenario.min_customer_turns) + 2 * repeats + 2 * fired
    note = f"{turns} customer turns" + ("" if until_goal else " without reaching the goal")
    if repeats:
        note += f", asked to repeat {repeats}x"
    return _clamp(1 - effort / 10), note


def _why(turn: TurnRecord) -> str:
    step = turn.step
    parts = [f"{signal.value} {effect:+.2f}" for signal, effect in
             sorted(step.effects, key=lambda e: -abs(e[1]))[:3] if effect]
    parts += [f"violation: {v.text}" for v in step.violations]
    parts += [f"customer reacts: {t.reaction}" for t in step.fired]
    if step.goal_reached:
        parts.append("customer's goal met")
    return "; ".join(parts) or "no change"


def _turning_points(record: ConversationRecord) -> tuple[TurningPoint, ...]:
    found: list[tuple[int, TurningPoint]] = []
    for turn in record.turns:
        step = turn.step
        if step.fired:
            kind, rank = "trigger", 0
        elif step.goal_reached:
            kind, rank = "goal", 0
        elif step.violations:
            kind, rank = "violation", 1
        elif abs(step.delta) >= TURNING_DELTA:
            kind, rank = ("mood_up" if step.delta > 0 else "mood_down"), 2
        else:
            continue
        said = turn.event.text[:120] if turn.event.kind == "utterance" else f"[{turn.event.action}]"
        found.append((rank, TurningPoint(turn=turn.index, at=turn.event.at, kind=kind, said=said,
                                         mood_before=step.before.mood, mood_after=step.after.mood,
                                         why=_why(turn))))
    kept = sorted(found, key=lambda f: (f[0], -abs(f[1].mood_after - f[1].mood_before)))[:MAX_TURNING_POINTS]
    return tuple(sorted((tp for _, tp in kept), key=lambda tp: tp.turn))


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """``weights`` as a full rubric: every criterion named, none negative, summing to 1 (scaled to it).

    Raises ValueError naming an unknown or missing criterion, a negative weight or an all-zero rubric.
    """
    unknown = sorted(set(weights) - set(WEIGHTS))
    missing = sorted(set(WEIGHTS) - set(weights))
    if unknown or missing:
        raise ValueError(f"rubric weights: unknown {unknown}, missing {missing}; the criteria are "
                         f"{', '.join(WEIGHTS)}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("rubric weights must be non-negative and not all zero")
    total = sum(weights.values())
    return {name: weights[name] / total for name in WEIGHTS}


def debrief(record: ConversationRecord, weights: Mapping[str, float] | None = None) -> Debrief:
    """Score ``record`` against the rubric (``WEIGHTS``, or a trainer's ``weights``, see ``check_weights``)
    and pick its turning points."""
    chosen = check_weights(weights) if weights is not None else WEIGHTS
    outcome = _outcome(record)
    resolution, resolution_note = _resolution(record, outcome)
    de_escalation, de_escalation_note = _de_escalation(record)
    policy, policy_note, violations = _policy(record)
    guidance, guidance_note = _guidance(record)
    handle, handle_note, seconds = _handle_time(record, outcome)
    effort, effort_note = _effort(record)
    words = communication(record)
    scores = {"resolution": (resolution, resolution_note), "de_escalation": (de_escalation, de_escalation_note),
              "communication": (words.score, words.note),
              "policy_compliance": (policy, policy_note), "guidance_use": (guidance, guidance_note),
              "handle_time": (handle, handle_note), "customer_effort": (effort, effort_note)}
    rubric = tuple(Criterion(name=name, weight=round(chosen[name], 4), score=score,
                             points=round(100 * chosen[name] * score, 2), note=note)
                   for name, (score, note) in scores.items())
    said = tuple(SaidAct(turn=t.index, text=c.text, act=c.act.value) for t in record.turns
                 if t.step.reading is not None for c in t.step.reading.clauses)
    moods = record.moods
    return Debrief(scenario=record.scenario.name, seed=record.seed,
                   score=round(sum(c.points for c in rubric), 1), rubric=rubric,
                   turning_points=_turning_points(record), outcome=outcome,
                   claimed_outcome=record.close.outcome if record.close else None, goal_met=outcome == "resolved",
                   mood_start=moods[0], mood_end=moods[-1], moods=tuple(moods), handle_seconds=round(seconds, 3),
                   violations=violations, said=said, broken_promises=words.broken_promises,
                   false_claims=words.false_claims, false_resolution=words.false_resolution)
