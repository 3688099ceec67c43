"""Contact-center figures from a traffic run: service level, speed of answer, abandonment, occupancy.

Definitions (the same in the Erlang formulas):

* ``p_wait``: share of offered contacts not answered at the instant they arrived;
* ``asa``: average speed of answer, the mean wait of answered contacts;
* ``service_level_all``: answered within ``sl_seconds`` over all offered contacts (abandoned ones and
  those still waiting at the end count as misses), the stricter of the two usual definitions;
* ``service_level_answered``: answered within ``sl_seconds`` over answered contacts only;
* ``p_abandon``: abandoned over offered; ``unanswered``: still waiting when the run ended (e-mail
  after closing time, for instance);
* ``occupancy``: slot-seconds worked (handle + after-contact work, divided by the agent's capacity on
  the channel) over staffed seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.traffic.des import TrafficResult

__all__ = ["Figures", "TrafficReport", "figures", "occupancy", "report_frame", "summarize"]


@dataclass(frozen=True, slots=True)
class Figures:
    offered: int
    answered: int
    abandoned: int
    unanswered: int
    p_wait: float
    asa: float
    service_level_all: float
    service_level_answered: float
    p_abandon: float
    aht: float


@dataclass(frozen=True, slots=True)
class TrafficReport:
    scenario: str
    policy: str
    agents: int
    overall: Figures
    occupancy: float
    relaxed_share: float
    """Share of answered contacts routed at a relaxation step above 0."""
    by_queue: dict[str, Figures]
    by_skill: dict[str, Figures]
    wall_seconds: float

    @property
    def contacts_per_second(self) -> float:
        """Simulated contacts per second of wall time."""
        return self.overall.offered / self.wall_seconds if self.wall_seconds > 0 else float("inf")


def figures(arrival: np.ndarray, answered_at: np.ndarray, abandoned_at: np.ndarray, handle: np.ndarray,
            sl_seconds: float) -> Figures:
    """The figures of one set of contacts, by the definitions above: per contact its arrival, and when it was
    answered or abandoned (NaN if not) and its handle time, in seconds. The live floor view
    (``assist.supervision.floor``) computes its figures here too, so a run and the floor mean the same thing."""
    offered = len(arrival)
    answered = ~np.isnan(answered_at)
    wait = answered_at[answered] - arrival[answered]
    n_answered = int(answered.sum())
    n_abandoned = int((~np.isnan(abandoned_at)).sum())
    within = int((wait <= sl_seconds).sum())
    nan = float("nan")
    return Figures(
        offered=offered, answered=n_answered, abandoned=n_abandoned,
        unanswered=offered - n_answered - n_abandoned,
        p_wait=1.0 - int((wait <= 0).sum()) / offered if offered else nan,
        asa=float(wait.mean()) if n_answered else nan,
        service_level_all=within / offered if offered else nan,
        service_level_answered=within / n_answered if n_answered else nan,
        p_abandon=n_abandoned / offered if offered else nan,
        aht=float(handle[answered].mean()) if n_answered else nan,
    )


def occupancy(busy_slot_seconds: float, staffed_seconds: float) -> float:
    """Slot-seconds worked (each contact's time over its agent's capacity on the channel) over staffed
    seconds; NaN when nobody was staffed."""
    return busy_slot_seconds / staffed_seconds if staffed_seconds else float("nan")


def summarize(result: TrafficResult, sl_seconds: float = 20.0, warmup: float = 0.0) -> TrafficReport:
    """Figures of ``result`` for the contacts that arrived at or after ``warmup`` seconds."""
    c = result.contacts
    keep = c.arrival >= warmup

    def of(mask: np.ndarray) -> Figures:
        return figures(c.arrival[mask], result.answered_at[mask], result.abandoned_at[mask],
                       result.handle[mask], sl_seconds)

    queues = result.scenario.queues
    by_queue = {spec.name: of(keep & (c.queue == q)) for q, spec in enumerate(queues)}
    skills = sorted({spec.skill for spec in queues})
    by_skill = {}
    for skill in skills:
        ids = [q for q, spec in enumerate(queues) if spec.skill == skill]
        by_skill[skill] = of(keep & np.isin(c.queue, ids))
    answered = keep & (result.agent >= 0)
    staffed = float(result.staffed.sum())
    return TrafficReport(
        scenario=result.scenario.name, policy=result.policy, agents=len(result.scenario.agents),
        overall=of(keep), occupancy=occupancy(float(result.busy.sum()), staffed),
        relaxed_share=float((result.step[answered] > 0).mean()) if answered.any() else 0.0,
        by_queue=by_queue, by_skill=by_skill, wall_seconds=result.wall_seconds,
    )


def report_frame(reports: list[TrafficReport]) -> pd.DataFrame:
    """One row per report with the headline figures, for printing or CSV."""
    rows = []
    for r in reports:
        f = r.overall
        rows.append({
            "scenario": r.scenario, "policy": r.policy, "agents": r.agents, "offered": f.offered,
            "answered": f.answered, "abandoned": f.abandoned, "unanswered": f.unanswered,
            "p_wait": f.p_wait, "asa_s": f.asa, "sl_all": f.service_level_all,
            "sl_answered": f.service_level_answered, "p_abandon": f.p_abandon, "aht_s": f.aht,
            "occupancy": r.occupancy, "relaxed": r.relaxed_share, "wall_s": r.wall_seconds,
            "contacts_per_s": r.contacts_per_second,
        })
    return pd.DataFrame(rows)
