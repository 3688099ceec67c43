"""What training on logged contexts the service never sees costs, and what each CRM field is worth (issue 19).
A measurement, not a test.

Run: ``.venv/bin/python bench/serving_skew.py [--world 7] [--rows 200000] [--fresh 100000] [--thresholds 0.6]
[--fields ...] [--per-contact] [--all-consent] [--warm-days 30]``.
Trains on
``--rows`` of history of ``--world`` and scores ``--fresh`` journeys of the same world that no model saw
(another random stream), judged by the world's truth:

  full context:  the model trained on history as logged, scored on history as logged (what the table used
                 to report) and as served (through the service's context adapter: what agents got);
  as served:     the model trained through the same adapter without reading temperament from words (what the
                 default was before issue 19's detection), scored so;
  + temperament from words: as served with the temperament detected from the customer's words at each
                 ``--thresholds`` value (the first is the default, 0.6): training and scoring draw it from the
                 classifier's held-out confusion matrix (``models.context.detected_temperament``), never the truth,
                 and remember it across a customer's contacts as the service does (only with the customer's
                 profiling consent: ``models.context.remembered_temperament``; a follow-up hears its open
                 journey's earlier contacts whatever the consent, as the transcript holds their words); with
                 ``--per-contact`` the same without memory across journeys, and with ``--all-consent`` in a
                 center whose customers all consented to profiling (that also shows segment, lifetime value and
                 churn risk for everyone);
  + CRM <field>: as served (no detection), with a center whose CRM sends that field on every contact
                 (``--fields``).

``--warm-days`` scores only the fresh contacts that start that many days or more into the fresh period (the
earlier ones still happen, and are remembered): a service that has been running, not one whose memory starts
empty on the first scored day. "vs full context" is the guarded value's paired difference from the
full-context model's on the same contacts, with a 95 % interval clustered by customer (a customer's contacts
share their temperament and, with memory, its detection).

Prints a Markdown table for docs/models.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

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
    parser.add_argument("--warm-days", type=float, default=0.0,
                        help="score only fresh contacts starting at least this many days into the fresh period")
    parser.add_argument("--per-contact", action="store_true",
                        help="also train and score with temperament from the journey's words, not remembered "
                             "across journeys")
    parser.add_argument("--all-consent", action="store_true",
                        help="also train and score as served in a center whose customers all consented to profiling")
    parser.add_argument("--no-cue-share", type=float, default=None,
                        help="the assumed share of contacts whose words show no temperament (default: the "
                             "module's NO_CUE_SHARE, 0.3): an assumption, varied here to show what it is worth")
    args = parser.parse_args(argv)
    if args.no_cue_share is not None:
        from models.language import temperament

        temperament.NO_CUE_SHARE = args.no_cue_share

    started = time.monotonic()
    history = generate_history(args.world, args.rows)
    fresh = generate_history(args.world, args.fresh, seed=args.world * 1_001)
    truth = action_values(fresh)
    column = {a: i for i, a in enumerate(ACTIONS)}
    since = fresh["started_at"] - fresh["started_at"].min()
    scored = (since >= pd.Timedelta(days=args.warm_days)).to_numpy()
    rows = np.arange(len(fresh))
    customer = pd.factorize(fresh["customer_id"])[0][scored]
    oracle = float(truth[scored].max(axis=1).mean())

    def values(actions: np.ndarray) -> np.ndarray:
        return truth[rows, [column[str(a)] for a in actions]][scored]

    def paired(actions: np.ndarray, reference: np.ndarray) -> str:
        """Mean difference of the truth's value on the scored contacts, with a 95 % interval over customers."""
        diff = values(actions) - values(reference)
        sums, counts = np.bincount(customer, diff), np.bincount(customer).astype(np.float64)
        mean = sums.sum() / counts.sum()
        clusters = int((counts > 0).sum())
        var = ((sums - mean * counts) ** 2).sum() / counts.sum() ** 2 * clusters / max(clusters - 1, 1)
        return f"{mean:+.4f} ± {1.96 * np.sqrt(var):.4f}"

    warm = f", of which the {int(scored.sum()):,} from day {args.warm_days:g} on" if args.warm_days else ""
    share = "" if args.no_cue_share is None else f", no-cue share assumed {args.no_cue_share:g}"
    lines = [f"World {args.world}: trained on {args.rows:,} rows, scored on {args.fresh:,} fresh journeys{warm} "
             f"(oracle {oracle:.4f}{share}).", "",
             "| model (trained on) | scored on | learned | learned + guardrails | regret (guarded) "
             "| vs full context (95% paired) | suggestions changed |", "|---|---|---:|---:|---:|---:|---:|"]

    def row(label: str, scored_on: str, scorer: Scorer, contexts, reference: np.ndarray | None = None) -> np.ndarray:
        raw, guarded = scorer.choose(contexts, guarded=False), scorer.choose(contexts)
        changed = "" if reference is None else f"{(guarded != reference)[scored].mean():.1%}"
        versus = "" if reference is None else paired(guarded, reference)
        lines.append(f"| {label} | {scored_on} | {values(raw).mean():.4f} | {values(guarded).mean():.4f} "
                     f"| {oracle - values(guarded).mean():.4f} | {versus} | {changed} |")
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
        row(f"as served + temperament from words at {threshold:g}{default}, remembered", "as served",
            Scorer(models), models.as_served(fresh), logged)
    if args.per_contact:
        models, _ = train(history, TrainConfig(temperament_memory=False))
        row("as served + temperament from the journey's words (not remembered across journeys)", "as served",
            Scorer(models),
            models.as_served(fresh), logged)
    if args.all_consent:
        consenting = history.assign(consent_profiling=True)
        models, _ = train(consenting, TrainConfig())
        row("as served + temperament remembered, all customers consent to profiling", "as served", Scorer(models),
            models.as_served(fresh.assign(consent_profiling=True)), logged)
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
