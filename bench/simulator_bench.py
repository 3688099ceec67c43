"""Benchmark (not a test): a 500-agent, 100,000-contact day through the real routing engine.

Prints simulated contacts per second of wall time, the day's figures, and the history generator's
throughput. Target: the day in under 10 s of wall time on a 2-core machine.

    .venv/bin/python bench/simulator_bench.py [--agents 500] [--contacts 100000] [--policy default]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import routing.index
import simulator.traffic.des
from simulator.traffic import contact_center_day, draw_contacts, policy_named, simulate, summarize
from simulator.world import generate_history, generate_world
from simulator.world.world import stream


def _time_engine_calls() -> tuple[dict[str, float], dict[str, int]]:
    """Wrap the routing calls the simulation makes with timers (adds its own overhead to the run)."""
    seconds: dict[str, float] = {}
    calls: dict[str, int] = {}

    def timed(owner: Any, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started
                calls[label] = calls.get(label, 0) + 1

        setattr(owner, name, wrapper)

    timed(simulator.traffic.des, "decide", "engine.decide")
    timed(simulator.traffic.des, "eligibility_failure", "engine.eligibility_failure")
    timed(routing.index.AgentIndex, "shortlist", "AgentIndex.shortlist")
    timed(routing.index.AgentIndex, "upsert", "AgentIndex.upsert")
    timed(routing.index.AgentIndex, "set_load", "AgentIndex.set_load")
    return seconds, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--policy", default="default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--history", type=int, default=100_000, help="history rows to time (0: skip)")
    parser.add_argument("--engine-share", action="store_true",
                        help="also time the routing calls (a slower, instrumented run)")
    args = parser.parse_args()
    timers = _time_engine_calls() if args.engine_share else None

    started = time.perf_counter()
    scenario = contact_center_day(args.agents, args.contacts, args.seed)
    contacts = draw_contacts(scenario, stream(args.seed, "arrivals"))
    setup = time.perf_counter() - started
    cpu = time.process_time()
    result = simulate(scenario, policy_named(args.policy), args.seed, contacts=contacts)
    cpu = time.process_time() - cpu
    report = summarize(result)
    f = report.overall
    print(f"traffic day: {len(scenario.agents)} agents, {f.offered} contacts, policy {args.policy}")
    print(f"  setup (roster + contacts): {setup:.2f} s")
    print(f"  simulation wall time:      {result.wall_seconds:.2f} s "
          f"({'meets' if result.wall_seconds < 10 else 'misses'} the 10 s target)")
    print(f"  simulation CPU time:       {cpu:.2f} s (wall > CPU means the machine was busy)")
    print(f"  simulated contacts/s:      {report.contacts_per_second:,.0f} wall, {f.offered / cpu:,.0f} CPU")
    print(f"  SL20 all {f.service_level_all:.3f}, SL20 answered {f.service_level_answered:.3f}, "
          f"ASA {f.asa:.1f} s, abandoned {f.p_abandon:.3f}, occupancy {report.occupancy:.3f}")
    if timers is not None:
        seconds, calls = timers
        for label in sorted(seconds, key=seconds.__getitem__, reverse=True):
            print(f"  {label:28s} {calls[label]:>8,} calls {seconds[label]:6.2f} s "
                  f"({seconds[label] / calls[label] * 1e6:5.1f} us each)")
        print(f"  routing total {sum(seconds.values()):.2f} s of {result.wall_seconds:.2f} s (instrumented)")
    if args.history:
        started = time.perf_counter()
        world = generate_world(args.seed)
        history = generate_history(world, args.history)
        elapsed = time.perf_counter() - started
        rate = len(history) / elapsed
        print(f"history: {len(history):,} rows in {elapsed:.2f} s ({rate:,.0f} rows/s, world included)")


if __name__ == "__main__":
    main()
