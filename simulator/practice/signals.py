"""What a trainee's turn signals to the customer: apology, empathy, ownership, blame, repetition...

Classification is deliberately plain: case-insensitive regular expressions over the utterance, a word-set
comparison with the trainee's earlier utterances for repetition, and a few action ids that carry a soft
skill of their own (``apologise_acknowledge`` is an apology). It is explainable to a trainee ("you said
'you should have'") and deterministic, which replay needs. A richer classifier can replace
``classify_utterance`` as long as it stays a pure function of the text and the earlier utterances.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

__all__ = ["ACTION_SIGNALS", "PATTERNS", "Signal", "classify_utterance", "is_repetition"]


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


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


PATTERNS: dict[Signal, re.Pattern[str]] = {
    Signal.APOLOGY: _words(r"sorry\b", r"apologi[sz]e", r"apologies\b", r"my apologies"),
    Signal.EMPATHY: _words(r"i (?:completely |totally |really )?understand", r"frustrat", r"that must be",
                           r"must have been", r"i can (?:only )?imagine", r"i hear you", r"that sounds",
                           r"i'd feel", r"i would feel", r"i can see why", r"that's not (?:okay|ok|right)\b",
                           r"upsetting", r"stressful"),
    Signal.OWNERSHIP: _words(r"i(?:'ll| will) (?:take care|sort|fix|make sure|personally|look into|handle|own|"
                             r"get this|put this right|arrange|book|raise)",
                             r"let me (?:take care|sort|fix|make sure|put this right|arrange|book)",
                             r"leave it with me", r"i(?:'m| am) going to (?:sort|fix|make sure|take care)",
                             r"i can do that", r"i've (?:arranged|booked|raised|logged)"),
    Signal.HISTORY: _words(r"i can see (?:your|the|that|from)", r"from your (?:chat|last|previous|earlier)",
                           r"you(?:'ve| have) already", r"no need to repeat", r"i have the (?:notes|history|chat)",
                           r"(?:your|the) (?:chat|notes) (?:say|show)"),
    Signal.BOUNDARY: _words(r"keep (?:this|it|things) respectful", r"i(?:'m| am) here to help,? but",
                            r"won't (?:accept|tolerate)", r"(?:that|the) language", r"if the abuse",
                            r"please don't (?:swear|shout)"),
    Signal.PATIENCE: _words(r"take your time", r"no rush", r"no pressure", r"whenever you(?:'re| are) ready",
                            r"one step at a time", r"there's no hurry"),
    Signal.BLAME: _words(r"your fault", r"you should have", r"you shouldn't have", r"you didn't",
                         r"you failed", r"you must have", r"not our (?:fault|problem)", r"that's on you",
                         r"you need to read", r"it's your (?:own )?(?:fault|problem|responsibility)",
                         r"user error"),
    Signal.DISMISSIVE: _words(r"calm down", r"nothing (?:i|we) can do", r"not my (?:problem|job|department)",
                              r"policy is policy", r"deal with it", r"whatever\b", r"there's no point",
                              r"can't help you", r"that's just how it is", r"rules are rules"),
    Signal.ASKS_REPEAT: _words(r"can you (?:explain|tell me|go over|repeat|describe) (?:again|what|the|it|"
                               r"everything|from)", r"from the (?:beginning|start)", r"what seems to be",
                               r"what(?:'s| is) the (?:problem|issue)", r"explain (?:again|the problem)",
                               r"how can i help(?: you)? today"),
    Signal.PRESSURE: _words(r"upgrade", r"special offer", r"while i have you", r"premium (?:plan|package)",
                            r"add-?on", r"(?:a |great )deal for you", r"limited time"),
    Signal.RUDE: _words(r"idiot", r"stupid", r"shut up", r"not listening to you", r"ridiculous customer",
                        r"get lost"),
}
"""The regular expression behind each text signal (documented in docs/practice.md)."""

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


def classify_utterance(text: str, earlier: Sequence[str] = ()) -> frozenset[Signal]:
    """The text signals in one trainee utterance; ``earlier`` are their previous utterances, oldest first."""
    found = {signal for signal, pattern in PATTERNS.items() if pattern.search(text)}
    if is_repetition(text, earlier):
        found.add(Signal.REPETITION)
    return frozenset(found)
