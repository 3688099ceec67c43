"""``assist serve --demo`` (``make run``): the first start trains, gates and promotes a model; later ones reuse it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from assist.demo import DemoModel, ensure_demo_model
from assist.guidance.floor import registry_call
from assist.settings import Settings
from tests.conftest import TEST_SECRET
from tests.models.trained import SMALL

SMALL_WORLD = {"rows": 5000, "config": replace(SMALL, n_estimators=30, resolve_estimators=30)}
"""A small demo world: the same code path as ``make run``'s 20 000 contacts, in a few seconds."""


@dataclass
class FirstStart:
    settings: Settings
    model: DemoModel
    steps: list[str]


@pytest.fixture(scope="module")
def first_start(tmp_path_factory: pytest.TempPathFactory) -> FirstStart:
    """One first start on a fresh data dir (trained once for the module: the box is shared)."""
    data_dir = tmp_path_factory.mktemp("demo")
    settings = Settings(environment="test", data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'assist.db'}",
                        jwt_secret=TEST_SECRET)  # type: ignore[arg-type]
    steps: list[str] = []
    return FirstStart(settings, ensure_demo_model(settings, progress=steps.append, **SMALL_WORLD), steps)


def test_the_first_demo_start_trains_and_promotes_a_gated_model(first_start):
    promoted = registry_call(first_start.settings, lambda r: r.promoted())
    assert first_start.model.trained and first_start.model.promoted and first_start.model.refusals == ()
    assert promoted is not None and promoted.version == first_start.model.version


def test_the_first_demo_start_reports_each_step_for_its_progress_bar(first_start):
    assert first_start.steps[0] == "demo world: 5,000 contacts" and first_start.steps[-1] == "registered"
    assert any(s.startswith("value model: ") for s in first_start.steps)


def test_a_later_start_serves_the_promoted_model_without_training(first_start):
    again = ensure_demo_model(first_start.settings, **SMALL_WORLD)
    assert not again.trained and again.version == first_start.model.version
    versions = registry_call(first_start.settings, lambda r: r.list())
    assert [v.version for v in versions] == [first_start.model.version]


def test_the_demo_model_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("ASSIST_DEMO_MODEL", "false")
    assert Settings().demo_model is False
