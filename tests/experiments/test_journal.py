"""The arm reaches SQL through the record journal, so a database outage loses neither prompts' nor contacts' arms."""

from __future__ import annotations

import pytest

from assist.guidance.interface import Prompt
from assist.records.journal import RecordJournal, prompts_entry
from assist.records.writer import RecordWriter
from assist.stores.redis import RedisStore
from assist.stores.tables import Customer, Interaction, PromptRecord
from tests.conftest import key_prefix


@pytest.fixture
async def journal(redis_url):
    store = RedisStore(redis_url, key_prefix(redis_url))
    yield RecordJournal(store.client, store.keys, store.commands)
    keys = [key async for key in store.client.scan_iter(match=f"{store.keys.prefix}:*")]
    if keys:
        await store.client.delete(*keys)
    await store.close()


async def test_journaled_prompts_and_close_are_written_with_their_experiment_and_arm(journal, database):
    # what a close and a prompt leave in the journal while the database is down, written once it answers
    prompt = Prompt(action="verify_identity", title="Verify", text="Verify first.", confidence=0.9)
    entry = prompts_entry("S-1", "J-1", "A1", False, [prompt], 1_900_000_000.0, experiment_id="X-1", arm="hold out")
    await journal.commands.call(("XADD", journal.key, "*", "k", "prompts", "e", entry))
    await journal.append("interaction", {"id": "I-S-1", "customer_id": "C1", "journey_id": "J-1", "channel": "chat",
                                         "agent_id": "A1", "intent": "refund", "outcome": "resolved", "csat": 5,
                                         "summary": "", "disposition": None, "practice": False,
                                         "experiment_id": "X-1", "arm": "hold out",
                                         "started_at": 1_900_000_000.0, "ended_at": 1_900_000_300.0})
    async with database.session() as s:
        s.add(Customer(id="C1"))
    assert await RecordWriter(journal, database).flush()
    async with database.session() as s:
        record = await s.get(PromptRecord, prompt.id)
        interaction = await s.get(Interaction, "I-S-1")
    assert (record.experiment_id, record.arm) == ("X-1", "hold out")
    assert (interaction.experiment_id, interaction.arm) == ("X-1", "hold out")


async def test_entries_journaled_before_experiments_existed_are_written_without_an_arm(journal, database):
    prompt = Prompt(action="verify_identity", title="Verify", text="Verify first.", confidence=0.9)
    await journal.shown("S-2", None, "A1", False, [prompt])
    assert await RecordWriter(journal, database).flush()
    async with database.session() as s:
        record = await s.get(PromptRecord, prompt.id)
    assert (record.experiment_id, record.arm) == (None, None)
