"""Settings refuse what would be unsafe to run."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assist.settings import Settings


def test_production_refuses_the_development_secret():
    with pytest.raises(ValidationError, match="real secret"):
        Settings(environment="production")


def test_short_secret_is_refused():
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(jwt_secret="short")


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'assist.db'}"


def test_environment_prefix_is_assist(monkeypatch):
    monkeypatch.setenv("ASSIST_PORT", "9123")
    assert Settings().port == 9123


def test_production_refuses_demo_mode():
    with pytest.raises(ValidationError, match="DEMO_MODE"):
        Settings(environment="production", jwt_secret="x" * 40, demo_mode=True)


def test_garbage_collector_thresholds_come_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("ASSIST_GC_THRESHOLDS", "[700, 10, 10]")
    assert Settings().gc_thresholds == (700, 10, 10)


@pytest.mark.parametrize("value", ["[0, 10, 10]", "[700, 10]", '"fast"'])
def test_garbage_collector_thresholds_refuse_what_would_turn_collection_off_or_is_not_three_counts(
        monkeypatch, value):
    monkeypatch.setenv("ASSIST_GC_THRESHOLDS", value)
    with pytest.raises(ValidationError, match="gc_thresholds"):
        Settings()
