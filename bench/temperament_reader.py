"""How well the temperament reader reads: held-out accuracy and coverage per threshold, calibration, and the
same on cross-validated training lines (issue 19). A measurement, not a test.

Run: ``PYTHONPATH=$PWD .venv/bin/python bench/temperament_reader.py [--extra more.csv ...]``.
The held-out lines (``models/language/temperaments_heldout.csv``) are never trained on; the cross-validated
figures (5 folds over ``temperaments.csv``) are what to tune against, the held-out ones what to report.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from sklearn.model_selection import StratifiedKFold

    from models.language.classifier import Labelled
    from models.language.temperament import BUILT_IN, HELD_OUT, NO_CUE, TemperamentClassifier, read_temperaments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.4,0.5,0.6,0.7,0.8")
    parser.add_argument("--extra", nargs="*", default=[], help="more labelled CSVs to train on")
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",")]

    started = time.monotonic()
    train = read_temperaments(BUILT_IN)
    for extra in args.extra:
        train = train + read_temperaments(extra)
    held = read_temperaments(HELD_OUT)

    def report(name: str, labels: list[str], rows: np.ndarray, classes: tuple[str, ...]) -> list[str]:
        truth = np.asarray(labels)
        predicted = np.asarray(classes)[rows.argmax(axis=1)]
        confidence = rows.max(axis=1)
        right = predicted == truth
        cue = truth != NO_CUE
        out = [f"{name}: {len(truth)} lines ({int((~cue).sum())} no cue); accuracy {right.mean():.3f}", "",
               "| threshold | accuracy (reached) | coverage | cue lines served a temperament | right of those "
               "| no-cue lines served unknown |", "|---:|---:|---:|---:|---:|---:|"]
        for t in thresholds:
            kept = confidence >= t
            served = kept & (predicted != NO_CUE)
            out.append(f"| {t:g} | {right[kept].mean():.3f} | {kept.mean():.1%} | {served[cue].mean():.1%} "
                       f"| {right[served & cue].mean():.3f} | {(~served[~cue]).mean():.1%} |")
        out += ["", "calibration (confidence band: lines, right):"]
        edges = [0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]
        for low, high in zip(edges, edges[1:], strict=False):
            band = (confidence >= low) & (confidence < high)
            if band.any():
                out.append(f"  [{low:.1f}, {min(high, 1):.1f}): {int(band.sum()):4d} lines, "
                           f"right {right[band].mean():.3f} (mean confidence {confidence[band].mean():.3f})")
        return out

    classifier = TemperamentClassifier.train(train)
    lines = report(f"held out ({len(train.texts)} training lines)", held.labels, classifier.probabilities(held.texts),
                   classifier.labels)
    rows = np.zeros((len(train.texts), len(classifier.labels)))
    for fit, test in StratifiedKFold(5, shuffle=True, random_state=0).split(train.texts, train.labels):
        part = TemperamentClassifier.train(Labelled([train.texts[i] for i in fit], [train.labels[i] for i in fit]))
        rows[test] = part.probabilities([train.texts[i] for i in test])
    lines += ["", *report("training lines, 5-fold cross-validated", train.labels, rows, classifier.labels)]
    lines += ["", f"({time.monotonic() - started:.0f} s)"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
