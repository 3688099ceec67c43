"""``assist sim practice``: a scripted trainee run offline, debrief printed."""

from __future__ import annotations

import argparse
import json

import pytest

from simulator.practice.cli import main, register


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_good_script_prints_a_high_scoring_debrief(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--scenario", "angry_billing_dispute", "--script", "good")
    assert code == 0
    assert "angry_billing_dispute (seed 7):" in out and "outcome resolved" in out
    for name in ("resolution", "de_escalation", "policy_compliance", "guidance_use", "handle_time",
                 "customer_effort"):
        assert name in out
    assert "turning points:" in out


def test_bad_and_good_scores_differ_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, good = run(capsys, "--scenario", "vulnerable_customer", "--script", "good", "--json")
    _, bad = run(capsys, "--scenario", "vulnerable_customer", "--script", "bad", "--json")
    assert json.loads(good)["debrief"]["score"] - json.loads(bad)["debrief"]["score"] >= 50


def test_transcript_option_prints_the_conversation(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "--scenario", "repeated_outage", "--script", "bad", "--transcript")
    assert "customer" in out and "agent" in out


def test_unknown_scenario_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "nope"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


def test_register_adds_practice_under_a_parent_command() -> None:
    parser = argparse.ArgumentParser(prog="assist")
    sim = parser.add_subparsers(dest="command").add_parser("sim").add_subparsers(dest="sim_command")
    register(sim)
    args = parser.parse_args(["sim", "practice", "--scenario", "abusive_customer", "--script", "bad"])
    assert (args.scenario, args.script, args.handler.__name__) == ("abusive_customer", "bad", "practice_command")
