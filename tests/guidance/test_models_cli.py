"""``assist models train`` through the CLI: progress, a readable summary, and promotion only through the gate."""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from assist.cli import main
from assist.guidance.registry import ModelRegistry
from assist.stores.sql import Database
from models.artifacts import load_metadata
from simulator.world import generate_history, write_history
from tests.models.trained import small_history


@lru_cache(maxsize=1)
def weak_model_history() -> pd.DataFrame:
    """World 3 history on which a one-tree model loses to its logistic baseline (DR 1.113 vs 1.214)."""
    return generate_history(3, 8000)


@dataclass
class Run:
    code: int
    out: str
    err: str
    data_dir: Path

    def registered(self) -> dict[str, str]:
        async def statuses() -> dict[str, str]:
            db = Database(f"sqlite:///{self.data_dir / 'assist.db'}")
            try:
                return {row.version: row.status for row in await ModelRegistry(db, self.data_dir / "models").list()}
            finally:
                await db.close()

        return asyncio.run(statuses())


def train(data_dir: Path, history: pd.DataFrame, *args: str) -> Run:
    """Run ``assist models train`` on ``history`` with its own data dir and SQLite registry."""
    write_history(history, data_dir / "history.parquet")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, redirect_stdout(out), redirect_stderr(err):
        env.setenv("ASSIST_DATA_DIR", str(data_dir))
        env.setenv("ASSIST_DATABASE_URL", f"sqlite:///{data_dir / 'assist.db'}")
        code = main(["models", "train", "--data", str(data_dir / "history.parquet"), *args])
    return Run(code, out.getvalue(), err.getvalue(), data_dir)


@pytest.fixture(scope="module")
def promoted(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A three-tree model whose DR estimate beats its baselines on the small history, trained with --promote."""
    return train(tmp_path_factory.mktemp("promoted"), small_history(), "--trees", "3", "--promote")


def test_train_promote_refuses_a_model_that_loses_to_its_own_baseline(tmp_path):
    run = train(tmp_path, weak_model_history(), "--trees", "1", "--promote")
    assert run.code == 1
    assert "not promoted" in run.err and "below its own logistic baseline + guardrails" in run.err
    assert list(run.registered().values()) == ["registered"]


def test_train_promote_serves_a_model_whose_estimate_beats_its_baselines(promoted):
    [version] = promoted.registered()
    assert promoted.code == 0 and promoted.registered() == {version: "promoted"}
    assert promoted.out.rstrip().endswith(f"promoted {version}")


def test_train_ends_with_a_summary_table_not_raw_json(promoted):
    lines = promoted.out.splitlines()
    assert not any(line.lstrip().startswith(("{", "}", '"')) for line in lines)
    header = next(line for line in lines if line.startswith("policy "))
    assert header.split() == ["policy", "true", "value", "as", "served", "regret", "IPS", "DR"]
    for policy in ("learned + guardrails", "logistic baseline + guardrails", "rules", "logging policy"):
        assert any(line.startswith(policy + " ") and "±" in line for line in lines), policy
    assert any(line.startswith("value models") and "RMSE" in line for line in lines)


def test_train_shows_its_steps_on_a_progress_bar_that_ends_complete(promoted):
    final = promoted.err.replace("\r", "\n").rstrip().splitlines()[-1]  # what the bar shows last
    assert final.startswith("assist models train:") and "19/19" in final and final.endswith("registered")


def test_train_refuses_a_crm_field_the_served_context_does_not_have(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["models", "train", "--data", str(tmp_path / "none.parquet"), "--crm-fields", "temperament,segment"])
    assert exit_.value.code == 2 and "not CRM fields: segment" in capsys.readouterr().err


def trained_config(run: Run) -> dict:
    [version] = run.registered()
    return load_metadata(run.data_dir / "models" / version)["config"]


def test_train_reads_temperament_from_words_at_the_threshold_the_service_serves_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_TEMPERAMENT_THRESHOLD", "0.7")
    run = train(tmp_path, small_history(), "--trees", "3")
    assert run.code == 0 and trained_config(run)["temperament_threshold"] == 0.7


def test_train_no_temperament_detection_trains_with_temperament_unknown(tmp_path):
    run = train(tmp_path, small_history(), "--trees", "3", "--no-temperament-detection")
    assert run.code == 0 and trained_config(run)["temperament_threshold"] is None
