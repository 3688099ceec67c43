"""Sentiment of a customer's words, in [-1, 1]: VADER's compound score with a few contact-center words added.

VADER (Hutto and Gilbert, 2014) handles negation ("not good" is negative), intensifiers ("very"), contrast
("but"), capitals and exclamation marks, which a word list does not. This is the one sentiment function of the
project: the rules' frustration check, the model's ``sentiment`` column for a live contact and the panel's trend
all call it, so what the service scores is what the rules and the panel show.
"""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["DOMAIN_WORDS", "sentiment"]

DOMAIN_WORDS: dict[str, float] = {
    "rubbish": -2.0, "shambles": -2.2, "nightmare": -2.3, "overcharged": -1.8, "joke": -1.2, "ripped": -1.5,
    "fixed": 1.2, "promised": 0.0, "number": 0.0,
}
"""Valences (VADER's -4..4 scale) for words callers use that the social-media lexicon misses or reads the
other way: "this is a joke" is a complaint, "I was promised" is not praise, an account "number" is no
compliment, "that fixed it" is relief. "Sorted" stays out: "I was promised this was sorted" is a complaint
as often as "all sorted" is thanks."""


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()  # reads its lexicon file (~25 ms): on first use, not at import
    analyzer.lexicon.update(DOMAIN_WORDS)
    return analyzer


def sentiment(text: str) -> float:
    """The compound score of ``text`` in [-1, 1]; 0.0 for text with no sentiment-bearing word (or none)."""
    if not text or not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])
