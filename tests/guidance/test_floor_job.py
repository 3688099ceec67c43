"""The retrain-and-gate job: export the floor's decisions, train, gate against the champion; drift starts it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from assist.guidance.floor import DriftRetrainer, retrain_from_floor
from assist.guidance.model import ModelGuidance
from assist.guidance.registry import ModelRegistry, ModelWatcher
from assist.guidance.rules import RuleGuidance
from assist.stores.sql import Database
from simulator.world import generate_history
from tests.guidance.floor import store_live
from tests.guidance.test_model_guidance import live_input
from tests.models.trained import SMALL, saved_model

JOB = replace(SMALL, min_child_samples=4)
"""Tiny, so a test's job trains in seconds."""


@pytest.fixture
async def floor(sqlite_settings):
    """A registry with v1 promoted and 1 500 closed live contacts of the world v1 learned from."""
    db = Database(sqlite_settings.resolved_database_url)
    await db.create_schema()
    registry = ModelRegistry(db, sqlite_settings.data_dir / "models")
    await registry.register(saved_model(registry.root, "v1"))
    await registry.promote("v1")
    await store_live(db, generate_history(3, 1500, seed=41))
    try:
        yield registry
    finally:
        await db.close()


async def test_drift_over_threshold_starts_the_retrain_and_gate_job(floor, sqlite_settings):
    retrainer = DriftRetrainer(sqlite_settings, JOB)
    guidance = ModelGuidance(RuleGuidance())
    watcher = ModelWatcher(floor, guidance, on_drift=retrainer.on_drift)
    await watcher.check()
    for _ in range(10):
        guidance.evaluate(live_input())  # every contact a refund on the phone: far from the training mix
    assert "reason" in watcher.check_drift(min_rows=10)
    retrainer.join(120)
    run = retrainer.last
    assert run is not None and run.exported == 1500 and run.trained is not None and run.decision is not None
    assert run.comparison is not None and run.comparison.rows == len(run.trained.split.test)
    versions = {v.version: v.status for v in await floor.list()}
    assert run.trained.row.version in versions
    assert (versions[run.trained.row.version] == "promoted") == run.decision.promote == run.promoted


async def test_no_drift_alert_starts_no_job(floor, sqlite_settings):
    retrainer = DriftRetrainer(sqlite_settings, JOB)
    guidance = ModelGuidance(RuleGuidance())
    watcher = ModelWatcher(floor, guidance, on_drift=retrainer.on_drift)
    await watcher.check()
    guidance.evaluate(live_input())
    assert watcher.check_drift(min_rows=10) == ()  # too little traffic to judge
    assert not retrainer.running and retrainer.last is None


async def test_the_job_on_demand_retrains_only_when_the_floor_drifted(floor, sqlite_settings):
    run = await asyncio.to_thread(retrain_from_floor, sqlite_settings, JOB, if_drifted=True)
    assert run.exported == 1500 and run.drift == () and run.trained is None
    assert "nothing retrained" in run.note
    assert [v.version for v in await floor.list()] == ["v1"]
