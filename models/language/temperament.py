"""How the customer is, from their words: calm, anxious, angry or analytical (issue 19).

The world's outcomes depend on temperament (angry customers need the apology, analytical ones the article,
anxious ones the callback) but the live service knows it only when a CRM event sends it. Customers say it
anyway: angry ones complain ("third time", "ridiculous"), anxious ones worry ("what if", "I'm scared"),
analytical ones ask for exact figures and how things work, calm ones just ask. The classifier is the shared
calibrated text classifier (``models.language.classifier``, as intent detection) over ``temperaments.csv``,
with the customer's sentiment (``models.language.sentiment``) as one more input: it separates angry from calm
where the words alone are ambiguous (held-out accuracy 0.910 without it, 0.924 with it).

Served only when confident (``TemperamentDetector.threshold``, the ``ASSIST_TEMPERAMENT_THRESHOLD`` setting),
else unknown. Training as served cannot read words (history has none), so ``detection_matrix`` gives the
held-out confusion matrix at that threshold and ``models.context.served_history`` draws each row's detected
temperament from it: the model learns on detection with its measured errors, never on the truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from models.language.classifier import BELOW_THRESHOLD, Labelled, TextClassifier, TrainedOnce, read_labelled
from models.language.sentiment import sentiment

__all__ = ["BUILT_IN", "DEFAULT_THRESHOLD", "HELD_OUT", "PRIOR_COUNT", "TEMPERAMENTS", "UNKNOWN", "Temperament",
           "TemperamentClassifier", "TemperamentDetector", "detection_matrix", "detection_report", "draw_detected",
           "read_temperaments"]

HERE = Path(__file__).resolve().parent
BUILT_IN = HERE / "temperaments.csv"
"""Customer lines written for each temperament, across the contact reasons and the three channels' styles."""
HELD_OUT = HERE / "temperaments_heldout.csv"
"""Paraphrases written apart from ``BUILT_IN``, only to measure accuracy (and the confusion training draws from)."""
TEMPERAMENTS: tuple[str, ...] = ("calm", "anxious", "angry", "analytical")
"""The world's temperaments (``simulator.world.catalog.TEMPERAMENTS``; ``models`` does not import it)."""
UNKNOWN = BELOW_THRESHOLD
"""What the served context says when nothing was detected confidently (the model's unknown category)."""
DEFAULT_THRESHOLD = 0.6
"""Held out: 0.976 accuracy on the 85 % of lines that reach it (0.924 on all lines; 0.7: 0.983 on 79 %)."""


@dataclass(frozen=True)
class Temperament:
    temperament: str
    confidence: float
    turns: int
    """Customer turns read."""


def read_temperaments(path: Path | str) -> Labelled:
    """The ``text,temperament`` rows of the CSV at ``path`` (raises ValueError naming the first bad line)."""
    return read_labelled(path, "temperament", "calm")


class TemperamentClassifier(TextClassifier):
    """The shared text classifier over temperaments, the sentiment score an extra input."""

    NOUN = "temperament"

    @staticmethod
    def dense(text: str) -> list[float]:
        return [sentiment(text)]


_CACHE = TrainedOnce()


class TemperamentDetector:
    """The service's classifier, trained on first use from ``sources`` (thread-safe; nothing at import).

    ``detect`` reads the customer's turns so far together; the served context takes its temperament only at
    or above ``threshold``."""

    def __init__(self, sources: Iterable[Path] = (BUILT_IN,), threshold: float = DEFAULT_THRESHOLD) -> None:
        self.sources = tuple(sources)
        self.threshold = threshold

    def _files(self) -> tuple[tuple[str, int], ...]:
        return tuple((str(s), s.stat().st_mtime_ns) for s in self.sources if s.exists())

    def classifier(self) -> TemperamentClassifier:
        """The trained classifier (trains it now on first use: call it to warm up)."""
        return _CACHE.get(self._files(), read_temperaments, TemperamentClassifier.train)

    def detect(self, said: Sequence[str], wait: bool = True) -> Temperament | None:
        """The temperament of the customer's words so far (``said``, oldest first, read as one text); None
        when they said nothing yet (no words, no guess), or when ``wait`` is false and the classifier is still
        training (its training is then started in the background: the event path never waits for it)."""
        text = " ".join(s.strip() for s in said if s.strip())
        if not text:
            return None
        classifier = (self.classifier() if wait else
                      _CACHE.ready(self._files(), read_temperaments, TemperamentClassifier.train))
        if classifier is None:
            return None
        label, confidence = classifier.best(text)
        return Temperament(label, confidence, len(said))

    def confident(self, found: Temperament | None) -> str | None:
        """The temperament the served context takes: the detected one at or above ``threshold``, else None."""
        return found.temperament if found is not None and found.confidence >= self.threshold else None


