"""A version directory round-trips exactly, and a broken one is refused with ArtifactError."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.artifacts import ArtifactError, load_version
from models.features import feature_matrix
from models.scorer import Scorer
from tests.models.trained import saved_model, small_history, small_model


def test_saved_version_predicts_exactly_as_trained(tmp_path):
    models, _ = small_model()
    loaded = load_version(saved_model(tmp_path))
    X = feature_matrix(small_history().head(50))
    np.testing.assert_allclose(loaded.values(X), models.values(X))
    acts = np.array(["verify_identity"] * 50, dtype=object)
    np.testing.assert_allclose(loaded.confidence(X, acts), models.confidence(X, acts))
    assert loaded.metadata["version"] == "v1" and len(loaded.metadata["data_hash"]) == 64


def test_truncated_model_file_is_refused(tmp_path):
    path = saved_model(tmp_path)
    target = path / "value-offer_refund_small.txt"
    target.write_text(target.read_text()[:200])
    with pytest.raises(ArtifactError):
        Scorer.load(path)


def test_missing_file_is_refused(tmp_path):
    path = saved_model(tmp_path)
    (path / "resolve.txt").unlink()
    with pytest.raises(ArtifactError):
        load_version(path)


def test_version_built_for_other_features_is_refused(tmp_path):
    path = saved_model(tmp_path)
    meta = (path / "metadata.json").read_text().replace('"sentiment"', '"mood"')
    (path / "metadata.json").write_text(meta)
    with pytest.raises(ArtifactError, match="other features"):
        load_version(path)


def test_an_existing_version_is_never_overwritten(tmp_path):
    saved_model(tmp_path)
    with pytest.raises(FileExistsError):
        saved_model(tmp_path)


def test_a_version_saved_before_temperament_memory_is_served_without_it(tmp_path):
    path = saved_model(tmp_path)
    meta = json.loads((path / "metadata.json").read_text())
    assert load_version(path).config.temperament_memory  # trained with memory, as the service remembers
    meta["config"].pop("temperament_memory")
    (path / "metadata.json").write_text(json.dumps(meta))
    assert not load_version(path).config.temperament_memory
