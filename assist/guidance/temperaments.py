"""A center's own labelled customer lines for temperament detection: learning from the floor (issue 19).

A center whose CRM sends some customers' temperament holds labelled words for free: what those customers said,
with the temperament the CRM gives them. ``assist models import-temperaments <csv>`` (``text,temperament``
rows; the labels ``calm``, ``anxious``, ``angry``, ``analytical``, or ``neutral`` for a line that shows none)
checks the file, measures how well its lines are learned (each predicted by a classifier that did not train on
it) and what it does to the built-in held-out paraphrases, and copies it to
``<data_dir>/temperaments/lines.csv``. The service's detector trains on the built-in lines plus that file at
its next use (``TemperamentDetector`` notices the file changed), as intents do.

Training the guidance model as served still draws detection from the built-in classifier's held-out confusion
(``models.language.temperament.detection_matrix``): the imported lines are the center's own, and nothing
here claims a held-out measurement on them.
"""

from __future__ import annotations

from pathlib import Path

from assist.guidance.intents import ImportedLines, install
from assist.settings import Settings
from models.language.classifier import cross_validated
from models.language.temperament import (
    BUILT_IN,
    HELD_OUT,
    NO_CUE,
    TEMPERAMENTS,
    TemperamentClassifier,
    TemperamentDetector,
    read_temperaments,
)

__all__ = ["import_temperaments", "imported_temperaments", "temperament_detector_for"]


def imported_temperaments(settings: Settings) -> Path:
    return settings.data_dir / "temperaments" / "lines.csv"


def temperament_detector_for(settings: Settings) -> TemperamentDetector:
    """The service's detector: the built-in lines, then the center's imported ones, at the serving threshold."""
    return TemperamentDetector((BUILT_IN, imported_temperaments(settings)), settings.temperament_threshold)


def import_temperaments(source: Path, settings: Settings) -> ImportedLines:
    """Check and measure the ``text,temperament`` CSV at ``source``, then install it as the center's lines
    (replacing an earlier import). Raises ValueError naming the first bad line or a label that is not a
    temperament (nor ``neutral``); nothing is installed then."""
    theirs = read_temperaments(source)
    if unknown := sorted(set(theirs.labels) - {*TEMPERAMENTS, NO_CUE}):
        raise ValueError(f"{source}: not temperaments: {', '.join(unknown)} (of: {', '.join((*TEMPERAMENTS, NO_CUE))})")
    built_in = read_temperaments(BUILT_IN)
    accuracy = cross_validated(theirs, built_in, TemperamentClassifier.train)
    held, _ = TemperamentClassifier.train(built_in + theirs).accuracy(read_temperaments(HELD_OUT))
    target = install(source, imported_temperaments(settings))
    counts = {t: theirs.labels.count(t) for t in sorted(set(theirs.labels))}
    return ImportedLines(target, len(theirs.texts), counts, accuracy, held)
