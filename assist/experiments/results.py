"""An experiment's results: per arm, its closed contacts' resolution, CSAT and handle time, each against the
control arm, and the sample size the difference needs.

One GROUP BY arm over ``interaction`` (the close record carries the arm, so a hold-out's contacts count though
they had no prompt) gives counts and sums; a second counts prompts per arm. Intervals: Wilson for a rate,
Newcombe's hybrid score for a difference of rates (as the adoption lift), t for a mean, Welch for a difference
of means. The unit analysed is the closed contact; with agents as the unit, an agent's contacts are not
independent and the intervals are somewhat too narrow (said in ``note``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, case, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.lift import lift, wilson
from assist.adoption.sql import seconds_between
from assist.experiments.schemas import ArmComparison, ArmResult, Difference, ExperimentResults
from assist.experiments.service import arms_of, view
from assist.experiments.stats import mean_interval, sample_size, welch
from assist.experiments.tables import Experiment
from assist.stores.tables import Interaction, PromptRecord

__all__ = ["ALPHA", "POWER", "results"]

ALPHA = 0.05
POWER = 0.8
NOTE = ("Arms are assigned at random (a hash of the experiment and the unit), so a difference between arms is "
        "caused by the guidance they got, up to chance, which the intervals bound. Closed live contacts only. {unit}")
UNIT_NOTES = {"agent": "Agents are the unit: one agent's contacts are not independent, so the intervals are "
                       "somewhat too narrow when a few agents handle most contacts.",
              "contact": "Contacts are the unit: a transferred contact counts once per agent who closed a part."}


async def results(s: AsyncSession, experiment: Experiment, *, min_difference: float | None = None,
                  now: datetime | None = None) -> ExperimentResults:
    """The report of ``experiment``; ``min_difference`` (a resolution difference worth detecting) sets the
    sample size instead of the observed difference."""
    now = now or datetime.now(UTC)
    table = Interaction.__table__  # type: ignore[attr-defined]
    handle = seconds_between(table.c.started_at, table.c.ended_at)
    csat = table.c.csat
    query = (select(table.c.arm, func.count().label("n"),
                    func.sum(case((table.c.outcome == "resolved", 1), else_=0)).label("resolved"),
                    func.count(csat).label("csat_n"), func.sum(csat).label("csat_sum"),
                    func.sum(func.cast(csat * csat, Integer)).label("csat_sq"),
                    func.count(handle).label("handle_n"), func.sum(handle).label("handle_sum"),
                    func.sum(handle * handle).label("handle_sq"))
             .where(table.c.experiment_id == experiment.id, table.c.practice.is_(False),
                    table.c.ended_at.is_not(None))
             .group_by(table.c.arm))
    rows = {r.arm: r for r in (await s.exec(query)).all()}  # type: ignore[call-overload]
    prompts_table = PromptRecord.__table__  # type: ignore[attr-defined]
    prompt_counts = {r.arm: int(r.n) for r in (await s.exec(  # type: ignore[call-overload]
        select(prompts_table.c.arm, func.count().label("n")).where(prompts_table.c.experiment_id == experiment.id)
        .group_by(prompts_table.c.arm))).all()}
    arms = arms_of(experiment)
    per_arm = []
    for arm in arms:
        r = rows.get(arm.name)
        n = int(r.n) if r else 0
        per_arm.append(ArmResult(
            arm=arm.name, kind=arm.kind, model_version=arm.model_version, control=arm.control, contacts=n,
            resolution=wilson(int(r.resolved or 0) if r else 0, n),
            csat=mean_interval(int(r.csat_n) if r else 0, float(r.csat_sum or 0) if r else 0.0,
                               float(r.csat_sq or 0) if r else 0.0),
            handle_seconds=mean_interval(int(r.handle_n) if r else 0, float(r.handle_sum or 0) if r else 0.0,
                                         float(r.handle_sq or 0) if r else 0.0),
            prompts=prompt_counts.get(arm.name, 0)))
    control = next(a for a in per_arm if a.control)
    comparisons = [compare(a, control, min_difference) for a in per_arm if a is not control]
    return ExperimentResults(experiment=view(experiment, now), generated_at=now, alpha=ALPHA, power=POWER,
                             arms=per_arm, comparisons=comparisons, note=NOTE.format(unit=UNIT_NOTES[experiment.unit]))


def compare(arm: ArmResult, control: ArmResult, min_difference: float | None = None) -> ArmComparison:
    """``arm`` against ``control``: the differences with intervals, and whether the sample can show them."""
    rates = lift(arm.arm, arm.resolution, control.resolution, min_per_side=1)
    resolution = Difference(value=rates.difference, low=rates.low, high=rates.high, method="newcombe",
                            significant=rates.low is not None and rates.high is not None
                            and (rates.low > 0 or rates.high < 0))
    p_control = control.resolution.rate
    detect = min_difference if min_difference is not None else rates.difference
    smallest = min(arm.contacts, control.contacts)
    needed, underpowered = None, True
    if p_control is None:
        warning: str | None = "No closed contacts in the control arm yet."
    elif not detect or (needed := sample_size(min(max(p_control + detect, 0.0), 1.0), p_control, ALPHA,
                                              POWER)) is None:
        warning = ("No resolution difference to size a sample for yet: state the smallest difference worth "
                   "detecting (min_difference).")
    else:
        underpowered = smallest < needed
        warning = (f"Underpowered: {smallest} contacts in the smaller arm, {needed} per arm needed to detect "
                   f"{detect * 100:+.1f} points of resolution (alpha {ALPHA}, power {POWER})."
                   if underpowered else None)
    return ArmComparison(arm=arm.arm, versus=control.arm, resolution=resolution,
                         csat=welch(arm.csat, control.csat), handle_seconds=welch(arm.handle_seconds,
                                                                                  control.handle_seconds),
                         detect=detect, needed_per_arm=needed, underpowered=underpowered, warning=warning)
