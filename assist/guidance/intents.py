"""A center's own labelled utterances for intent detection: where they live and how they are imported.

``assist models import-intents <csv>`` checks the file, measures how well its lines are learned (on lines
held out from training), and copies it to ``<data_dir>/intents/utterances.csv``. Every worker's detector
trains on the built-in lines plus that file at its next use (``models.language.intent.IntentDetector``
notices the file changed), so an import takes effect without a restart.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from assist.settings import Settings
from models.language.intent import (
    BUILT_IN,
    HELD_OUT,
    IntentClassifier,
    IntentDetector,
    cross_validated,
    read_utterances,
)

__all__ = ["ImportedLines", "import_intents", "imported_utterances", "install", "intent_detector", "warm_up"]

log = logging.getLogger(__name__)


def imported_utterances(settings: Settings) -> Path:
    return settings.data_dir / "intents" / "utterances.csv"


def intent_detector(settings: Settings) -> IntentDetector:
    """The service's detector: the built-in lines, then the center's imported ones."""
    return IntentDetector((BUILT_IN, imported_utterances(settings)), settings.intent_threshold)


def warm_up(detector: IntentDetector) -> threading.Thread:
    """Train ``detector`` in a background thread, so the first routed contact's first words do not wait for
    it (0.2 s idle, seconds on a loaded host, on the event loop). Startup does not wait either; a bad
    imported file is logged here and raises again at first use."""
    def train() -> None:
        try:
            detector.classifier()
        except (OSError, ValueError) as exc:
            log.error("intent detection cannot train: %s", exc)

    thread = threading.Thread(target=train, name="intent-warm-up", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class ImportedLines:
    """What an import of a center's labelled lines installed and how well they are learned."""

    path: Path
    lines: int
    labels: dict[str, int]
    """Lines per label (intent, temperament) in the imported file."""
    cross_validated: float
    """Accuracy on the imported lines, each predicted by a classifier that did not train on it."""
    held_out: float
    """Accuracy on the built-in held-out paraphrases, trained on everything (did the import hurt them?)."""


def import_intents(source: Path, settings: Settings) -> ImportedLines:
    """Check and measure the ``text,intent`` CSV at ``source``, then install it as the center's utterances
    (replacing an earlier import). Raises ValueError naming the first bad line; nothing is installed then."""
    theirs = read_utterances(source)
    built_in = read_utterances(BUILT_IN)
    accuracy = cross_validated(theirs, built_in)
    held, _ = IntentClassifier.train(built_in + theirs).accuracy(read_utterances(HELD_OUT))
    target = install(source, imported_utterances(settings))
    counts = {i: theirs.intents.count(i) for i in sorted(set(theirs.intents))}
    return ImportedLines(target, len(theirs.texts), counts, accuracy, held)


def install(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` (replacing it) atomically: a worker reading it sees the old file or the
    new one, never half of one. Returns ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_suffix(".tmp")
    shutil.copyfile(source, staged)
    staged.replace(target)
    return target