PRIOR_COUNT = 0.5
"""Pseudo-lines added to every cell of the held-out confusion before it is read as probabilities: 30 lines per
temperament that showed no calm-read-as-angry do not prove it never happens (Jeffreys' prior; with 0.5 an
unseen confusion is drawn about 1.5 % of the time instead of never)."""


@cache
def detection_matrix(threshold: float = DEFAULT_THRESHOLD, prior: float = PRIOR_COUNT) -> dict[str, dict[str, float]]:
    """P(served temperament | true temperament) measured on the held-out paraphrases at ``threshold``:
    ``matrix[true][served]``, served being a temperament or ``UNKNOWN`` (below the threshold); rows sum to 1.
    Each cell's count gets ``prior`` pseudo-lines (``PRIOR_COUNT``).

    Trains the built-in classifier (seconds on a loaded host) once per process; computed once per threshold."""
    counts = TemperamentDetector().classifier().confusion(read_temperaments(HELD_OUT), threshold)
    matrix: dict[str, dict[str, float]] = {}
    for truth in TEMPERAMENTS:
        row = {served: counts.get(truth, {}).get(served, 0) + prior for served in (*TEMPERAMENTS, UNKNOWN)}
        total = sum(row.values())
        matrix[truth] = {served: (n / total if total else float(served == UNKNOWN)) for served, n in row.items()}
    return matrix


def draw_detected(true: Sequence[str] | np.ndarray, uniform: np.ndarray,
                  threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """A served temperament per true one, drawn from ``detection_matrix(threshold)`` with the given uniform
    numbers in [0, 1) (one per row: the caller decides what makes a draw repeatable). A true temperament that
    is unknown or unlisted stays unknown: there is nothing to detect."""
    matrix = detection_matrix(threshold)
    served = np.array([*TEMPERAMENTS, UNKNOWN], dtype=object)
    true = np.asarray(true, dtype=object)
    out = np.full(len(true), UNKNOWN, dtype=object)
    for truth, row in matrix.items():
        rows = np.flatnonzero(true == truth)
        if len(rows):
            edges = np.cumsum([row[s] for s in served])
            out[rows] = served[np.minimum(np.searchsorted(edges, uniform[rows], side="right"), len(served) - 1)]
    return out


def detection_report(threshold: float = DEFAULT_THRESHOLD) -> str:
    """Held-out accuracy (all lines, and at ``threshold`` with its coverage) and the per-temperament
    confusion at ``threshold`` as Markdown: what ``detection_matrix`` is drawn from (``bench/serving_skew.py``
    prints it; ``.venv/bin/python -c "from models.language.temperament import detection_report as r; print(r())"``)."""
    classifier, held = TemperamentDetector().classifier(), read_temperaments(HELD_OUT)
    overall, _ = classifier.accuracy(held)
    confident, coverage = classifier.accuracy(held, threshold)
    counts = classifier.confusion(held, threshold)
    served = (*TEMPERAMENTS, UNKNOWN)
    lines = [f"Temperament detection, {len(held.texts)} held-out lines: accuracy {overall:.3f}; at confidence >= "
             f"{threshold:g}: {confident:.3f} on the {coverage:.0%} that reach it.", "",
             "| true \\ served | " + " | ".join(served) + " |", "|---|" + "---:|" * len(served)]
    lines += [f"| {truth} | " + " | ".join(str(counts[truth][s]) for s in served) + " |" for truth in TEMPERAMENTS]
    return "\n".join(lines)
