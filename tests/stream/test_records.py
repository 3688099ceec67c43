"""The record journal and its writer against the real Redis and SQL: what is shown, answered and closed reaches
SQL once, whatever fails in between."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from assist.auth.principal import Principal, Role
from assist.errors import Conflict, Forbidden, NotFound
from assist.guidance.feedback import record_feedback
from assist.guidance.interface import Prompt, Reason
from assist.journeys.state import JourneyState
from assist.records.journal import RecordJournal, prompts_entry
from assist.records.writer import RecordWriter
from assist.sessions.delivery import PromptLog
from assist.stores.redis import RedisStore
from assist.stores.tables import Customer, Interaction, Journey, PromptFeedback, PromptRecord
from assist.stream.protocol import PromptFeedbackData
from tests.conftest import key_prefix


@pytest.fixture
async def redis(redis_url):
    store = RedisStore(redis_url, key_prefix(redis_url))
    yield store
    keys = [key async for key in store.client.scan_iter(match=f"{store.keys.prefix}:*")]
    if keys:
        await store.client.delete(*keys)
    await store.close()


@pytest.fixture
def journal(redis) -> RecordJournal:
    return RecordJournal(redis.client, redis.keys, redis.commands)


def prompt(action: str = "verify_identity") -> Prompt:
    return Prompt(action=action, title="Verify", text="Verify first.", confidence=0.9)


async def show(journal: RecordJournal, *prompts: Prompt, agent_id: str = "A1") -> None:
    await journal.shown("S-1", "J-1", agent_id, False, list(prompts))


async def count(database, model) -> int:
    async with database.session() as s:
        return len((await s.exec(select(model))).all())


async def test_writer_flush_writes_journaled_prompts_and_empties_the_journal(journal, database):
    await show(journal, prompt(), prompt())
    assert await RecordWriter(journal, database).flush()
    assert await count(database, PromptRecord) == 2
    assert await journal.pending() == 0


async def test_writer_task_writes_what_was_journaled_within_its_interval(journal, database):
    writer = RecordWriter(journal, database, flush_seconds=0.1)
    await writer.start()
    try:
        await show(journal, prompt())
        for _ in range(100):
            if await count(database, PromptRecord) == 1:
                break
            await asyncio.sleep(0.05)
        assert await count(database, PromptRecord) == 1
    finally:
        await writer.stop()


async def test_writer_stop_writes_what_is_journaled(journal, database):
    writer = RecordWriter(journal, database, flush_seconds=60)
    await writer.start()
    await show(journal, prompt())
    await writer.stop()
    assert await count(database, PromptRecord) == 1


async def test_prompt_record_keeps_the_session_reasons_and_time_it_was_shown(journal, database):
    shown = Prompt(action="offer_refund", title="Refund", text="Offer it.", confidence=0.7, guardrails=["capped"],
                   reasons=[Reason(feature="tenure", text="long-standing customer", weight=0.4)])
    await journal.client.xadd(journal.key, {"k": "prompts",
                                            "e": prompts_entry("S-9", "J-9", "A9", True, [shown], 1.8e9)})
    await RecordWriter(journal, database).flush()
    async with database.session() as s:
        record = (await s.exec(select(PromptRecord))).one()
    assert (record.id, record.session_id, record.journey_id, record.agent_id, record.practice) == (
        shown.id, "S-9", "J-9", "A9", True)
    assert (record.action, record.confidence, record.guardrails) == ("offer_refund", 0.7, ["capped"])
    assert record.reasons == [{"feature": "tenure", "text": "long-standing customer", "direction": "raises",
                               "weight": 0.4}]
    assert record.shown_at.replace(tzinfo=UTC) == datetime.fromtimestamp(1_800_000_000, UTC)


async def test_entries_written_twice_store_one_row_each(journal, database):
    """A worker that died between its commit and the journal's delete leaves entries a second writer repeats."""
    shown = prompt()
    await show(journal, shown)
    assert (await journal.answer(shown.id, "A1", "accepted", ""))[0] == "ok"
    entries = await journal.read(100)
    await RecordWriter(journal, database).flush()
    for _, fields in entries:
        await journal.client.xadd(journal.key, fields)
    await RecordWriter(journal, database).flush()
    assert (await count(database, PromptRecord), await count(database, PromptFeedback)) == (1, 1)


async def test_a_verdict_is_taken_once_and_only_from_the_agent_shown(journal):
    shown = prompt()
    await show(journal, shown, agent_id="A1")
    assert (await journal.answer(shown.id, "A2", "accepted", ""))[0] == "other_agent"
    assert (await journal.answer(shown.id, "A1", "accepted", ""))[0] == "ok"
    assert (await journal.answer(shown.id, "A1", "dismissed", "no"))[0] == "already_answered"
    assert (await journal.answer("P-never", "A1", "accepted", ""))[0] == "unknown"


async def test_feedback_is_stored_with_its_seconds_to_act(journal, database):
    shown = prompt()
    await show(journal, shown)
    await journal.answer(shown.id, "A1", "dismissed", "not relevant")
    await RecordWriter(journal, database).flush()
    async with database.session() as s:
        feedback = (await s.exec(select(PromptFeedback))).one()
    assert (feedback.prompt_id, feedback.agent_id, feedback.verdict, feedback.reason) == (
        shown.id, "A1", "dismissed", "not relevant")
    assert feedback.seconds_to_act is not None and feedback.seconds_to_act >= 0


