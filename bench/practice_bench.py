"""Practice figures (issue 23): every trainee's score per scenario, the turn classifier's held-out accuracy
and training time, and the simulated customer's variety. A benchmark, not a test.

Run: ``.venv/bin/python bench/practice_bench.py [--seed 7] [--runs 100]``. Prints three tables:

- scores of the good, bad, paraphrased, keyword-stuffed, silent-but-correct and empathy-only trainees in
  each scenario, and each gamer's margin below the good run;
- the classifier: lines per act, held-out accuracy per act, time to train (with the load average);
- variety: distinct customer lines over ``--runs`` runs (seeds 0..runs-1) of the good and the bad
  trainee in each scenario, and the customer's mean reply delay.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator.practice.acts import HELDOUT_FILE, TRAIN_FILE, ActClassifier, load_examples  # noqa: E402
from simulator.practice.library import SCENARIOS  # noqa: E402
from simulator.practice.replay import replay  # noqa: E402
from simulator.practice.scripts import SCRIPT_NAMES, scripted_events  # noqa: E402


def scores(seed: int) -> None:
    print(f"scores (seed {seed})")
    print(f"{'scenario':32}" + "".join(f"{n:>13}" for n in SCRIPT_NAMES))
    margins: dict[str, list[float]] = {n: [] for n in SCRIPT_NAMES}
    for name, scenario in SCENARIOS.items():
        row = {n: replay(scenario, seed, scripted_events(scenario, n)).debrief.score for n in SCRIPT_NAMES}
        for n in SCRIPT_NAMES:
            margins[n].append(row["good"] - row[n])
        print(f"{name:32}" + "".join(f"{row[n]:13.1f}" for n in SCRIPT_NAMES))
    print(f"{'good minus (min..max)':32}" + "".join(f"{min(m):6.1f}..{max(m):<5.1f}" for m in margins.values()))


def classifier() -> None:
    train, held = load_examples(TRAIN_FILE), load_examples(HELDOUT_FILE)
    started = time.perf_counter()
    model = ActClassifier(train)
    seconds = time.perf_counter() - started
    print(f"\nclassifier: {len(train)} training lines, {len(held)} held out; trained in {seconds:.2f} s "
          f"(load average {os.getloadavg()[0]:.2f})")
    predicted = model.predict([text for text, _ in held])
    per_act: dict[str, list[bool]] = {}
    for p, (_, act) in zip(predicted, held, strict=True):
        per_act.setdefault(act.value, []).append(p.act == act)
    counts = Counter(act.value for _, act in train)
    for act, hits in per_act.items():
        print(f"  {act:16} train {counts[act]:4}  held-out {sum(hits):3}/{len(hits):<3}")
    print(f"  held-out accuracy {model.accuracy(held):.3f}")


def variety(runs: int) -> None:
    print(f"\nvariety: distinct customer lines over {runs} runs (seeds 0..{runs - 1})")
    print(f"{'scenario':32}{'good':>8}{'bad':>8}{'openings':>10}{'delay s':>9}")
    for name, scenario in SCENARIOS.items():
        row, openings, delays = {}, set(), []
        for script in ("good", "bad"):
            lines = set()
            for seed in range(runs):
                result = replay(scenario, seed, scripted_events(scenario, script))
                customer = [line for line in result.transcript if line.speaker == "customer"]
                lines |= {line.text for line in customer}
                openings.add(customer[0].text)
                said = {line.at for line in result.transcript if line.speaker == "agent"}
                delays += [c.at - a for a, c in zip(sorted(said), [c for c in customer[1:]], strict=False)
                           if c.at >= a]
            row[script] = len(lines)
        mean = statistics.fmean(delays) if delays else 0.0
        print(f"{name:32}{row['good']:8}{row['bad']:8}{len(openings):10}{mean:9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    scores(args.seed)
    classifier()
    variety(args.runs)


if __name__ == "__main__":
    main()
