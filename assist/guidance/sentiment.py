"""A small lexicon sentiment score for customer utterances, in [-1, 1].

Good enough to catch anger and relief in the rules; the models package learns from richer features.
"""

from __future__ import annotations

import re

NEGATIVE = frozenset("""angry furious ridiculous unacceptable terrible awful useless disgusting worst hate
annoyed frustrated fed up joke rubbish pathetic outrageous disappointed complaint complain appalling
again still waiting never""".split())
POSITIVE = frozenset("""thanks thank great perfect brilliant excellent sorted fixed works working helpful
appreciate lovely happy resolved good""".split())
INTENSIFIERS = frozenset({"very", "so", "really", "absolutely", "completely", "totally"})
_WORD = re.compile(r"[a-z']+")


def sentiment(text: str) -> float:
    """Positive minus negative hits over the hits, damped for short texts; 0 when nothing matches."""
    words = _WORD.findall(text.lower())
    score = 0.0
    for i, word in enumerate(words):
        boost = 1.5 if i and words[i - 1] in INTENSIFIERS else 1.0
        if word in NEGATIVE:
            score -= boost
        elif word in POSITIVE:
            score += boost
    if "!" in text and score < 0:
        score -= 0.5
    return max(-1.0, min(1.0, score / 3.0))
