"""Sentiment of a customer's words, in [-1, 1]: VADER's compound score with a few contact-center words added.

VADER (Hutto and Gilbert, 2014) handles negation ("not good" is negative), intensifiers ("very"), contrast
("but"), capitals and exclamation marks, which a word list does not. This is the one sentiment function of the
project: the rules' frustration check, the model's ``sentiment`` column for a live contact and the panel's trend
all call it, so what the service scores is what the rules and the panel show.
"""

from __future__ import annotations

from functools import cache, lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["DOMAIN_WORDS", "sentiment"]

DOMAIN_WORDS: dict[str, float] = {
    "rubbish": -2.0, "shambles": -2.2, "nightmare": -2.3, "overcharged": -1.8, "joke": -1.2, "ripped": -1.5,
    "fixed": 0.0, "promised": 0.0, "number": 0.0,
    "yes": 0.0, "ok": 0.0, "okay": 0.0, "please": 0.0, "help": 0.0, "sure": 0.0, "well": 0.0,
}
"""Valences (VADER's -4..4 scale) for words callers use that the social-media lexicon misses or reads the
other way: "this is a joke" is a complaint, "I was promised" is not praise, an account "number" is no
compliment. "Fixed" carries nothing: "I want it fixed today" and "nobody fixed it" are complaints as often as
"that fixed it" is relief (VADER's +1.2 made an angry opening with "I want it fixed today" read as calm, so
the rules missed a third of angry billing callers); "sorted" is left as VADER has it (neutral) for the same
reason. The words that carry a conversation ("yes", "ok", "please", "help", "sure", "well") are answers
and requests on a support line, not praise: VADER scores them +0.9 to +1.7, and "Hello, yes, why am I still
paying twice? I'm furious." read as mild (-0.25) instead of upset (-0.57)."""


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()  # reads its lexicon file (~25 ms): on first use, not at import
    analyzer.lexicon.update(DOMAIN_WORDS)
    return analyzer


@lru_cache(maxsize=4096)
def sentiment(text: str) -> float:
    """The compound score of ``text`` in [-1, 1]; 0.0 for text with no sentiment-bearing word (or none).

    Kept for the latest few thousand lines: a customer's new line is scored for the transcript's mood and
    again among the temperament reader's cues (``models.language.temperament.cues``), and VADER is a few
    percent of an event's CPU."""
    if not text or not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])
