"""The policy table per outcome on fresh journeys: DR estimates with paired 95 % intervals against the rules,
next to the world's truth (one step), then each policy deployed over whole fresh journeys (``--journeys``, 0 to
skip). Prints Markdown for docs/models.md.

    .venv/bin/python bench/outcome_table.py [--world 7] [--train 20000] [--fresh 20000] [--trees 80]
        [--journeys 20000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from models.catalog import load_catalog
from models.outcome_table import OUTCOMES, outcome_table, render_outcome_table
from models.report import policy_actions
from models.training import TrainConfig, TrainedModels, train
from simulator.journey_eval import JOURNEY_OUTCOMES, journey_table, model_policies
from simulator.world import generate_history
from simulator.world.truth import outcome_table as true_outcomes

TRUE = {"resolved": "resolve", "csat": "csat", "churned": "churn", "escalated": "escalate", "cost": "cost"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", type=int, default=7)
    parser.add_argument("--train", type=int, default=20_000)
    parser.add_argument("--fresh", type=int, default=20_000)
    parser.add_argument("--trees", type=int, default=80)
    parser.add_argument("--journeys", type=int, default=20_000)
    parser.add_argument("--skip-one-step", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    models, _ = train(generate_history(args.world, args.train), TrainConfig(n_estimators=args.trees,
                                                                            resolve_estimators=100))
    if args.skip_one_step:
        _journeys(models, args)
        return
    fresh = generate_history(args.world, args.fresh, seed=args.world * 1001)
    served = models.as_served(fresh)
    catalog = load_catalog()
    policies = policy_actions(models, served, catalog)
    rows = outcome_table(models, served, catalog, policies)
    print(f"world {args.world}, trained on {args.train:,} rows ({args.trees} trees), {args.fresh:,} fresh journeys, "
          f"{time.monotonic() - started:.0f} s\n")
    print("DR estimate (difference from the rules ± 95 %, paired):\n")
    print(render_outcome_table(rows))
    truth = true_outcomes(fresh)
    index = {a: i for i, a in enumerate(catalog.ids)}
    scale = {"resolved": 100.0, "churned": 100.0, "escalated": 100.0, "csat": 1.0, "cost": 1.0}
    print("Truth (same contexts, the world's outcome model):\n")
    print("| policy | " + " | ".join(OUTCOMES) + " |\n|---|" + "---:|" * len(OUTCOMES))
    for name, target in policies.items():
        cols = [index[a] for a in target]
        means = {o: float(getattr(truth, TRUE[o])[np.arange(len(fresh)), cols].mean()) * scale[o] for o in OUTCOMES}
        cells = [f"{means[o]:.{1 if scale[o] > 1 else 3}f}" for o in OUTCOMES]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.journeys:
        _journeys(models, args)


def _journeys(models: TrainedModels, args: argparse.Namespace) -> None:
    started, cpu = time.monotonic(), time.process_time()
    rows = journey_table(args.world, args.journeys, model_policies(models), seed=args.world * 1001 + 1)
    print(f"\nDeployed over {args.journeys:,} fresh journeys (mean ± 95 %, difference from the rules ± 95 %, "
          f"paired): {time.monotonic() - started:.0f} s, CPU {time.process_time() - cpu:.0f} s, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(render_outcome_table(rows, outcomes=JOURNEY_OUTCOMES, intervals=True))


if __name__ == "__main__":
    main()
