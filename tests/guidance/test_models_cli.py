"""``assist models train --promote`` through the CLI: a version is served only if it passes the gate."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from assist.cli import main
from assist.guidance.registry import ModelRegistry
from assist.stores.sql import Database
from simulator.world import generate_history, write_history
from tests.models.trained import small_history


@lru_cache(maxsize=1)
def weak_model_history() -> pd.DataFrame:
    """World 3 history on which a one-tree model loses to its logistic baseline (DR 1.113 vs 1.214)."""
    return generate_history(3, 8000)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSIST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASSIST_DATABASE_URL", f"sqlite:///{tmp_path / 'assist.db'}")
    return tmp_path


def registered(data_dir: Path) -> dict[str, str]:
    async def statuses() -> dict[str, str]:
        db = Database(f"sqlite:///{data_dir / 'assist.db'}")
        try:
            return {row.version: row.status for row in await ModelRegistry(db, data_dir / "models").list()}
        finally:
            await db.close()

    return asyncio.run(statuses())


def test_train_promote_refuses_a_model_that_loses_to_its_own_baseline(data_dir, capsys):
    write_history(weak_model_history(), data_dir / "history.parquet")
    code = main(["models", "train", "--data", str(data_dir / "history.parquet"), "--trees", "1", "--promote"])
    err = capsys.readouterr().err
    assert code == 1
    assert "not promoted" in err and "below its own logistic baseline + guardrails" in err
    assert list(registered(data_dir).values()) == ["registered"]


def test_train_promote_serves_a_model_that_beats_its_baselines(data_dir, capsys):
    write_history(small_history(), data_dir / "history.parquet")
    code = main(["models", "train", "--data", str(data_dir / "history.parquet"), "--trees", "3", "--promote"])
    [version] = registered(data_dir)
    assert code == 0 and registered(data_dir) == {version: "promoted"}
    assert f"promoted {version}" in capsys.readouterr().out
