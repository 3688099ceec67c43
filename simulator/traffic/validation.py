"""The simulation checked against queueing theory: single-skill runs versus Erlang C and Erlang A.

Each case is simulated in ``replications`` independent runs (independent seeds, each starting empty
and discarding the contacts that arrive during the first ``warmup_share`` of the horizon); a figure
agrees when the formula's value lies inside the replications' t-confidence interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from simulator.traffic.des import simulate
from simulator.traffic.erlang import QueueFigures, erlang_a, erlang_c
from simulator.traffic.policies import policy_named
from simulator.traffic.report import summarize
from simulator.traffic.scenario import single_queue

__all__ = ["CASES", "ErlangCase", "ValidationRow", "compare_with_erlang", "erlang_table"]

METRICS = ("p_wait", "asa", "service_level_all", "service_level_answered", "p_abandon")


@dataclass(frozen=True, slots=True)
class ErlangCase:
    """An M/M/n (``mean_patience`` infinite: Erlang C) or M/M/n+M (Erlang A) queue, times in seconds."""

    servers: int
    arrival_rate: float
    mean_handle: float
    mean_patience: float = math.inf

    @property
    def model(self) -> str:
        return "Erlang C" if math.isinf(self.mean_patience) else "Erlang A"

    def theory(self, sl_seconds: float) -> QueueFigures:
        if math.isinf(self.mean_patience):
            return erlang_c(self.arrival_rate, self.mean_handle, self.servers, sl_seconds)
        return erlang_a(self.arrival_rate, self.mean_handle, self.servers, self.mean_patience, sl_seconds)


CASES: tuple[ErlangCase, ...] = (
    ErlangCase(servers=10, arrival_rate=0.085, mean_handle=100.0),
    ErlangCase(servers=10, arrival_rate=0.105, mean_handle=100.0, mean_patience=120.0),
    ErlangCase(servers=50, arrival_rate=0.46, mean_handle=100.0),
    ErlangCase(servers=50, arrival_rate=0.55, mean_handle=100.0, mean_patience=60.0),
)
"""Erlang C at 85 % and 92 % load, Erlang A overloaded (105 %, 110 %) where abandonment keeps it stable."""


@dataclass(frozen=True, slots=True)
class ValidationRow:
    model: str
    servers: int
    load: float
    metric: str
    theory: float
    simulated: float
    ci_low: float
    ci_high: float

    @property
    def agrees(self) -> bool:
        return self.ci_low <= self.theory <= self.ci_high


def compare_with_erlang(case: ErlangCase, *, contacts_per_run: int = 20_000, replications: int = 10,
                        warmup_share: float = 0.1, sl_seconds: float = 20.0, confidence: float = 0.95,
                        seed: int = 0, progress: bool = False) -> list[ValidationRow]:
    """Simulate ``case`` and compare each figure in ``METRICS`` with its formula.

    Raises ValueError for fewer than two replications (no interval without a spread).
    """
    if replications < 2:
        raise ValueError("need at least two replications for a confidence interval")
    horizon = contacts_per_run / case.arrival_rate
    scenario = single_queue(case.servers, case.arrival_rate, case.mean_handle, horizon, case.mean_patience)
    policy = policy_named("default")
    samples: dict[str, list[float]] = {m: [] for m in METRICS}
    runs = range(replications)
    for r in tqdm(runs, desc=f"{case.model} n={case.servers}", disable=not progress):
        figures = summarize(simulate(scenario, policy, seed=seed * 10_000 + r), sl_seconds,
                            warmup=warmup_share * horizon).overall
        for metric in METRICS:
            samples[metric].append(getattr(figures, metric))
    theory = case.theory(sl_seconds)
    t = stats.t.ppf(0.5 + confidence / 2, replications - 1)
    rows = []
    for metric in METRICS:
        values = np.asarray(samples[metric])
        mean, half = float(values.mean()), float(t * values.std(ddof=1) / math.sqrt(replications))
        rows.append(ValidationRow(case.model, case.servers, case.arrival_rate * case.mean_handle / case.servers,
                                  metric, float(getattr(theory, metric)), mean, mean - half, mean + half))
    return rows


def erlang_table(cases: tuple[ErlangCase, ...] = CASES, **options: object) -> pd.DataFrame:
    """``compare_with_erlang`` for every case, as one table (options pass through)."""
    rows = [row for case in cases for row in compare_with_erlang(case, **options)]  # type: ignore[arg-type]
    frame = pd.DataFrame([{**{k: getattr(r, k) for k in ValidationRow.__slots__}, "agrees": r.agrees}
                          for r in rows])
    return frame
