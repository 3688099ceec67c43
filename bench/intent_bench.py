"""Intent detection on the held-out paraphrases (``models/language/intents_heldout.csv``): accuracy, coverage
and accuracy above each confidence threshold, calibration error, per-intent accuracy, training time and the
latency of one prediction. A benchmark, not a test (the test holds the accuracy bar).

Run: ``.venv/bin/python bench/intent_bench.py [--train models/language/intents.csv]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from models.language.intent import BUILT_IN, HELD_OUT, IntentClassifier, read_utterances


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=BUILT_IN)
    parser.add_argument("--held-out", type=Path, default=HELD_OUT)
    args = parser.parse_args()
    train, held = read_utterances(args.train), read_utterances(args.held_out)
    started = time.perf_counter()
    classifier = IntentClassifier.train(train)
    trained = time.perf_counter() - started
    rows = classifier.probabilities(held.texts)
    predicted = np.asarray(classifier.labels)[rows.argmax(axis=1)]
    confidence = rows.max(axis=1)
    right = predicted == np.asarray(held.intents)
    print(f"train {len(train.texts)} lines, held-out {len(held.texts)} paraphrases, {len(classifier.labels)} intents")
    print(f"accuracy (all held-out lines): {right.mean():.3f}")
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        kept = confidence >= threshold
        print(f"  confidence >= {threshold:.1f}: coverage {kept.mean():.2f}, accuracy {right[kept].mean():.3f}")
    edges = np.linspace(0.0, 1.0, 11)
    bins = np.clip(np.digitize(confidence, edges[1:-1]), 0, 9)
    ece = sum((bins == b).mean() * abs(right[bins == b].mean() - confidence[bins == b].mean())
              for b in range(10) if (bins == b).any())
    print(f"expected calibration error (10 bins): {ece:.3f}")
    for label in classifier.labels:
        mine = np.asarray(held.intents) == label
        print(f"  {label:16s} {right[mine].mean():.2f} ({mine.sum()} lines)")
    times = []
    for text in held.texts[:100]:
        t = time.perf_counter()
        classifier.predict(text)
        times.append(time.perf_counter() - t)
    print(f"training {trained:.2f} s; one prediction p50 {statistics.median(times) * 1e3:.2f} ms, "
          f"p99 {np.quantile(times, 0.99) * 1e3:.2f} ms (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
