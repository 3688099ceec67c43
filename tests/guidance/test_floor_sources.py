"""``assist models retrain-live`` without ``--base``: the live export alone when it is enough, else the demo
world's history under it (said), else a clear refusal."""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from assist.cli import main
from assist.guidance.floor import NoTrainingData, live_shortfall, retrain_from_floor
from assist.guidance.registry import ModelRegistry
from assist.stores.sql import Database
from simulator.world import generate_history
from tests.guidance.floor import store_live
from tests.guidance.test_floor_job import JOB

LIVE = 1500


@pytest.fixture
async def floor_only(sqlite_settings):
    """A registry with nothing promoted and 1 500 closed live contacts."""
    db = Database(sqlite_settings.resolved_database_url)
    await db.create_schema()
    await store_live(db, generate_history(3, LIVE, seed=41))
    try:
        yield ModelRegistry(db, sqlite_settings.data_dir / "models")
    finally:
        await db.close()


def trained_rows(run) -> int:
    return sum(run.trained.models.metadata["rows"].values())


async def test_an_export_large_enough_trains_alone(floor_only, sqlite_settings):
    run = await asyncio.to_thread(retrain_from_floor, sqlite_settings, JOB, min_live_rows=LIVE)
    assert run.source.startswith("the live export alone") and trained_rows(run) == LIVE


async def test_a_small_export_trains_on_the_demo_world_first_and_says_so(floor_only, sqlite_settings):
    run = await asyncio.to_thread(retrain_from_floor, sqlite_settings, JOB)
    assert "demo world" in run.source and "too small" in run.source
    assert trained_rows(run) > LIVE and run.trained is not None


async def test_no_export_large_enough_and_no_synthetic_history_is_refused_clearly(floor_only, sqlite_settings):
    settings = sqlite_settings.model_copy(update={"demo_model": False})
    with pytest.raises(NoTrainingData, match="--base"):
        await asyncio.to_thread(retrain_from_floor, settings, JOB)
    assert await floor_only.list() == []


def test_an_action_the_floor_never_showed_is_a_shortfall():
    history = generate_history(3, 3000, seed=43)
    history = history[history["action"] != "offer_plan_change"]
    assert "offer_plan_change (0)" in (live_shortfall(history, JOB, min_rows=100) or "")
    assert live_shortfall(generate_history(3, 3000, seed=43), JOB, min_rows=100) is None


async def test_the_command_exits_2_naming_what_to_do_when_there_is_nothing_to_train_on(floor_only, sqlite_settings):
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, redirect_stdout(out), redirect_stderr(err):
        env.setenv("ASSIST_DATA_DIR", str(sqlite_settings.data_dir))
        env.setenv("ASSIST_DATABASE_URL", sqlite_settings.resolved_database_url)
        env.setenv("ASSIST_DEMO_MODEL", "false")
        code = await asyncio.to_thread(main, ["models", "retrain-live", "--trees", "3"])
    assert code == 2
    assert "not retrained" in err.getvalue() and "--base" in err.getvalue()
