"""What a trainee's turn signals to the customer: apology, empathy, ownership, a promise, blame, repetition...

The dialogue acts (acknowledgement, apology, ownership, explanation, question, promise, blame, dismissal)
come from the trained clause classifier in ``acts``, so a paraphrase counts and a keyword does not. A few
narrow signals that name a specific phrase stay regular expressions (acknowledging the history, setting a
boundary, giving time, asking the customer to repeat, sales pressure, insults), because they are literal
and explainable ("you said 'while I have you'"). ``read_turn`` also finds what the turn commits to (a
promise of a refund, a call back, a supervisor...) and whether it claims the problem is already solved,
which the persona and the debrief hold the trainee to. Everything is a pure function of the text and the
earlier utterances, which replay needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from simulator.practice.acts import Act, ClauseAct, classify_clauses

__all__ = ["ACTION_SIGNALS", "ACT_SIGNALS", "PATTERNS", "PROMISE_TARGETS", "SOFT_SKILLS", "STACKED_CLAUSES",
           "Reading", "Signal", "classify_utterance", "is_repetition", "read_turn"]


class Signal(StrEnum):
    """One thing the customer hears in a turn; the persona decides how much it moves their mood."""

    APOLOGY = "apology"
    EMPATHY = "empathy"
    OWNERSHIP = "ownership"
    HISTORY = "acknowledges_history"
    BOUNDARY = "sets_boundary"
    PATIENCE = "gives_time"
    BLAME = "blame"
    DISMISSIVE = "dismissive"
    REPETITION = "repetition"
    ASKS_REPEAT = "asks_to_repeat"
    PRESSURE = "sales_pressure"
    RUDE = "rude"
    CORRECT_OFFER = "policy_correct_offer"
    HELPFUL = "helpful_step"
    PROCEDURE = "procedure_followed"
    WRONG_POLICY = "wrong_policy"
    ESCALATED = "escalated"
    EXPLANATION = "explanation"
    PROMISE = "promise"
    QUESTION = "question"
    STACKED = "stacked_phrases"
    FALSE_CLAIM = "false_resolution_claim"


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


PATTERNS: dict[Signal, re.Pattern[str]] = {
    Signal.HISTORY: _words(r"i can see (?:your|the|that|from)", r"from your (?:chat|last|previous|earlier)",
                           r"you(?:'ve| have) already", r"no need to repeat", r"i have the (?:notes|history|chat)",
                           r"(?:your|the) (?:chat|notes) (?:say|show)", r"i(?:'ve| have) read (?:the|your)"),
    Signal.BOUNDARY: _words(r"keep (?:this|it|things) respectful", r"i(?:'m| am) here to help,? but",
                            r"won't (?:accept|tolerate)", r"(?:that|the) language", r"if the abuse",
                            r"please don't (?:swear|shout)"),
    Signal.PATIENCE: _words(r"take your time", r"no rush", r"no pressure", r"whenever you(?:'re| are) ready",
                            r"one step at a time", r"there's no hurry"),
    Signal.ASKS_REPEAT: _words(r"can you (?:explain|tell me|go over|repeat|describe) (?:again|what|the|it|"
                               r"everything|from)", r"from the (?:beginning|start)", r"what seems to be",
                               r"what(?:'s| is) the (?:problem|issue)", r"explain (?:again|the problem)",
                               r"how can i help(?: you)? today"),
    Signal.PRESSURE: _words(r"upgrade", r"special offer", r"while i have you", r"premium (?:plan|package)",
                            r"add-?on", r"(?:a |great )deal for you", r"limited time"),
    Signal.RUDE: _words(r"idiot", r"stupid", r"shut up", r"not listening to you", r"ridiculous customer",
                        r"get lost"),
}
"""The regular expression behind each literal signal (documented in docs/practice.md)."""

ACT_SIGNALS: dict[Act, Signal] = {
    Act.ACKNOWLEDGEMENT: Signal.EMPATHY, Act.APOLOGY: Signal.APOLOGY, Act.OWNERSHIP: Signal.OWNERSHIP,
    Act.EXPLANATION: Signal.EXPLANATION, Act.QUESTION: Signal.QUESTION, Act.PROMISE: Signal.PROMISE,
    Act.BLAME: Signal.BLAME, Act.DISMISSAL: Signal.DISMISSIVE}
"""The signal each classified act carries (``other`` carries none)."""

SOFT_SKILLS = frozenset({Signal.APOLOGY, Signal.EMPATHY, Signal.OWNERSHIP, Signal.HISTORY, Signal.BOUNDARY,
                         Signal.PATIENCE})
STACKED_CLAUSES = 4
"""A turn with this many soft-skill clauses, or this many different soft skills, reads as phrases strung
together, not as a reply."""

PROMISE_TARGETS: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {
    "a refund": (_words(r"refund", r"money back", r"reimburs", r"revers", r"back (?:on|to) your"),
                 frozenset({"offer_refund_small", "offer_refund_large"})),
    "a call back": (_words(r"call you", r"ring you", r"phone you", r"callback", r"call back", r"engineer",
                           r"specialist"),
                    frozenset({"schedule_callback", "transfer_specialist", "escalate_supervisor"})),
    "a supervisor": (_words(r"supervisor", r"manager", r"team leader", r"someone senior"),
                     frozenset({"escalate_supervisor", "schedule_callback"})),
    "a better price": (_words(r"discount", r"(?:fair|better|lower|old) price", r"price match", r"cheaper"),
                       frozenset({"offer_retention_discount", "offer_plan_change"})),
    "the written steps": (_words(r"(?:send|email|text) you the (?:steps|link|form|article|guide)",
                                 r"have the steps"),
                          frozenset({"send_knowledge_article"})),
}
"""What a promise can commit to, and the actions that keep it."""

_COMMITS = _words(r"i'll", r"i will", r"we'll", r"we will", r"you'll", r"will be", r"will (?:go|come|call|ring)",
                  r"i(?:'m| am) going to", r"let me")
_CONDITIONAL = re.compile(r"^\s*(?:once|if|when|after|as soon as)\b", re.IGNORECASE)
_CLAIMS = _words(r"(?:it's|it is|that's|that is|everything's|everything is|you're|you are|you're all|it has been|"
                 r"that has been|issue is|problem is|all)\s+(?:now\s+)?(?:all\s+)?(?:sorted|resolved|fixed|done|"
                 r"taken care of)\b", r"(?:i've|i have|we've|we have) (?:sorted|resolved|fixed) (?:it|this|that|"
                 r"everything)")


@dataclass(frozen=True, slots=True)
class Reading:
    """What one utterance does: its clauses with their acts, its signals, what it commits to and claims."""

    clauses: tuple[ClauseAct, ...]
    signals: frozenset[Signal]
    soft_clauses: int
    """Clauses that carry a soft skill (apology, acknowledgement, ownership, or a literal soft phrase)."""
    promises: frozenset[str]
    """Names of ``PROMISE_TARGETS`` the turn commits to."""
    claims_resolved: bool

ACTION_SIGNALS: dict[str, Signal] = {"apologise_acknowledge": Signal.APOLOGY}
"""Catalog actions that also carry a soft skill: clicking "acknowledge and apologise" is an apology."""

_TOKEN = re.compile(r"[a-z']+")
REPETITION_SIMILARITY = 0.75
"""Word-set Jaccard similarity from which an utterance counts as saying the same thing again."""


def _tokens(text: str) -> frozenset[str]:
    return frozenset(_TOKEN.findall(text.lower()))


def is_repetition(text: str, earlier: Sequence[str]) -> bool:
    """True when ``text`` (four words or more) says what one of ``earlier`` already said."""
    words = _tokens(text)
    if len(words) < 4:
        return False
    for before in earlier:
        other = _tokens(before)
        if other and len(words & other) / len(words | other) >= REPETITION_SIMILARITY:
            return True
    return False


def _promises(clause: ClauseAct) -> set[str]:
    if clause.act not in (Act.PROMISE, Act.OWNERSHIP) or _CONDITIONAL.search(clause.text):
        return set()
    if not _COMMITS.search(clause.text):
        return set()
    return {name for name, (pattern, _) in PROMISE_TARGETS.items() if pattern.search(clause.text)}


def read_turn(text: str, earlier: Sequence[str] = ()) -> Reading:
    """Everything ``text`` does, given the trainee's ``earlier`` utterances (oldest first)."""
    clauses = classify_clauses(text)
    signals = {ACT_SIGNALS[c.act] for c in clauses if c.act in ACT_SIGNALS}
    signals |= {signal for signal, pattern in PATTERNS.items() if pattern.search(text)}
    soft = sum(1 for c in clauses if ACT_SIGNALS.get(c.act) in SOFT_SKILLS or
               any(PATTERNS[s].search(c.text) for s in (Signal.HISTORY, Signal.BOUNDARY, Signal.PATIENCE)))
    if soft >= STACKED_CLAUSES or len(signals & SOFT_SKILLS) >= STACKED_CLAUSES:
        signals.add(Signal.STACKED)
    if is_repetition(text, earlier):
        signals.add(Signal.REPETITION)
    promises = set().union(*(_promises(c) for c in clauses)) if clauses else set()
    return Reading(clauses=clauses, signals=frozenset(signals), soft_clauses=soft, promises=frozenset(promises),
                   claims_resolved=any(_CLAIMS.search(c.text) and not _CONDITIONAL.search(c.text) for c in clauses))


def classify_utterance(text: str, earlier: Sequence[str] = ()) -> frozenset[Signal]:
    """The signals in one trainee utterance; ``earlier`` are their previous utterances, oldest first."""
    return read_turn(text, earlier).signals
