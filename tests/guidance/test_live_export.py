"""``assist models export-live``: live prompts, propensities and outcomes in the history schema, ready to train."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from assist.cli import main
from assist.guidance.export import export_live
from assist.stores.sql import Database
from assist.stores.tables import PromptRecord
from models.context import served_history
from models.features import feature_matrix
from models.training import train
from simulator.world import generate_history
from simulator.world.schema import read_history, validate_history
from tests.guidance.floor import store_live
from tests.models.trained import SMALL


async def test_the_export_follows_the_history_schema_and_keeps_what_was_shown(database):
    history = generate_history(3, 300, seed=11)
    await store_live(database, history)
    export = await export_live(database)
    validate_history(export.frame)
    got = export.frame.sort_values("interaction_id").reset_index(drop=True)
    want = history.assign(interaction_id="P-" + history["interaction_id"]).sort_values("interaction_id")
    want = want.reset_index(drop=True)
    for column in ("action", "propensity", "reason", "channel", "resolved", "csat", "customer_id"):
        pd.testing.assert_series_equal(got[column], want[column], check_names=False)
    assert set(got["logging_policy"]) == {"assist/v1"}


async def test_the_export_gives_training_the_features_the_service_served(database):
    history = generate_history(3, 300, seed=12)
    await store_live(database, history)
    got = (await export_live(database)).frame.sort_values("interaction_id").reset_index(drop=True)
    want = history.sort_values("interaction_id").reset_index(drop=True)  # the export's ids: "P-" + these
    # the exported temperament is the one served (detected live), kept as it is, not detected again
    np.testing.assert_array_equal(feature_matrix(served_history(got)), feature_matrix(served_history(want)))


async def test_prompts_without_a_closed_contact_or_a_context_are_left_out_and_counted(database):
    history = generate_history(3, 20, seed=13)
    await store_live(database, history)
    async with database.session() as s:
        s.add(PromptRecord(id="P-open", session_id="S-still-open", agent_id="A1", action="verify_identity",
                           confidence=0.5, source="rules", propensity=1.0, context={"reason": "refund"}))
        s.add(PromptRecord(id="P-old", session_id=f"S-{history['interaction_id'][0]}", agent_id="A1",
                           action="verify_identity", confidence=0.5, source="rules"))
    export = await export_live(database)
    assert len(export.frame) == 20
    assert export.skipped == {"contact not closed, or caller never identified": 1,
                              "no context logged (shown before migration 0005)": 1}


async def test_a_model_trains_on_the_live_export(tmp_path):
    """Backend-independent past the export (tested on both above): one SQLite file keeps it cheap."""
    database = Database(f"sqlite:///{tmp_path / 'live.db'}")
    await database.create_schema()
    try:
        await store_live(database, generate_history(3, 1500, seed=14))
        models, split = train((await export_live(database)).frame, replace(SMALL, min_child_samples=4))
    finally:
        await database.close()
    assert set(models.value_models) == set(models.actions) and len(split.test) == 300


async def test_export_live_command_writes_a_history_file_and_says_what_it_left_out(sqlite_settings, capsys):
    database = Database(sqlite_settings.resolved_database_url)
    await database.create_schema()
    try:
        await store_live(database, generate_history(3, 40, seed=15))
        async with database.session() as s:
            s.add(PromptRecord(id="P-open", session_id="S-open", agent_id="A1", action="verify_identity",
                               confidence=0.5, source="rules", propensity=1.0, context={"reason": "refund"}))
    finally:
        await database.close()
    out = sqlite_settings.data_dir / "live.parquet"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ASSIST_DATA_DIR", str(sqlite_settings.data_dir))
        env.setenv("ASSIST_DATABASE_URL", sqlite_settings.resolved_database_url)
        code = await asyncio.to_thread(main, ["models", "export-live", "--out", str(out)])
    assert code == 0 and len(read_history(out)) == 40
    printed = capsys.readouterr().out
    assert f"wrote 40 decisions to {out}" in printed and "left out 1: contact not closed" in printed