async def test_a_second_writer_leaves_the_journal_to_the_one_draining_it(journal, database):
    await show(journal, prompt())
    assert await journal.lock("W-other", 30)
    assert not await RecordWriter(journal, database).flush()
    assert await journal.pending() == 1
    await journal.unlock("W-other")


async def test_an_entry_the_database_refuses_moves_aside_and_the_rest_are_written(journal, database):
    """Feedback on a prompt SQL never heard of breaks its foreign key: it must not block the journal forever."""
    await journal.append("feedback", {"prompt_id": "P-nowhere", "agent_id": "A1", "verdict": "accepted",
                                      "reason": "", "at": 1.8e9})
    await show(journal, prompt())
    writer = RecordWriter(journal, database)
    assert await writer.flush()
    assert await count(database, PromptRecord) == 1
    assert await journal.pending() == 0
    [(_, dead)] = await journal.client.xrange(writer.dead_key)
    assert json.loads(dead["e"])["prompt_id"] == "P-nowhere"


async def test_a_delayed_journey_write_does_not_overwrite_a_newer_one(journal, database):
    async with database.session() as s:
        s.add(Customer(id="C-r"))
    journey = JourneyState(id="J-r", customer_id="C-r", reason="refund")
    older, newer = journey.model_copy(deep=True), journey.model_copy(deep=True)
    older.status, newer.status = "closed", "open"
    await journal.append("journey", {"state": newer.model_dump_json(), "at": 2.0e9})
    await journal.append("journey", {"state": older.model_dump_json(), "at": 1.9e9})
    await RecordWriter(journal, database).flush()
    async with database.session() as s:
        assert (await s.get(Journey, "J-r")).status == "open"


async def test_a_journaled_interaction_is_stored_once(journal, database):
    async with database.session() as s:
        s.add(Customer(id="C-i"))
    row = {"id": "I-S-1", "customer_id": "C-i", "journey_id": "J-1", "channel": "chat", "agent_id": "A1",
           "intent": "refund", "outcome": "resolved", "csat": 5, "summary": "done", "practice": False,
           "started_at": 1.8e9, "ended_at": 1.8e9 + 60}
    await journal.append("interaction", row)
    await journal.append("interaction", row)
    await RecordWriter(journal, database).flush()
    async with database.session() as s:
        [interaction] = (await s.exec(select(Interaction))).all()
    assert (interaction.outcome, interaction.csat) == ("resolved", 5)


async def test_a_close_written_after_the_customer_was_erased_brings_back_no_personal_data(journal, database):
    async with database.session() as s:
        s.add(Customer(id="C-e", erased_at=datetime.now(UTC)))
    journey = JourneyState(id="J-e", customer_id="C-e", reason="refund")
    journey.say("chat", "customer", "my card ends 4242")
    await journal.append("journey", {"state": journey.model_dump_json(), "at": 2.0e9})
    await journal.append("interaction", {
        "id": "I-S-e", "customer_id": "C-e", "journey_id": "J-e", "channel": "chat", "agent_id": "A1",
        "intent": "refund", "outcome": "resolved", "csat": 5, "summary": "card ends 4242", "practice": False,
        "started_at": 1.8e9, "ended_at": 1.8e9 + 60})
    await RecordWriter(journal, database).flush()
    async with database.session() as s:
        [interaction] = (await s.exec(select(Interaction))).all()
        journey_row = await s.get(Journey, "J-e")
    assert interaction.outcome == "resolved" and interaction.summary == ""
    assert journey_row is None or "4242" not in json.dumps(journey_row.state)


def agent(agent_id: str = "A1") -> Principal:
    return Principal(subject=agent_id, role=Role.AGENT)


async def test_feedback_on_a_prompt_known_only_to_sql_is_recorded_there(journal, database):
    """A prompt shown before its hash's window (or before prompts were journaled) is answered in SQL."""
    shown = prompt()
    await journal.client.xadd(journal.key, {"k": "prompts",
                                            "e": prompts_entry("S-1", "J-1", "A1", False, [shown], 1.8e9)})
    writer = RecordWriter(journal, database)
    await writer.flush()
    log = PromptLog(journal, writer)
    await record_feedback(database, log, agent(), PromptFeedbackData(prompt_id=shown.id, verdict="accepted"))
    with pytest.raises(Conflict) as again:
        await record_feedback(database, log, agent(), PromptFeedbackData(prompt_id=shown.id, verdict="dismissed"))
    assert again.value.code == "already_answered"
    assert await count(database, PromptFeedback) == 1


async def test_feedback_on_a_prompt_nobody_showed_is_unknown(journal, database):
    log = PromptLog(journal, RecordWriter(journal, database))
    with pytest.raises(NotFound) as unknown:
        await record_feedback(database, log, agent(), PromptFeedbackData(prompt_id="P-never", verdict="accepted"))
    assert unknown.value.code == "unknown_prompt"


async def test_feedback_from_another_agent_is_refused(journal, database):
    shown = prompt()
    await show(journal, shown, agent_id="A1")
    log = PromptLog(journal, RecordWriter(journal, database))
    with pytest.raises(Forbidden) as refused:
        await record_feedback(database, log, agent("A2"), PromptFeedbackData(prompt_id=shown.id, verdict="accepted"))
    assert refused.value.code == "other_agent"
