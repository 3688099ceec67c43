"""The statistics behind experiment results, against hand arithmetic and an independent implementation."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from assist.experiments.stats import mean_interval, sample_size, welch


def _sums(values: list[float]) -> tuple[int, float, float]:
    return len(values), sum(values), sum(v * v for v in values)


def test_sample_size_for_sixty_against_eighty_percent_is_82_per_arm():
    # pbar = 0.7: (1.959964 * sqrt(2 * 0.7 * 0.3) + 0.841621 * sqrt(0.6 * 0.4 + 0.8 * 0.2))^2 / 0.2^2
    #       = (1.270202 + 0.532288)^2 / 0.04 = 3.248969 / 0.04 = 81.22 -> 82
    assert sample_size(0.8, 0.6) == 82
    assert sample_size(0.6, 0.8) == 82  # symmetric


def test_sample_size_for_sixty_against_ninety_percent_is_32_per_arm():
    # pbar = 0.75: (1.959964 * sqrt(0.375) + 0.841621 * sqrt(0.09 + 0.24))^2 / 0.09 = 1.683702^2 / 0.09 = 31.50
    assert sample_size(0.9, 0.6) == 32


def test_no_difference_needs_no_sample_size():
    assert sample_size(0.5, 0.5) is None


def test_mean_interval_is_the_t_interval():
    # 3, 4, 5: mean 4, sd 1, half-width t(0.975, 2) * 1 / sqrt(3) = 4.302653 * 0.577350 = 2.484138
    interval = mean_interval(*_sums([3, 4, 5]))
    assert (interval.mean, interval.sd) == (4, 1)
    assert interval.low == pytest.approx(4 - 2.484138, abs=1e-6)
    assert interval.high == pytest.approx(4 + 2.484138, abs=1e-6)


def test_one_value_has_a_mean_and_no_interval():
    interval = mean_interval(*_sums([4]))
    assert (interval.mean, interval.low, interval.high) == (4, None, None)


def test_welch_difference_matches_scipys_welch_t_test():
    a, b = [5, 4, 4, 5, 3, 5, 4, 5], [3, 4, 2, 5, 3, 4, 3, 2, 4, 3]
    difference = welch(mean_interval(*_sums(a)), mean_interval(*_sums(b)))
    reference = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert difference.value == pytest.approx(35 / 8 - 33 / 10)
    assert difference.low == pytest.approx(reference.low) and difference.high == pytest.approx(reference.high)
    assert difference.significant == (reference.low > 0)
    # by hand: var a = (157 - 35^2/8) / 7 = 0.553571, var b = (117 - 33^2/10) / 9 = 0.9 -> se = sqrt(0.069196 + 0.09),
    # df = (0.069196 + 0.09)^2 / (0.069196^2 / 7 + 0.09^2 / 9) = 0.025343 / 0.001584 = 16.0
    assert math.sqrt(0.553571 / 8 + 0.9 / 10) == pytest.approx((difference.high - difference.value)
                                                               / stats.t.ppf(0.975, 16.0), rel=1e-3)
