"""``stream_bench.py``'s figures: one row per scenario (the baselines and each guidance run), targets, the table.

Targets (benchmarks, not tests: reported, never enforced):
- issue 3, rules: p99 within ``TARGET_RATIO`` x the echo's at fewer than 1,000 connections;
- issue 24, model: p99 within ``TARGET_STACK_P99`` x the stack floor's, and CPU per event within ``TARGET_CPU`` x
  (the stack floor's CPU per event + the isolated score+explain CPU), at fewer than 1,000 connections;
- any guidance at 1,000 connections or more: p99 under ``TARGET_P99_MS_AT_1000`` ms.
A failed sample misses every target of its run. Every figure is printed with the 1-minute load average taken
right after the phase that measured it: the machine is shared (client, Redis, other work).
"""

from __future__ import annotations

from typing import Any

TARGET_RATIO = 3.0
TARGET_STACK_P99 = 2.0
TARGET_CPU = 1.2
TARGET_P99_MS_AT_1000 = 25.0


def _ratio(value: float | None, base: float | None) -> float | None:
    return round(value / base, 2) if value is not None and base else None


def targets(connections: int, name: str, s: dict[str, Any], baselines: dict[str, dict[str, Any]],
            isolated_cpu_ms: float | None) -> list[dict[str, Any]]:
    """The targets that apply to guidance ``name``'s summary ``s``, each with its figure and whether it holds."""
    clean = s["failures"] == 0
    echo, stack = baselines["echo"], baselines["stack_floor"]
    if connections >= 1000:
        p99 = s["p99_ms"]
        return [{"target": f"p99 < {TARGET_P99_MS_AT_1000:g} ms", "value": p99, "limit": TARGET_P99_MS_AT_1000,
                 "met": clean and p99 is not None and p99 < TARGET_P99_MS_AT_1000}]
    if not name.startswith("model"):
        ratio = _ratio(s["p99_ms"], echo["p99_ms"])
        return [{"target": f"p99 <= {TARGET_RATIO:g}x echo p99", "value": ratio, "limit": TARGET_RATIO,
                 "met": clean and ratio is not None and ratio <= TARGET_RATIO}]
    p99 = _ratio(s["p99_ms"], stack["p99_ms"])
    out = [{"target": f"p99 <= {TARGET_STACK_P99:g}x stack floor p99", "value": p99, "limit": TARGET_STACK_P99,
            "met": clean and p99 is not None and p99 <= TARGET_STACK_P99}]
    floor_cpu, cpu = stack["server_cpu_ms_per_reply"], s["server_cpu_ms_per_reply"]
    if floor_cpu is not None and isolated_cpu_ms is not None and cpu is not None:
        budget = floor_cpu + isolated_cpu_ms
        out.append({"target": f"cpu/ev <= {TARGET_CPU:g}x (stack floor cpu/ev + isolated score+explain)",
                    "value": round(cpu / budget, 2), "limit": TARGET_CPU, "budget_ms": round(budget, 3),
                    "met": clean and cpu / budget <= TARGET_CPU})
    return out


def scenario_row(scenario: Any, baselines: dict[str, dict[str, Any]], services: dict[str, dict[str, Any]],
                 isolated_cpu_ms: float | None) -> dict[str, Any]:
    n = scenario.connections
    echo, stack = baselines["echo"], baselines["stack_floor"]
    for name, s in services.items():
        s["over_echo_p99"] = _ratio(s["p99_ms"], echo["p99_ms"])
        s["over_stack_p99"] = _ratio(s["p99_ms"], stack["p99_ms"])
        s["over_stack_p50"] = _ratio(s["p50_ms"], stack["p50_ms"])
        s["over_stack_cpu"] = _ratio(s["server_cpu_ms_per_reply"], stack["server_cpu_ms_per_reply"])
        s["targets"] = targets(n, name, s, baselines, isolated_cpu_ms)
    return {"connections": n, "samples_per_connection": scenario.samples, "burst": scenario.burst,
            "interval_s": None if scenario.burst else scenario.interval,
            "offered_events_per_s": scenario.offered_rate, **baselines, "services": services,
            "isolated_score_explain_cpu_ms": isolated_cpu_ms}


def print_table(rows: list[dict[str, Any]]) -> None:
    def num(value: float | None, width: int = 8) -> str:
        return f"{'failed':>{width}}" if value is None else f"{value:>{width}.2f}"

    def times(ratio: float | None, width: int = 9) -> str:
        return f"{'n/a':>{width}}" if ratio is None else f"{ratio:>{width - 1}.2f}x"

    head = (f"{'conns':>5} {'load ev/s':>9} {'server':<20} {'samples':>7} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'cpu ms/ev':>9} {'p99/stack':>9} {'cpu/stack':>9} {'p99/echo':>9} {'failed':>6} {'load1':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        load = "burst" if r["burst"] else f"{r['offered_events_per_s']:.0f}"
        stack = r["stack_floor"]
        lines = [(name, r[key]) for name, key in (("echo", "echo"), ("store floor", "store_floor"),
                                                  ("stack floor", "stack_floor"))]
        lines += [(f"service, {name}", s) for name, s in r["services"].items()]
        for name, s in lines:
            cpu = s["server_cpu_ms_per_reply"]
            print(f"{r['connections']:>5} {load:>9} {name:<20} {s['attempts']:>7} {num(s['p50_ms'])} "
                  f"{num(s['p99_ms'])} {num(cpu, 9)} {times(_ratio(s['p99_ms'], stack['p99_ms']))} "
                  f"{times(_ratio(cpu, stack['server_cpu_ms_per_reply']))} "
                  f"{times(_ratio(s['p99_ms'], r['echo']['p99_ms']))} {s['failures']:>6} "
                  f"{s['loadavg_after'][0]:>6.2f}")
    print()
    for r in rows:
        if r["isolated_score_explain_cpu_ms"] is not None:
            print(f"{r['connections']} connection(s): isolated score+explain {r['isolated_score_explain_cpu_ms']} "
                  f"ms CPU per event (this process, before the scenarios)")
        for name, s in r["services"].items():
            for t in s["targets"]:
                print(f"{r['connections']} connection(s), {name}: {t['target']}: {t['value']} "
                      f"{'met' if t['met'] else 'MISSED'} (load1 {s['loadavg_after'][0]:.2f})")
            if s.get("probe"):
                p = s["probe"]
                print(f"  probe: inside the service p50 {p['service_part_p50_ms']} ms, p99 {p['service_part_p99_ms']} "
                      f"ms ({p['events_seen']} events); GC pauses >= 1 ms: {p['gc_pauses_over_1ms']} "
                      f"({p['gc_full_collections']} full), longest {p['gc_max_pause_ms']} ms, "
                      f"total {p['gc_total_pause_ms']} ms")
