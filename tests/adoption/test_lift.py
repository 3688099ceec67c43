"""Outcome lift of followed guidance, its interval, the small-sample warning and the observational caveat."""

from __future__ import annotations

import math

import pytest

from assist.adoption.facts import Scope
from assist.adoption.lift import CAVEAT, Z95, lift, lift_report, wilson
from tests.adoption.events import NOW, known_events


def test_wilson_interval_matches_the_formula_worked_by_hand():
    # 8 of 10: p = 0.8, z^2/n = 0.38415, centre = (0.8 + 0.19207) / 1.38415, half = z/1.38415 * sqrt(0.016 + 0.0096)
    z2 = Z95 ** 2
    centre = (0.8 + z2 / 20) / (1 + z2 / 10)
    half = Z95 / (1 + z2 / 10) * math.sqrt(0.8 * 0.2 / 10 + z2 / 400)
    interval = wilson(8, 10)
    assert interval.rate == 0.8
    assert interval.low == pytest.approx(centre - half) == pytest.approx(0.4902, abs=1e-4)
    assert interval.high == pytest.approx(centre + half) == pytest.approx(0.9433, abs=1e-4)


def test_difference_interval_matches_newcombes_published_examples():
    # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10
    a = lift("a", wilson(56, 70), wilson(48, 80))
    assert (a.difference, round(a.low, 4), round(a.high, 4)) == (0.2, 0.0524, 0.3339)
    assert a.enough_data and a.warning is None
    b = lift("b", wilson(9, 10), wilson(3, 10))
    assert (round(b.low, 4), round(b.high, 4)) == (0.1705, 0.8090)


def test_a_thin_side_is_flagged_too_small_to_read():
    result = lift("x", wilson(9, 10), wilson(40, 60))
    assert not result.enough_data
    assert result.warning == "Too small a sample to read: 10 followed (need 30)."
    lopsided = lift("y", wilson(38, 40), wilson(30, 60))  # only 2 unresolved when followed
    assert lopsided.warning == "Too small a sample to read: fewer than 5 resolved or unresolved when followed."


def test_nothing_on_one_side_gives_no_difference():
    result = lift("z", wilson(0, 0), wilson(3, 40))
    assert (result.difference, result.low, result.enough_data) == (None, None, False)


async def test_lift_from_the_known_events_counts_closed_contacts_only(db):
    await known_events(db)
    async with db.session() as s:
        report = await lift_report(s, Scope(), ignore_after_seconds=300, now=NOW)
    overall = report.overall
    # followed: P1 (S1 resolved), P5 (S2 transferred) -> 1 of 2; not: P2, P3 (resolved), P4 (not) -> 2 of 3
    assert (overall.followed.successes, overall.followed.n) == (1, 2)
    assert (overall.not_followed.successes, overall.not_followed.n) == (2, 3)
    assert overall.difference == pytest.approx(0.5 - 2 / 3, abs=1e-6)
    assert overall.low < overall.difference < overall.high
    assert not overall.enough_data and "2 followed (need 30)" in overall.warning
    assert report.caveat == CAVEAT and "Observational" in report.caveat
    verify = next(x for x in report.by_action if x.key == "verify_identity")
    assert (verify.followed.n, verify.not_followed.n) == (1, 1)  # P6, P7 belong to a contact still going
