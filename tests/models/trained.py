"""A small history and a small trained model, made once per test process (a few seconds)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from models.artifacts import save_version
from models.training import Split, TrainConfig, TrainedModels, train
from simulator.world import generate_history

SMALL = TrainConfig(n_estimators=25, num_leaves=7, max_depth=3, min_child_samples=10, resolve_estimators=25)


@lru_cache(maxsize=1)
def small_history() -> pd.DataFrame:
    return generate_history(3, 4000)


@lru_cache(maxsize=1)
def small_model() -> tuple[TrainedModels, Split]:
    return train(small_history(), SMALL)


@lru_cache(maxsize=1)
def logged_context_model() -> TrainedModels:
    """The small model trained on history as logged, not as the service sees it (to show the skew)."""
    return train(small_history(), replace(SMALL, context="full"))[0]


def saved_model(root: Path, version: str = "v1") -> Path:
    models, _ = small_model()
    return save_version(models, root, version)
