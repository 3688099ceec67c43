"""One PNG comparing traffic runs: the day hour by hour and the headline figures side by side.

Uses matplotlib's Agg backend (no display needed); importing this module selects it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simulator.traffic.des import TrafficResult  # noqa: E402
from simulator.traffic.report import TrafficReport, summarize  # noqa: E402

__all__ = ["plot_runs"]


def _label(result: TrafficResult) -> str:
    return f"{result.policy} / {len(result.scenario.agents)} agents"


def _hourly(result: TrafficResult, sl_seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per hour of arrival: offered contacts, service level (all), ASA and abandonment share."""
    hours = int(np.ceil(result.scenario.horizon / 3600))
    hour = np.minimum((result.contacts.arrival // 3600).astype(int), hours - 1)
    wait = result.answered_at - result.contacts.arrival
    offered = np.bincount(hour, minlength=hours).astype(float)
    within = np.bincount(hour, weights=(wait <= sl_seconds).astype(float), minlength=hours)
    answered = ~np.isnan(result.answered_at)
    wait_sum = np.bincount(hour[answered], weights=wait[answered], minlength=hours)
    n_answered = np.bincount(hour[answered], minlength=hours)
    abandoned = np.bincount(hour, weights=(~np.isnan(result.abandoned_at)).astype(float), minlength=hours)
    with np.errstate(invalid="ignore", divide="ignore"):
        return offered, within / offered, wait_sum / n_answered, abandoned / offered


def plot_runs(results: Sequence[TrafficResult], path: str | Path, sl_seconds: float = 20.0) -> Path:
    """Write a 2x2 figure for ``results`` to ``path`` (PNG) and return the path.

    Panels: offered contacts and service level by hour, ASA by hour, headline figures per run, and
    service level per skill per run. Raises ValueError when ``results`` is empty.
    """
    if not results:
        raise ValueError("nothing to plot")
    path = Path(path)
    fig, axes = plt.subplots(2, 2, figsize=(14, 9))
    (ax_sl, ax_asa), (ax_bars, ax_skill) = axes
    volume = ax_sl.twinx()
    for result in results:
        offered, sl, asa, _ = _hourly(result, sl_seconds)
        hours = np.arange(len(offered))
        ax_sl.plot(hours, sl, marker=".", label=_label(result))
        ax_asa.plot(hours, asa, marker=".", label=_label(result))
    volume.bar(np.arange(len(offered)), offered, color="0.85", zorder=0)
    volume.set_ylabel("offered contacts per hour")
    ax_sl.set_zorder(volume.get_zorder() + 1)
    ax_sl.patch.set_visible(False)
    ax_sl.set(title=f"Service level by hour ({sl_seconds:g} s, over all offered)", xlabel="hour of day",
              ylabel="service level", ylim=(0, 1.02))
    ax_asa.set(title="Average speed of answer by hour", xlabel="hour of day", ylabel="seconds")
    ax_sl.legend(fontsize=8)
    ax_asa.legend(fontsize=8)

    reports = [summarize(r, sl_seconds) for r in results]
    metrics: dict[str, Callable[[TrafficReport], float]] = {
        "SL (all)": lambda r: r.overall.service_level_all,
        "SL (answered)": lambda r: r.overall.service_level_answered,
        "abandoned": lambda r: r.overall.p_abandon,
        "occupancy": lambda r: r.occupancy,
    }
    width = 0.8 / len(reports)
    x = np.arange(len(metrics))
    for k, (result, report) in enumerate(zip(results, reports, strict=True)):
        ax_bars.bar(x + k * width, [f(report) for f in metrics.values()], width, label=_label(result))
    ax_bars.set_xticks(x + width * (len(reports) - 1) / 2, list(metrics))
    ax_bars.set(title="Headline figures", ylim=(0, 1.05))
    ax_bars.legend(fontsize=8)

    skills = sorted(reports[0].by_skill)
    xs = np.arange(len(skills))
    for k, (result, report) in enumerate(zip(results, reports, strict=True)):
        ax_skill.bar(xs + k * width, [report.by_skill[s].service_level_all for s in skills], width,
                     label=_label(result))
    ax_skill.set_xticks(xs + width * (len(reports) - 1) / 2, skills)
    ax_skill.set(title="Service level per skill (all offered)", ylim=(0, 1.05))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
