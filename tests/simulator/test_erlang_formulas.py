from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.traffic.erlang import _palm_distribution, erlang_a, erlang_b, erlang_c


def test_erlang_b_matches_the_table_value() -> None:
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-5)


def test_erlang_c_of_two_servers_at_half_load_is_one_third() -> None:
    figures = erlang_c(arrival_rate=1.0, mean_handle=1.0, servers=2)
    assert figures.p_wait == pytest.approx(1 / 3)
    assert figures.asa == pytest.approx((1 / 3) / (2 - 1))


def test_erlang_c_refuses_an_unstable_queue() -> None:
    with pytest.raises(ValueError):
        erlang_c(arrival_rate=1.0, mean_handle=10.0, servers=10)


def test_erlang_a_with_endless_patience_is_erlang_c() -> None:
    a = erlang_a(0.9, 10.0, 10, mean_patience=1e7)
    c = erlang_c(0.9, 10.0, 10)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-3)
    assert a.asa == pytest.approx(c.asa, rel=1e-3)
    assert a.service_level_all == pytest.approx(c.service_level_all, rel=1e-3)


def test_erlang_a_abandonment_equals_theta_times_queue_length_over_lambda() -> None:
    rate, handle, servers, patience = 0.55, 100.0, 50, 60.0
    pi = _palm_distribution(rate, 1 / handle, 1 / patience, servers)
    queue_length = float((np.maximum(np.arange(len(pi)) - servers, 0) * pi).sum())
    assert erlang_a(rate, handle, servers, patience).p_abandon == pytest.approx(queue_length / patience / rate)


def test_erlang_a_service_levels_relate_through_abandonment() -> None:
    f = erlang_a(1.2, 10.0, 10, 60.0)
    assert f.service_level_all == pytest.approx(f.service_level_answered * (1 - f.p_abandon))
    assert 0 < f.service_level_all < f.service_level_answered < 1


def test_erlang_a_handles_large_centers() -> None:
    f = erlang_a(50.0, 300.0, 14_000, 180.0)
    assert math.isfinite(f.asa) and 0 < f.p_abandon < 0.2
