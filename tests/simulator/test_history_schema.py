from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.world import ACTIONS, HISTORY_COLUMNS, LoggingPolicy, read_history, write_history


def test_columns_and_dtypes_follow_the_schema(history: pd.DataFrame) -> None:
    assert list(history.columns) == [c.name for c in HISTORY_COLUMNS]
    assert {c.name: str(history[c.name].dtype) for c in HISTORY_COLUMNS} == {c.name: c.dtype for c in HISTORY_COLUMNS}


def test_non_nullable_columns_have_no_nulls(history: pd.DataFrame) -> None:
    for column in HISTORY_COLUMNS:
        if not column.nullable:
            assert not history[column.name].isna().any(), column.name


def test_propensities_are_probabilities(history: pd.DataFrame) -> None:
    assert history["propensity"].gt(0).all() and history["propensity"].le(1).all()


def test_propensities_match_the_logging_policy(history: pd.DataFrame) -> None:
    probs = LoggingPolicy().propensities(history)
    taken = [ACTIONS.index(a) for a in history["action"]]
    np.testing.assert_allclose(history["propensity"].to_numpy(), probs[np.arange(len(history)), taken])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs.min() >= LoggingPolicy().epsilon / len(ACTIONS) - 1e-12


def test_actions_logged_follow_their_propensities(history: pd.DataFrame) -> None:
    expected = LoggingPolicy().propensities(history).sum(axis=0)
    observed = history["action"].value_counts().reindex(ACTIONS).to_numpy()
    assert np.all(np.abs(observed - expected) < 5 * np.sqrt(expected) + 5)


def test_every_action_is_logged(history: pd.DataFrame) -> None:
    assert set(history["action"]) == set(ACTIONS)


def test_csat_is_one_to_five(history: pd.DataFrame) -> None:
    assert history["csat"].dropna().between(1, 5).all()


def test_parquet_round_trip_keeps_everything(history: pd.DataFrame, tmp_path: Path) -> None:
    path = write_history(history.head(2_000), tmp_path / "history.parquet")
    pd.testing.assert_frame_equal(read_history(path), history.head(2_000))


def test_csv_round_trip_keeps_everything(history: pd.DataFrame, tmp_path: Path) -> None:
    path = write_history(history.head(2_000), tmp_path / "history.csv")
    pd.testing.assert_frame_equal(read_history(path), history.head(2_000))


def test_import_without_a_required_column_is_refused(history: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "real_export.csv"
    history.head(50).drop(columns=["propensity"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="propensity"):
        read_history(path)


def test_unknown_file_type_is_refused(history: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="parquet or .csv"):
        write_history(history.head(5), tmp_path / "history.xlsx")
