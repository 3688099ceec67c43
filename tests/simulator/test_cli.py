from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from simulator.cli import register
from simulator.world import read_history


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="assist")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_history_command_writes_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "history.parquet"
    args = parse(["sim", "history", "--seed", "2", "--n", "500", "--customers", "300", "--out", str(out)])
    assert args.handler(args) == 0
    assert len(read_history(out)) == 500
    assert "wrote 500 interactions" in capsys.readouterr().out


def test_history_command_refuses_another_file_type(tmp_path: Path) -> None:
    args = parse(["sim", "history", "--n", "10", "--out", str(tmp_path / "h.json")])
    with pytest.raises(ValueError):
        args.handler(args)


def test_traffic_command_prints_each_policy_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "traffic.png"
    args = parse(["sim", "traffic", "--agents", "20", "--contacts", "1500", "--policy", "default",
                  "--policy", "longest_idle", "--plot", str(png), "--quiet", "--per-skill"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "longest_idle" in out and "per skill" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_erlang_command_is_registered() -> None:
    args = parse(["sim", "erlang", "--replications", "3", "--contacts-per-run", "1000"])
    assert args.handler.__name__ == "erlang_command" and args.replications == 3


def test_sim_needs_a_subcommand() -> None:
    with pytest.raises(SystemExit):
        parse(["sim"])
