"""The SQL registry on both backends: register, promote, rollback; the watcher hot-reloads the scorer."""

from __future__ import annotations

import pytest

from assist.errors import Conflict, NotFound
from assist.guidance.model import ModelGuidance
from assist.guidance.registry import ModelRegistry, ModelWatcher
from assist.guidance.rules import RuleGuidance
from assist.stores.sql import Database
from tests.models.trained import saved_model


@pytest.fixture
async def registry(database_url, tmp_path):
    db = Database(database_url)
    await db.create_schema()
    try:
        yield ModelRegistry(db, tmp_path / "models")
    finally:
        await db.close()


async def test_promote_then_rollback_returns_to_the_previous_version(registry):
    for version in ("v1", "v2"):
        await registry.register(saved_model(registry.root, version))
    assert await registry.promoted() is None
    await registry.promote("v1")
    await registry.promote("v2")
    assert (await registry.promoted()).version == "v2"
    assert [r.status for r in await registry.list()].count("promoted") == 1
    assert (await registry.rollback()).version == "v1"
    assert (await registry.promoted()).version == "v1"
    row = next(r for r in await registry.list() if r.version == "v1")
    assert len(row.data_hash) == 64 and "sentiment" in row.features


async def test_unknown_version_and_nothing_to_roll_back_are_errors(registry):
    await registry.register(saved_model(registry.root, "v1"))
    with pytest.raises(NotFound):
        await registry.promote("v9")
    await registry.promote("v1")
    with pytest.raises(Conflict):
        await registry.rollback()
    with pytest.raises(Conflict):
        await registry.register(registry.root / "v1")


async def test_watcher_swaps_the_scorer_when_another_version_is_promoted(registry):
    for version in ("v1", "v2"):
        await registry.register(saved_model(registry.root, version))
    guidance = ModelGuidance(RuleGuidance())
    watcher = ModelWatcher(registry, guidance, interval=0.05)
    assert await watcher.check() is False and guidance.scorer is None
    await registry.promote("v1")
    assert await watcher.check() is True and guidance.version == "v1"
    held = guidance.scorer
    await registry.promote("v2")
    assert await watcher.check() is True and guidance.version == "v2"
    assert held is not None and held.version == "v1"  # a request holding v1 finishes with v1
    await registry.demote()
    assert await watcher.check() is True and guidance.scorer is None and not guidance._loaded.expected


async def test_corrupt_promoted_model_leaves_rules_answering_degraded(registry):
    path = saved_model(registry.root, "v1")
    await registry.register(path)
    (path / "resolve.txt").write_text("not a model")
    await registry.promote("v1")
    guidance = ModelGuidance(RuleGuidance())
    watcher = ModelWatcher(registry, guidance)
    assert await watcher.check() is True
    assert guidance.scorer is None and guidance._loaded.expected
    assert await watcher.check() is False  # not retried until another version is promoted


async def test_watcher_alerts_on_drifted_live_traffic(registry, caplog):
    from tests.guidance.test_model_guidance import live_input

    await registry.register(saved_model(registry.root, "v1"))
    await registry.promote("v1")
    guidance = ModelGuidance(RuleGuidance())
    watcher = ModelWatcher(registry, guidance)
    await watcher.check()
    assert watcher.check_drift(min_rows=10) == ()  # too little traffic to judge
    for _ in range(10):
        guidance.evaluate(live_input())  # every contact a refund on the phone: far from the training mix
    with caplog.at_level("WARNING"):
        alerts = watcher.check_drift(min_rows=10)
    assert "reason" in alerts and "feature drift" in caplog.text
