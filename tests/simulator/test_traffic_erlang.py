"""The simulation against queueing theory, with the real routing engine in the loop.

Each check runs independent replications and asks that the formula lies inside the 99 % interval and
that the interval is narrow enough to mean something.
"""

from __future__ import annotations

import pytest

from simulator.traffic.validation import ErlangCase, ValidationRow, compare_with_erlang

HALF_WIDTH = {"p_wait": 0.04, "service_level_all": 0.04, "service_level_answered": 0.04, "p_abandon": 0.02,
              "asa": 0.25}
"""Largest interval half-width accepted: absolute for shares, relative to the theory for ASA."""


def _check(rows: list[ValidationRow]) -> None:
    for row in rows:
        if row.theory == 0.0:
            assert row.simulated == 0.0, row
            continue
        assert row.agrees, row
        limit = HALF_WIDTH[row.metric] * (row.theory if row.metric == "asa" else 1.0)
        assert (row.ci_high - row.ci_low) / 2 < limit, row


def test_single_skill_matches_erlang_c() -> None:
    rows = compare_with_erlang(ErlangCase(servers=10, arrival_rate=0.08, mean_handle=100.0),
                               contacts_per_run=12_000, replications=10, confidence=0.99, seed=1)
    _check(rows)


def test_single_skill_with_exponential_patience_matches_erlang_a() -> None:
    rows = compare_with_erlang(ErlangCase(servers=10, arrival_rate=0.105, mean_handle=100.0, mean_patience=120.0),
                               contacts_per_run=10_000, replications=8, confidence=0.99, seed=1)
    _check(rows)


def test_a_too_short_run_is_refused() -> None:
    with pytest.raises(ValueError):
        compare_with_erlang(ErlangCase(2, 0.01, 100.0), replications=1)
