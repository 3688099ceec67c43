"""Live prompts carry what learning from the floor needs: a propensity, and the context they were chosen on."""

from __future__ import annotations

import numpy as np
from sqlmodel import select

from assist.guidance.model import ModelGuidance
from assist.guidance.rules import RuleGuidance
from assist.records.journal import RecordJournal
from assist.records.writer import RecordWriter
from assist.settings import ExplorationSetting, Settings
from assist.stores.tables import PromptRecord
from models.exploration import Exploration
from models.scorer import Scorer
from tests.guidance.test_model_guidance import live_input
from tests.models.trained import small_model
from tests.stream.test_records import redis  # noqa: F401 - the fixture


def guidance(**kwargs) -> ModelGuidance:
    return ModelGuidance(RuleGuidance(), Scorer(small_model()[0]), rng=np.random.default_rng(0), **kwargs)


def test_exploration_is_off_unless_configured(settings):
    assert settings.exploration == {}
    g = guidance()
    shown = [g.evaluate(live_input())[0] for _ in range(20)]
    assert {p.action for p in shown} == {shown[0].action} and all(p.propensity == 1.0 for p in shown)


def test_exploration_is_set_per_queue():
    g = guidance(exploration={"refund": Exploration("epsilon", epsilon=1.0)})
    explored = [g.evaluate(live_input().model_copy(update={"queue": "refund"}))[0] for _ in range(40)]
    elsewhere = [g.evaluate(live_input().model_copy(update={"queue": "outage"}))[0] for _ in range(10)]
    assert len({p.action for p in explored}) > 1 and all(p.propensity < 1.0 for p in explored)
    assert all(p.propensity == 1.0 for p in elsewhere)


def test_the_exploration_setting_reads_json_per_queue(monkeypatch):
    monkeypatch.setenv("ASSIST_EXPLORATION", '{"*": {"method": "softmax", "temperature": 0.1}}')
    assert Settings().exploration == {"*": ExplorationSetting(method="softmax", temperature=0.1)}


def test_every_prompt_carries_its_context_but_the_panel_never_sees_it():
    for g in (guidance(), ModelGuidance(RuleGuidance())):
        [first, *_] = g.evaluate(live_input())
        assert first.context is not None and first.context["reason"] == "refund"
        assert first.context["plan"] is None  # unknown stays unknown (null in JSON, never 0)
        assert "context" not in first.model_dump() and "propensity" in first.model_dump()


async def test_the_prompt_record_keeps_propensity_and_context(redis, database):  # noqa: F811
    journal = RecordJournal(redis.client, redis.keys, redis.commands)
    g = guidance(exploration={"*": Exploration("epsilon", epsilon=0.5)})
    prompts = g.evaluate(live_input())
    await journal.shown("S-1", "J-1", "A1", False, prompts)
    assert await RecordWriter(journal, database).flush()
    async with database.session() as s:
        [row] = (await s.exec(select(PromptRecord))).all()
    assert row.propensity == prompts[0].propensity and 0 < row.propensity <= 1
    assert row.context == prompts[0].context and row.context["refund_limit"] == 50.0



def test_practice_contacts_never_explore():
    g = guidance(exploration={"*": Exploration("epsilon", epsilon=1.0)})
    practice = live_input(practice=True)
    shown = [g.evaluate(practice)[0] for _ in range(20)]
    assert all(p.propensity == 1.0 for p in shown) and len({p.action for p in shown}) == 1
