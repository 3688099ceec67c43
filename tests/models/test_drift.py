"""PSI per field: quiet on a sample like the training data, loud on a shifted one."""

from __future__ import annotations

import numpy as np
import pytest

from models.drift import DriftMonitor, build_profile, drift_report, psi
from models.features import feature_matrix
from simulator.world import generate_history
from tests.models.trained import small_history


def test_psi_of_identical_shares_is_zero_and_grows_with_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert psi([0.5, 0.5], [0.6, 0.4]) < psi([0.5, 0.5], [0.9, 0.1])


def test_a_fresh_sample_from_the_same_world_raises_no_alert():
    profile = build_profile(feature_matrix(small_history()))
    report = drift_report(profile, feature_matrix(generate_history(3, 3000, seed=99)))
    assert report.alerts == ()


def test_a_shifted_sample_alerts_on_the_fields_that_moved():
    profile = build_profile(feature_matrix(small_history()))
    live = generate_history(3, 3000, seed=99)
    live["sentiment"] = (live["sentiment"] - 0.6).clip(-1, 1)
    live["reason"] = "cancel"
    report = drift_report(profile, feature_matrix(live))
    assert set(report.alerts) == {"sentiment", "reason"}
    assert "ALERT" in report.to_markdown()


def test_monitor_keeps_the_last_rows_and_reports():
    X = feature_matrix(small_history())
    monitor = DriftMonitor(build_profile(X), capacity=100)
    with pytest.raises(ValueError):
        monitor.report()
    for row in X[:250]:
        monitor.add(row)
    assert len(monitor) == 100 and monitor.report().rows == 100
    assert np.isfinite(list(monitor.report().psi.values())).all()
