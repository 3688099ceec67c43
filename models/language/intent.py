"""Why the customer got in touch, from their words: a calibrated text classifier over contact reasons.

Routed contacts arrive as ``general`` (the queue does not say why); the first things a customer says usually
do. The classifier (``models.language.classifier``: TF-IDF over words and characters, a linear SVM, sigmoid
calibration) gives calibrated probabilities, so that "confidence 0.8" means about 8 in 10 such calls are right:
the service only adopts a reason above a threshold.
It learns from labelled utterances (``text,intent`` CSV): the built-in ``intents.csv`` written for the
product's reasons, plus whatever a center imports (``assist models import-intents``). ``general`` is a class
too (greetings, identity details, small talk): those lines must not name a reason.

Training takes 0.2 s on an idle host and seconds on a loaded one, so it happens on first use
(``IntentDetector``; the app starts that in a background thread), never at import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.language.classifier import Labelled, TextClassifier, TrainedOnce, read_labelled
from models.language.classifier import cross_validated as _cross_validated

__all__ = ["BUILT_IN", "GENERAL", "HELD_OUT", "Intent", "IntentClassifier", "IntentDetector", "Labelled",
           "cross_validated", "read_utterances"]

HERE = Path(__file__).resolve().parent
BUILT_IN = HERE / "intents.csv"
"""Utterances written for the product's contact reasons (models/catalog: the world's ``REASONS``) and ``general``."""
HELD_OUT = HERE / "intents_heldout.csv"
"""Paraphrases written apart from ``BUILT_IN`` (and from the simulator's lines), only to measure accuracy."""
GENERAL = "general"
"""The label for words that name no reason, and the reason of a contact that arrived without one."""


@dataclass(frozen=True)
class Intent:
    reason: str
    confidence: float


def read_utterances(path: Path | str) -> Labelled:
    """The ``text,intent`` rows of the CSV at ``path`` (``models.language.classifier.read_labelled``: raises
    ValueError naming the first bad line). One intent is enough: a center's file adds to the built-in lines."""
    return read_labelled(path, "intent", "billing_dispute")


class IntentClassifier(TextClassifier):
    """The shared text classifier over contact reasons; ``predict`` names one reason with its confidence."""

    NOUN = "intent"

    def predict(self, text: str) -> Intent:
        reason, confidence = self.best(text)
        return Intent(reason, confidence)


_CACHE = TrainedOnce()
_TRAINED = _CACHE.trained
"""Trained classifiers by source files and their versions (empty until first use: nothing trains at import)."""


def cross_validated(extra: Labelled, base: Labelled, folds: int = 5) -> float:
    """Accuracy on each of ``folds`` stratified parts of ``extra`` of a classifier trained on ``base`` and
    the other parts: how well a center's own lines are learned, measured on lines it did not train on."""
    return _cross_validated(extra, base, IntentClassifier.train, folds)


class IntentDetector:
    """The service's classifier, trained on first use from ``sources`` (CSV files, read in order).

    Thread-safe: concurrent first calls train once. ``threshold`` is the confidence above which a detected
    intent becomes the journey's reason. A source that does not exist is skipped (a center that imported
    nothing); a source that changes is trained on again at the next use (``assist models import-intents``
    takes effect without a restart); one that cannot be read raises ValueError at use.
    """

    def __init__(self, sources: Iterable[Path] = (BUILT_IN,), threshold: float = 0.7) -> None:
        self.sources = tuple(sources)
        self.threshold = threshold

    def classifier(self) -> IntentClassifier:
        files = tuple((str(s), s.stat().st_mtime_ns) for s in self.sources if s.exists())
        return _CACHE.get(files, read_utterances, IntentClassifier.train)

    def detect(self, said: Sequence[str]) -> Intent:
        """The intent of the customer's words so far (``said``, oldest first, read as one text)."""
        return self.classifier().predict(" ".join(s.strip() for s in said))
