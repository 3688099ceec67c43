"""The communication criterion: did the trainee's words do what a customer needs, and did they hold true?

Doing the right actions in silence leaves the customer guessing; strings of empathy phrases with nothing
behind them are worse. So this scores what the words *did*, from the classified acts of every trainee
utterance, each need counted once however often it is met (repeating earns nothing):

- acknowledged: an apology or an acknowledgement of the customer's situation (``NEEDS`` weights);
- informed: an explanation of what happened or what happens next, or showing the history is known;
- committed: ownership or a concrete promise;
- checked: a question to the customer (a check that the plan suits them, or anything else they need).

and takes off for words that contradict what happened: a promise no action kept (promising a refund,
then not doing it), claiming the problem is solved while the customer's goal is not met (in words, or
closing the contact as resolved), stacked phrases, the same soft skill turn after turn, blame and dismissal.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.practice.conversation import ConversationRecord
from simulator.practice.signals import SOFT_SKILLS, Signal

__all__ = ["NEEDS", "PENALTIES", "Communication", "communication"]

NEEDS: dict[str, tuple[float, frozenset[Signal]]] = {
    "acknowledged": (0.30, frozenset({Signal.APOLOGY, Signal.EMPATHY})),
    "informed": (0.25, frozenset({Signal.EXPLANATION, Signal.HISTORY})),
    "committed": (0.30, frozenset({Signal.OWNERSHIP, Signal.PROMISE})),
    "checked": (0.15, frozenset({Signal.QUESTION})),
}
"""What the customer needs to hear, its weight, and the signals that meet it."""

PENALTIES: dict[str, float] = {"broken_promise": 0.30, "false_claim": 0.30, "stacked": 0.25, "blame": 0.15,
                               "dismissal": 0.15, "overused": 0.10}
OVERUSE_FROM = 3
"""The third turn with the same soft skill (an apology, an acknowledgement, ownership...) and every one after
reads as a formula, not as meaning it: each costs ``PENALTIES["overused"]``."""


@dataclass(frozen=True, slots=True)
class Communication:
    score: float
    note: str
    met: tuple[str, ...]
    broken_promises: tuple[str, ...]
    """Commitments (``PROMISE_TARGETS`` names) that no action kept by the end."""
    false_claims: int
    """Utterances claiming it was sorted before it was, plus a close recorded as resolved when it was not."""
    false_resolution: bool
    """The contact was closed as resolved while the customer's goal was not met."""


def communication(record: ConversationRecord) -> Communication:
    """Score the trainee's words in ``record`` (0..1) and name what held and what did not."""
    said = [t.step for t in record.turns if t.step.reading is not None]
    heard = set().union(*(step.signals for step in said)) if said else set()
    met = tuple(name for name, (_, signals) in NEEDS.items() if heard & signals)
    score = sum(NEEDS[name][0] for name in met)
    state = record.turns[-1].step.after if record.turns else None
    broken = state.promised if state is not None else ()
    false_resolution = bool(record.close and record.close.outcome == "resolved"
                            and not (state is not None and state.goal_met))
    false_claims = sum(Signal.FALSE_CLAIM in step.signals for step in said) + int(false_resolution)
    counts = {"broken_promise": len(broken), "false_claim": false_claims,
              "stacked": sum(Signal.STACKED in step.signals for step in said),
              "blame": sum(Signal.BLAME in step.signals for step in said),
              "dismissal": sum(Signal.DISMISSIVE in step.signals for step in said),
              "overused": sum(max(0, sum(skill in step.signals for step in said) - OVERUSE_FROM + 1)
                              for skill in SOFT_SKILLS)}
    score -= sum(PENALTIES[name] * n for name, n in counts.items())
    missing = [name for name in NEEDS if name not in met]
    parts = [f"met: {', '.join(met)}" if met else "the customer heard nothing that helped"]
    if missing and met:
        parts.append(f"missing: {', '.join(missing)}")
    if broken:
        parts.append(f"promised but not done: {', '.join(broken)}")
    if false_claims:
        parts.append(f"claimed resolved when it was not ({false_claims}x)")
    parts += [f"{name.replace('_', ' ')} {n}x" for name, n in counts.items()
              if n and name in ("stacked", "blame", "dismissal", "overused")]
    return Communication(score=round(max(0.0, min(1.0, score)), 4), note="; ".join(parts), met=met,
                         broken_promises=tuple(broken), false_claims=false_claims,
                         false_resolution=false_resolution)
