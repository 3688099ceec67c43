"""An experiment's results from the known event set, on SQLite and PostgreSQL, checked against hand figures."""

from __future__ import annotations

import pytest
from scipy import stats

from assist.experiments.results import results
from assist.experiments.tables import Experiment
from tests.experiments import events
from tests.experiments.events import EXPERIMENT, NOW, known_experiment


async def report(db, min_difference=None):
    await known_experiment(db)
    async with db.session() as s:
        experiment = await s.get(Experiment, EXPERIMENT)
        return await results(s, experiment, min_difference=min_difference, now=NOW)


async def test_each_arm_counts_its_closed_live_contacts_and_their_resolution(db):
    result = await report(db)
    rules, model = result.arms
    assert (rules.arm, rules.control, rules.contacts, rules.resolution.successes) == ("rules", True, 80, 48)
    assert (model.arm, model.control, model.contacts, model.resolution.successes) == ("model", False, 70, 56)
    assert (rules.resolution.rate, model.resolution.rate) == (0.6, 0.8)
    assert (rules.prompts, model.prompts) == (3, 2)


async def test_the_resolution_difference_has_newcombes_published_interval(db):
    # Newcombe (1998) table II, method 10: 56/70 - 48/80 = +0.200, 95 % 0.0524 to 0.3339
    comparison = (await report(db)).comparisons[0]
    assert (comparison.arm, comparison.versus) == ("model", "rules")
    difference = comparison.resolution
    assert difference.value == pytest.approx(0.2)
    assert (round(difference.low, 4), round(difference.high, 4)) == (0.0524, 0.3339)
    assert difference.significant and difference.method == "newcombe"


async def test_csat_and_handle_time_differences_are_welch_intervals(db):
    result = await report(db)
    rules, model = result.arms
    assert (rules.csat.n, rules.csat.mean) == (10, pytest.approx(33 / 10))
    assert (model.csat.n, model.csat.mean) == (8, pytest.approx(35 / 8))
    assert rules.handle_seconds.mean == pytest.approx(sum(events.RULES_HANDLE) / 80)  # 320 s
    assert model.handle_seconds.mean == pytest.approx(sum(events.MODEL_HANDLE) / 70, abs=1e-3)
    comparison = result.comparisons[0]
    csat = stats.ttest_ind(events.MODEL_CSAT, events.RULES_CSAT, equal_var=False).confidence_interval(0.95)
    assert comparison.csat.value == pytest.approx(35 / 8 - 3.3)
    assert (comparison.csat.low, comparison.csat.high) == (pytest.approx(csat.low), pytest.approx(csat.high))
    handle = stats.ttest_ind(events.MODEL_HANDLE, events.RULES_HANDLE, equal_var=False).confidence_interval(0.95)
    assert comparison.handle_seconds.low == pytest.approx(handle.low, abs=1e-3)
    assert comparison.handle_seconds.high == pytest.approx(handle.high, abs=1e-3)
    assert comparison.handle_seconds.significant  # model contacts are shorter


async def test_the_observed_difference_needs_82_per_arm_so_70_is_underpowered(db):
    # 0.6 vs 0.8: (1.959964 * sqrt(0.42) + 0.841621 * sqrt(0.4))^2 / 0.04 = 81.22 -> 82 per arm
    comparison = (await report(db)).comparisons[0]
    assert (comparison.detect, comparison.needed_per_arm, comparison.underpowered) == (pytest.approx(0.2), 82, True)
    assert comparison.warning.startswith("Underpowered: 70 contacts in the smaller arm, 82 per arm needed")


async def test_a_stated_minimum_difference_sets_the_sample_size(db):
    # 0.6 vs 0.9: (1.959964 * sqrt(0.375) + 0.841621 * sqrt(0.33))^2 / 0.09 = 31.50 -> 32 per arm: 70 is enough
    comparison = (await report(db, min_difference=0.3)).comparisons[0]
    assert (comparison.detect, comparison.needed_per_arm, comparison.underpowered) == (0.3, 32, False)
    assert comparison.warning is None


async def test_an_experiment_without_contacts_reports_empty_arms(db):
    await known_experiment(db)
    async with db.session() as s:
        other = await s.get(Experiment, "X-other")
        result = await results(s, other, now=NOW)  # its one contact is in arm rules; model has none
    assert [a.contacts for a in result.arms] == [1, 0]
    comparison = result.comparisons[0]
    assert comparison.resolution.value is None and comparison.underpowered
