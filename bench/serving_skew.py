"""What training on logged contexts the service never sees costs, and what each CRM field is worth (issue 19).
A measurement, not a test.

Run: ``.venv/bin/python bench/serving_skew.py [--world 7] [--rows 200000] [--fresh 100000] [--thresholds 0.6]``.
Trains on
``--rows`` of history of ``--world`` and scores ``--fresh`` journeys of the same world that no model saw
(another random stream), judged by the world's truth:

  full context:  the model trained on history as logged, scored on history as logged (what the table used
                 to report) and as served (through the service's context adapter: what agents got);
  as served:     the model trained through the same adapter without reading temperament from words (what the
                 default was before issue 19's detection), scored so;
  + temperament from words: as served with the temperament detected from the customer's words at each
                 ``--thresholds`` value (the first is the default, 0.6): training and scoring draw it from the
                 classifier's held-out confusion matrix (``models.context.detected_temperament``), never the truth;
  + CRM <field>: as served (no detection), with a center whose CRM sends that field on every contact
                 (``--fields``).

Prints a Markdown table for docs/models.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from models.context import CRM_FIELDS, served_history
    from models.language.temperament import detection_report
    from models.scorer import Scorer
    from models.training import TrainConfig, train
    from simulator.world import ACTIONS, action_values, generate_history

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=7)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--fresh", type=int, default=100_000)
    parser.add_argument("--thresholds", default="0.6",
                        help="temperament detection thresholds to train and score at (comma-separated; empty: none)")
    parser.add_argument("--fields", default=",".join(f for f in CRM_FIELDS),
                        help="CRM fields to try one at a time (comma-separated; empty for none)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    history = generate_history(args.world, args.rows)
    fresh = generate_history(args.world, args.fresh, seed=args.world * 1_001)
    truth = action_values(fresh)
    column = {a: i for i, a in enumerate(ACTIONS)}
    rows = np.arange(len(fresh))
    oracle = float(truth.max(axis=1).mean())

    def value(actions: np.ndarray) -> float:
        return float(truth[rows, [column[str(a)] for a in actions]].mean())

    lines = [f"World {args.world}: trained on {args.rows:,} rows, scored on {args.fresh:,} fresh journeys "
             f"(oracle {oracle:.4f}).", "",
             "| model (trained on) | scored on | learned | learned + guardrails | regret (guarded) "
             "| suggestions changed |", "|---|---|---:|---:|---:|---:|"]

    def row(label: str, scored: str, scorer: Scorer, contexts, reference: np.ndarray | None = None) -> np.ndarray:
        raw, guarded = scorer.choose(contexts, guarded=False), scorer.choose(contexts)
        changed = "" if reference is None else f"{(guarded != reference).mean():.1%}"
        lines.append(f"| {label} | {scored} | {value(raw):.4f} | {value(guarded):.4f} | {oracle - value(guarded):.4f} "
                     f"| {changed} |")
        return guarded

    full, _ = train(history, TrainConfig(context="full"))
    full_scorer = Scorer(full)
    logged = row("full context (as logged)", "full context", full_scorer, fresh)
    unread = served_history(fresh, (), None)
    row("full context (as logged)", "as served, no temperament", full_scorer, unread, logged)
    served, _ = train(history, TrainConfig(temperament_threshold=None))
    row("as served, no temperament", "as served", Scorer(served), unread, logged)
    for threshold in (float(t) for t in filter(None, args.thresholds.split(","))):
        models, _ = train(history, TrainConfig(temperament_threshold=threshold))
        default = " (the default)" if threshold == TrainConfig().temperament_threshold else ""
        row(f"as served + temperament from words at {threshold:g}{default}", "as served", Scorer(models),
            models.as_served(fresh), logged)
    for field in filter(None, args.fields.split(",")):
        models, _ = train(history, TrainConfig(crm_fields=(field,), temperament_threshold=None))
        row(f"as served + CRM {field}", "as served", Scorer(models), served_history(fresh, (field,), None), logged)
    lines += ["", detection_report(float(args.thresholds.split(",")[0] or 0.6))]
    lines += ["", f"({time.monotonic() - started:.0f} s; \"suggestions changed\": the guarded first suggestion "
                  "differs from the full-context model's on full contexts; load average "
                  f"{os.getloadavg()[0]:.1f})"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
