"""``assist sim practice``: run a scripted trainee through a scenario offline and print the debrief.

``register(subparsers)`` adds the ``practice`` command under the ``sim`` command's subparsers; its handler
returns an exit code and raises ValueError for an unknown scenario (the ``assist`` entry point prints it
and exits 2). ``main`` runs the same command stand-alone (``python -m simulator.practice.cli``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from simulator.practice.library import SCENARIOS
from simulator.practice.replay import Replay, replay
from simulator.practice.scripts import SCRIPT_NAMES, scripted_events

__all__ = ["format_debrief", "format_transcript", "main", "practice_command", "register"]


def format_transcript(result: Replay) -> str:
    """One line per turn: time, speaker, the customer's mood after it, and what was said or done."""
    rows = []
    for line in result.transcript:
        said = line.text or f"[{line.action}]"
        rows.append(f"{line.at:6.0f}s  {line.speaker:<8} {line.mood:+.2f}  {said}")
    return "\n".join(rows)


def format_debrief(result: Replay) -> str:
    """The debrief as a trainer reads it: score, rubric lines, turning points, violations."""
    d = result.debrief
    out = [f"{d.scenario} (seed {d.seed}): {d.score:.1f}/100, outcome {d.outcome}"
           + (f" (closed as {d.claimed_outcome})" if d.claimed_outcome else ""),
           f"mood {d.mood_start:+.2f} -> {d.mood_end:+.2f}, handle time {d.handle_seconds:.0f} s", "", "rubric:"]
    for c in d.rubric:
        out.append(f"  {c.name:<18} {c.score:4.2f} x {c.weight:.2f} = {c.points:5.1f}  {c.note}")
    out += ["", "turning points:"]
    for tp in d.turning_points:
        out.append(f"  turn {tp.turn} at {tp.at:.0f}s [{tp.kind}] {tp.mood_before:+.2f} -> {tp.mood_after:+.2f}: "
                   f"\"{tp.said}\" ({tp.why})")
    if not d.turning_points:
        out.append("  none")
    return "\n".join(out)


def practice_command(args: argparse.Namespace) -> int:
    """List the scenarios, or play ``args.script`` through ``args.scenario`` and print the debrief."""
    if args.list or not args.scenario:
        for name, scenario in SCENARIOS.items():
            print(f"{name:<32} {scenario.reason:<16} {scenario.channel:<6} {scenario.title}")
        return 0
    if args.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {args.scenario!r}; known: {', '.join(SCENARIOS)}")
    scenario = SCENARIOS[args.scenario]
    result = replay(scenario, args.seed, scripted_events(scenario, args.script), refund_limit=args.refund_limit)
    if args.json:
        print(json.dumps({"debrief": result.debrief.to_dict(),
                          "transcript": [{"speaker": line.speaker, "at": line.at, "text": line.text,
                                          "action": line.action, "mood": line.mood}
                                         for line in result.transcript]}, indent=2))
        return 0
    if args.transcript:
        print(format_transcript(result) + "\n")
    print(format_debrief(result))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``practice`` under ``subparsers`` (the ``sim`` command's)."""
    practice = subparsers.add_parser("practice", help="play a scripted trainee against a simulated customer")
    practice.add_argument("--scenario", help="scenario name (see --list)")
    practice.add_argument("--script", choices=SCRIPT_NAMES, default="good", help="which scripted trainee")
    practice.add_argument("--seed", type=int, default=7, help="varies the customer's wording, not the scoring")
    practice.add_argument("--refund-limit", type=float, default=50.0, help="the trainee's refund limit")
    practice.add_argument("--transcript", action="store_true", help="print the conversation before the debrief")
    practice.add_argument("--json", action="store_true", help="print debrief and transcript as JSON")
    practice.add_argument("--list", action="store_true", help="list the scenarios")
    practice.set_defaults(handler=practice_command)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="practice")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["practice", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args))
    except ValueError as exc:
        print(f"practice: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
