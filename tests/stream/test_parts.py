"""The stream's parts against the real Redis and SQL: outbox order and resume, journey updates, identity."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from assist.errors import InvalidInput
from assist.guidance.interface import Prompt, Reason
from assist.identity import IdentityStatus, normalise, resolve_identity
from assist.journeys.state import JourneyState
from assist.journeys.store import JourneyStore
from assist.sessions.events import apply_to_journey, validate_event
from assist.stores.redis import RedisStore
from assist.stores.tables import Customer, CustomerIdentifier
from assist.stream.outbox import Outbox, stored
from assist.stream.protocol import Envelope, EventData
from tests.conftest import key_prefix


@pytest.fixture
async def redis(redis_url):
    store = RedisStore(redis_url, key_prefix(redis_url))
    yield store
    await store.close()


async def test_concurrent_appends_get_consecutive_seqs_in_stream_order(redis):
    outbox = Outbox(redis.client, redis.keys, max_len=1000, ttl_seconds=60)
    seqs = await asyncio.gather(*[outbox.append("A1", Envelope(type="prompt", data={"n": n})) for n in range(50)])
    messages, gap = await outbox.since("A1", 0)
    assert sorted(seqs) == list(range(1, 51))
    assert [m.seq for m in messages] == list(range(1, 51)) and not gap


@pytest.mark.parametrize("data", [{"session_id": "S-1", "practice": False}, {}])
def test_a_message_stored_with_a_models_fields_reads_as_one_envelope(data):
    prompt = Prompt(action="verify_identity", title="Verify", text="Ask two details.", confidence=0.95,
                    reasons=[Reason(feature="identity_verified", text="not verified")])
    envelope = Envelope(type="prompt", data=data)
    read = json.loads(stored(envelope, prompt))
    assert read == {**envelope.model_dump(exclude={"seq", "epoch"}), "data": {**data, **prompt.model_dump()}}


async def test_since_returns_only_later_messages(redis):
    outbox = Outbox(redis.client, redis.keys, max_len=1000, ttl_seconds=60)
    for n in range(5):
        await outbox.append("A1", Envelope(type="offer", data={"n": n}))
    messages, gap = await outbox.since("A1", 3)
    assert [(m.seq, m.data["n"]) for m in messages] == [(4, 3), (5, 4)] and not gap


async def test_since_reports_a_gap_when_the_stream_was_trimmed(redis):
    outbox = Outbox(redis.client, redis.keys, max_len=1, ttl_seconds=60)
    for n in range(300):
        await outbox.append("A1", Envelope(type="offer", data={"n": n}))
    messages, gap = await outbox.since("A1", 0)
    assert gap and messages[-1].seq == 300


async def test_outboxes_of_two_agents_are_independent(redis):
    outbox = Outbox(redis.client, redis.keys, max_len=10, ttl_seconds=60)
    await outbox.append("A1", Envelope(type="offer"))
    assert await outbox.last_seq("A2") == 0


async def test_concurrent_journey_updates_lose_nothing(redis, database):
    store = JourneyStore(redis.client, redis.keys, database, ttl_seconds=60)
    journey = await store.create(None, "refund")
    await asyncio.gather(*[store.update(journey.id, lambda j, n=n: j.mark_done(f"step{n}")) for n in range(20)])
    stored = await store.get(journey.id)
    assert sorted(stored.steps_done) == sorted(f"step{n}" for n in range(20))


async def test_journey_survives_redis_expiry_through_sql(redis, database):
    async with database.session() as s:
        s.add(Customer(id="C-j"))
    store = JourneyStore(redis.client, redis.keys, database, ttl_seconds=60)
    journey = await store.create("C-j", "refund")
    await store.update(journey.id, lambda j: j.mark_done("identity_verified"))
    await store.persist(await store.get(journey.id))
    await redis.client.delete(redis.keys.key("journey", journey.id, "live"))
    assert (await store.get(journey.id)).steps_done == ["identity_verified"]


async def test_update_of_unknown_journey_raises_key_error(redis, database):
    store = JourneyStore(redis.client, redis.keys, database, ttl_seconds=60)
    with pytest.raises(KeyError):
        await store.update("J-missing", lambda j: None)


def test_refund_request_collects_the_amount_and_leaves_the_refund_pending():
    journey = JourneyState(id="J", customer_id=None, reason="refund")
    apply_to_journey(journey, "chat", EventData(session_id="S", kind="action", action="request_refund",
                                                fields={"amount": 30}))
    assert journey.steps_done == ["refund_requested"] and journey.pending == ["refund_issued"]
    assert journey.collected == {"refund_amount": 30}


def test_event_that_says_nothing_is_invalid():
    with pytest.raises(InvalidInput):
        validate_event(EventData(session_id="S", kind="utterance", text=""))


async def add(database, customer_id, **identifiers):
    async with database.session() as s:
        s.add(Customer(id=customer_id))
        await s.flush()
        for kind, value in identifiers.items():
            s.add(CustomerIdentifier(kind=kind, value=normalise(kind, value), customer_id=customer_id))


async def test_phone_in_another_format_resolves_to_the_customer(database):
    await add(database, "C1", phone="+44 7700 900123")
    async with database.session() as s:
        identity = await resolve_identity(s, {"phone": "+44-7700-900123"})
    assert (identity.status, identity.customer_id) == (IdentityStatus.RESOLVED, "C1")


async def test_identifiers_pointing_at_two_customers_are_ambiguous(database):
    await add(database, "C1", email="a@example.com")
    await add(database, "C2", phone="+447700900123")
    async with database.session() as s:
        identity = await resolve_identity(s, {"email": "A@example.com", "phone": "+447700900123"})
    assert identity.status is IdentityStatus.AMBIGUOUS and identity.customer_id is None
    assert identity.candidates == ["C1", "C2"]


async def test_unknown_identifiers_resolve_to_nobody(database):
    async with database.session() as s:
        identity = await resolve_identity(s, {"email": "ghost@example.com"})
    assert identity.status is IdentityStatus.UNKNOWN


async def test_erased_customers_are_never_matched(database):
    await add(database, "C1", email="gone@example.com")
    async with database.session() as s:
        customer = await s.get(Customer, "C1")
        customer.erased_at = datetime.now(UTC)
        s.add(customer)
    async with database.session() as s:
        assert (await resolve_identity(s, {"email": "gone@example.com"})).status is IdentityStatus.UNKNOWN


async def test_a_known_customer_id_from_a_routing_system_resolves_directly(database):
    await add(database, "C7", email="c7@example.com")
    async with database.session() as s:
        identity = await resolve_identity(s, {"customer_id": "C7"})
    assert (identity.status, identity.customer_id, identity.matched_on) == (IdentityStatus.RESOLVED, "C7",
                                                                           ["customer_id"])


async def test_customer_id_contradicting_the_email_is_ambiguous(database):
    await add(database, "C7", email="c7@example.com")
    await add(database, "C8")
    async with database.session() as s:
        identity = await resolve_identity(s, {"customer_id": "C8", "email": "c7@example.com"})
    assert identity.status is IdentityStatus.AMBIGUOUS
