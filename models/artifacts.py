"""A model version on disk: one directory of plain files, no pickles.

``metadata.json`` (version, data hash, metrics, feature list, drift reference), ``value-<action>.txt``
(LightGBM text models), ``resolve.txt``, ``calibrator.json``, ``baseline.json``. ``save_version`` writes
into a temporary sibling and renames it, so a reader never sees a half-written version.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from models.baseline import LinearBaseline
from models.features import FEATURES
from models.training import Calibrator, TrainConfig, TrainedModels

__all__ = ["ArtifactError", "load_metadata", "load_version", "new_version_id", "save_version"]

METADATA = "metadata.json"


class ArtifactError(Exception):
    """A version directory that is missing, incomplete, corrupt, or built for other features."""


def new_version_id(data_hash: str, now: datetime | None = None) -> str:
    """``nba-YYYYmmdd-HHMMSS-<hash8>``: sortable by time, traceable to the data."""
    now = now or datetime.now(UTC)
    return f"nba-{now:%Y%m%d-%H%M%S}-{data_hash[:8]}"


def save_version(models: TrainedModels, root: str | Path, version: str | None = None,
                 extra: dict[str, Any] | None = None) -> Path:
    """Write ``models`` as ``root/<version>`` and return that directory; raises FileExistsError if taken."""
    version = version or new_version_id(models.metadata.get("data_hash", "0" * 8))
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / version
    if final.exists():
        raise FileExistsError(final)
    tmp = root / f".{version}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for action, booster in models.value_models.items():
        booster.save_model(str(tmp / f"value-{action}.txt"))
    models.resolve_model.save_model(str(tmp / "resolve.txt"))
    (tmp / "calibrator.json").write_text(json.dumps({"x": models.calibrator.x.tolist(),
                                                     "y": models.calibrator.y.tolist()}))
    (tmp / "baseline.json").write_text(json.dumps(models.baseline.to_json()))
    metadata = {**models.metadata, **(extra or {}), "version": version, "actions": list(models.actions),
                "features": list(FEATURES), "csat_fill": models.csat_fill,
                "saved_at": datetime.now(UTC).isoformat()}
    (tmp / METADATA).write_text(json.dumps(metadata, indent=1, default=_json_default))
    tmp.rename(final)
    models.metadata = metadata
    return final


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def load_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of the version in ``path``; raises ArtifactError if it cannot be read."""
    try:
        return dict(json.loads((Path(path) / METADATA).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"cannot read {path}/{METADATA}: {exc}") from exc


def load_version(path: str | Path) -> TrainedModels:
    """Load the version in ``path``.

    Raises ArtifactError when a file is missing or corrupt, or the version was trained on a feature list
    other than this code's (serving it would silently misread every column).
    """
    path = Path(path)
    metadata = load_metadata(path)
    if metadata.get("features") != list(FEATURES):
        raise ArtifactError(f"{path.name} was trained on other features than this code builds")
    try:
        actions = tuple(metadata["actions"])
        values = {a: lgb.Booster(model_file=str(path / f"value-{a}.txt")) for a in actions}
        resolve = lgb.Booster(model_file=str(path / "resolve.txt"))
        cal = json.loads((path / "calibrator.json").read_text())
        baseline = LinearBaseline.from_json(json.loads((path / "baseline.json").read_text()))
        # A version saved before training went through the served context was trained on full contexts, one
        # saved before temperament detection never saw a temperament, one saved before memory never remembered.
        config = TrainConfig(**{"context": "full", "temperament_threshold": None, "temperament_memory": False,
                                **metadata.get("config", {})})
    except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
        raise ArtifactError(f"cannot load {path.name}: {exc}") from exc
    for action, booster in values.items():
        if booster.num_feature() != len(FEATURES):
            raise ArtifactError(f"{path.name}: value model {action} expects {booster.num_feature()} features")
    return TrainedModels(actions, values, resolve, Calibrator(np.asarray(cal["x"]), np.asarray(cal["y"])), baseline,
                         dict(metadata.get("csat_fill", {})), config, metadata)
