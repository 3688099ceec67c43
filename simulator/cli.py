"""``assist sim ...``: generate history, run traffic simulations, print the Erlang validation.

``register(subparsers)`` adds the ``sim`` command to the service's argparse tree; each handler takes
the parsed namespace and returns an exit code. Heavy imports happen inside the handlers so that
``assist --help`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.practice.cli import register as register_practice

__all__ = ["erlang_command", "history_command", "register", "traffic_command"]


def history_command(args: argparse.Namespace) -> int:
    """Write ``args.n`` interactions of the world of ``args.seed`` to ``args.out`` (.parquet or .csv)."""
    from simulator.world import generate_history, generate_world, write_history

    out = Path(args.out)
    if out.suffix not in (".parquet", ".csv"):
        raise ValueError(f"--out must end in .parquet or .csv, not {out.suffix!r}")
    world = generate_world(args.seed, n_customers=args.customers)
    frame = generate_history(world, args.n, csat_response_rate=args.csat_response_rate)
    write_history(frame, out)
    resolved, csat = frame["resolved"].mean(), frame["csat"].astype("float64").mean()
    print(f"wrote {len(frame)} interactions ({frame['journey_id'].nunique()} journeys, "
          f"{frame['customer_id'].nunique()} customers) to {out}; resolved {resolved:.1%}, mean CSAT {csat:.2f}")
    return 0


def traffic_command(args: argparse.Namespace) -> int:
    """Simulate a contact-center day per (staffing, policy) pair and print the comparison."""
    import pandas as pd

    from simulator.traffic import compare_day, report_frame, summarize

    policies = args.policy or ["default", "longest_idle"]
    results = compare_day(policies, args.staffing, agents=args.agents, contacts=args.contacts, seed=args.seed,
                          load=args.load, progress=not args.quiet)
    reports = [summarize(r, args.sl_seconds) for r in results]
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print(report_frame(reports).drop(columns=["scenario"]).to_string(index=False))
        if args.per_skill:
            for report in reports:
                print(f"\n{report.policy}, {report.agents} agents, per skill:")
                rows = {skill: _as_dict(f) for skill, f in report.by_skill.items()}
                print(pd.DataFrame(rows).T.to_string())
    if args.plot:
        from simulator.traffic.plot import plot_runs

        print(f"plot: {plot_runs(results, args.plot, args.sl_seconds)}")
    return 0


def _as_dict(figures: object) -> dict[str, object]:
    """A slots dataclass as a dict (``vars`` does not work on slots)."""
    return {name: getattr(figures, name) for name in figures.__slots__}  # type: ignore[attr-defined]


def erlang_command(args: argparse.Namespace) -> int:
    """Print simulation versus Erlang C / Erlang A for the built-in single-skill cases."""
    import pandas as pd

    from simulator.traffic import erlang_table

    table = erlang_table(contacts_per_run=args.contacts_per_run, replications=args.replications,
                         sl_seconds=args.sl_seconds, confidence=args.confidence, seed=args.seed,
                         progress=not args.quiet)
    with pd.option_context("display.width", 200, "display.float_format", "{:.4f}".format):
        print(table.to_string(index=False))
    misses = int((~table["agrees"]).sum())
    print(f"{len(table) - misses}/{len(table)} figures inside the {args.confidence:.0%} interval")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``sim history``, ``sim traffic`` and ``sim erlang`` under ``subparsers``."""
    sim = subparsers.add_parser("sim", help="synthetic world, history export and traffic simulation")
    commands = sim.add_subparsers(dest="sim_command", required=True)

    history = commands.add_parser("history", help="export logged interactions (the models' training schema)")
    history.add_argument("--seed", type=int, default=7)
    history.add_argument("--n", type=int, default=100_000, help="number of interactions")
    history.add_argument("--out", required=True, help="file.parquet or file.csv")
    history.add_argument("--customers", type=int, default=20_000)
    history.add_argument("--csat-response-rate", type=float, default=1.0)
    history.set_defaults(handler=history_command)

    traffic = commands.add_parser("traffic", help="simulate a day of traffic through the routing engine")
    traffic.add_argument("--agents", type=int, default=500)
    traffic.add_argument("--contacts", type=int, default=100_000)
    traffic.add_argument("--policy", action="append", choices=["default", "longest_idle", "tiered"],
                         help="repeat to compare (default: default and longest_idle)")
    traffic.add_argument("--staffing", type=float, nargs="+", default=[1.0],
                         help="head-count factors to compare, e.g. 0.9 1.0 1.1")
    traffic.add_argument("--load", type=float, default=0.9, help="offered load per staffed capacity")
    traffic.add_argument("--seed", type=int, default=0)
    traffic.add_argument("--sl-seconds", type=float, default=20.0)
    traffic.add_argument("--per-skill", action="store_true", help="also print figures per skill")
    traffic.add_argument("--plot", help="write a comparison chart to this PNG")
    traffic.add_argument("--quiet", action="store_true", help="no progress bar")
    traffic.set_defaults(handler=traffic_command)

    erlang = commands.add_parser("erlang", help="check single-skill simulation against Erlang C and A")
    erlang.add_argument("--replications", type=int, default=10)
    erlang.add_argument("--contacts-per-run", type=int, default=20_000)
    erlang.add_argument("--confidence", type=float, default=0.95)
    erlang.add_argument("--sl-seconds", type=float, default=20.0)
    erlang.add_argument("--seed", type=int, default=0)
    erlang.add_argument("--quiet", action="store_true", help="no progress bar")
    erlang.set_defaults(handler=erlang_command)

    register_practice(commands)
