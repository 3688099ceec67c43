"""Routing-policy and staffing comparisons on one simulated day, with common random numbers.

Every variant sees the very same contacts (arrival times, handle times, patience), so differences
between runs come from the policy and the head count, not from sampling noise.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.traffic.des import TrafficResult, simulate
from simulator.traffic.policies import policy_named
from simulator.traffic.scenario import contact_center_day, draw_contacts
from simulator.world.world import stream

__all__ = ["compare_day"]


def compare_day(policies: Sequence[str] = ("default", "longest_idle"), staffing: Sequence[float] = (1.0,), *,
                agents: int = 500, contacts: int = 100_000, seed: int = 0, load: float = 0.9,
                progress: bool = False) -> list[TrafficResult]:
    """Simulate ``contact_center_day`` for every (staffing factor, policy) pair, staffing-major.

    Raises ValueError for an unknown policy name or non-positive sizes.
    """
    chosen = [policy_named(name) for name in policies]
    base = contact_center_day(agents, contacts, seed, load=load)
    stream_ = draw_contacts(base, stream(seed, "arrivals"))
    results = []
    for factor in staffing:
        scenario = base if factor == 1.0 else contact_center_day(agents, contacts, seed, load=load, staffing=factor)
        for policy in chosen:
            results.append(simulate(scenario, policy, seed, progress=progress, contacts=stream_))
    return results
