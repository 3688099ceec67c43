"""Erasure reaches Redis: after a customer is erased, no panel replay and no key of the deployment holds
their name, email, phone or what they said; live-only journeys are found too; a contact in progress goes on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis

from assist.identity import normalise
from assist.journeys.state import JourneyState
from assist.privacy.live import ErasureSubject, redact_session
from assist.stores.redis import open_client
from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, CustomerIdentifier
from tests.conftest import LiveServer, delete_prefix_keys, sync_client
from tests.stream.panel import Panel
from tests.stream.seed import api_key


class Person:
    """A customer whose every value is unique to one test, so a search for it finds only this test's copies."""

    def __init__(self) -> None:
        n = uuid.uuid4().hex[:8]
        self.id = f"C-{n}"
        self.name = f"Wilhelmina Q{n}"
        self.email = f"w.q{n}@example.com"
        self.phone = f"+4420{int(n, 16) % 10**8:08d}"
        self.said = f"my card ending {n} was charged twice"

    def found_in(self, text: str) -> list[str]:
        return [v for v in (self.name, self.email, self.phone, self.said) if v.casefold() in text.casefold()]


async def seed_person(server: LiveServer, person: Person, agent_id: str) -> None:
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            s.add(Customer(id=person.id, name=person.name, email=person.email, phone=person.phone,
                           consent={"service": True, "profiling": True}))
            await s.flush()
            for kind, value in (("email", person.email), ("phone", person.phone)):
                s.add(CustomerIdentifier(kind=kind, value=normalise(kind, value), customer_id=person.id))
            if await s.get(Agent, agent_id) is None:
                s.add(Agent(id=agent_id, name=agent_id, channels={"chat": 3, "phone": 1}))
    finally:
        await db.close()


async def served(server: LiveServer, person: Person, agent_id: str) -> tuple[Panel, str]:
    """An accepted contact of ``person`` on ``agent_id``'s panel, with their words in its transcript."""
    await seed_person(server, person, agent_id)
    panel = await Panel.open(server, agent_id)
    await panel.expect("hello")
    offered = httpx.post(server.base_url + "/v1/contacts/offer", headers=server.headers("X1", "admin"),
                         json={"agent_id": agent_id, "channel": "chat", "reason": "billing",
                               "identifiers": {"email": person.email, "phone": person.phone}})
    session_id = offered.json()["session_id"]
    await panel.expect("offer", offer_id=session_id)
    await panel.send("accept", {"offer_id": session_id})
    context = await panel.expect("context", session_id=session_id)
    assert context["data"]["customer"]["name"] == person.name
    key = await api_key(server, f"telephony-{person.id}")
    said = httpx.post(f"{server.base_url}/v1/sessions/{session_id}/events", headers={"X-API-Key": key},
                      json={"kind": "utterance", "speaker": "customer", "text": person.said})
    assert said.status_code == 200, said.text
    await panel.expect("transcript", session_id=session_id)
    return panel, session_id


def erase(server: LiveServer, person: Person) -> httpx.Response:
    response = httpx.post(f"{server.base_url}/v1/admin/customers/{person.id}/erase",
                          headers=server.headers("X1", "admin"))
    assert response.status_code == 200, response.text
    return response


async def replay(server: LiveServer, agent_id: str) -> str:
    """Everything a panel resuming from the start receives, as text."""
    panel = await Panel.open(server, agent_id, resume_from=0)
    frames = [await panel.expect("hello"), *await panel.quiet(0.5)]
    await panel.close()
    return "\n".join(str(frame) for frame in frames)


@pytest.fixture
async def redis(live_server: LiveServer) -> AsyncIterator[Redis]:
    client = open_client(live_server.settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="module", autouse=True)
def drop_keys(live_server: LiveServer) -> Iterator[None]:
    """Delete this module's keys (the server's own prefix) once its tests are done."""
    yield
    client = sync_client(live_server.settings.redis_url)
    delete_prefix_keys(client, live_server.settings.redis_prefix)
    client.close()


async def everything_stored(redis: Redis, prefix: str) -> str:
    """Every value under the deployment's key prefix, whatever its type, as one text to search."""
    parts: list[str] = []
    async for key in redis.scan_iter(match=f"{prefix}:*", count=500):
        kind = await redis.type(key)
        if kind == "string":
            parts.append(str(await redis.get(key)))
        elif kind == "hash":
            parts.append(str(await redis.hgetall(key)))
        elif kind == "stream":
            parts.append(str(await redis.xrange(key)))
        elif kind == "set":
            parts.append(str(await redis.smembers(key)))
        elif kind == "zset":
            parts.append(str(await redis.zrange(key, 0, -1)))
        elif kind == "list":
            parts.append(str(await redis.lrange(key, 0, -1)))
        parts.append(key)
    return "\n".join(parts)


async def test_a_panel_replaying_from_the_start_after_erasure_receives_nothing_of_the_customer(live_server):
    person = Person()
    panel, _ = await served(live_server, person, "EA1")
    await panel.close()
    assert person.found_in(await replay(live_server, "EA1")) == [person.name, person.said]  # held before
    erase(live_server, person)
    assert person.found_in(await replay(live_server, "EA1")) == []


async def test_no_redis_key_holds_the_customers_data_after_erasure(live_server, redis):
    person = Person()
    panel, _ = await served(live_server, person, "EA2")
    await panel.close()
    erase(live_server, person)
    assert person.found_in(await everything_stored(redis, live_server.settings.redis_prefix)) == []


async def test_a_contact_in_progress_goes_on_without_the_customers_data(live_server, redis):
    person = Person()
    panel, session_id = await served(live_server, person, "EA3")
    erase(live_server, person)
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "agent",
                               "text": "Is there anything else?"}, "after-erase")
    await panel.send("close", {"session_id": session_id, "outcome": "resolved"}, "close")
    closed = await panel.expect("session_closed", session_id=session_id)
    await panel.close()
    assert closed["data"]["outcome"] == "resolved"
    assert [m["data"] for m in panel.seen if m["type"] == "error"] == []
    assert person.found_in(await everything_stored(redis, live_server.settings.redis_prefix)) == []


async def test_an_erased_session_state_keeps_no_identifiers_or_customer_view(live_server, redis):
    person = Person()
    panel, session_id = await served(live_server, person, "EA4")
    erase(live_server, person)
    state = await redis.get(f"{live_server.settings.redis_prefix}:{{session:{session_id}}}:state")
    await panel.close()
    assert state is not None and '"identifiers":{}' in state.replace(" ", "")
    assert '"customer":null' in state.replace(" ", "")


async def test_a_journey_that_exists_only_in_redis_is_found_and_erased(live_server, redis):
    person = Person()
    await seed_person(live_server, person, "EA5")
    journey = JourneyState(id=f"J-live-{uuid.uuid4().hex[:8]}", customer_id=person.id, reason="billing")
    journey.say("chat", "customer", person.said)
    key = f"{live_server.settings.redis_prefix}:{{journey:{journey.id}}}:live"
    await redis.hset(key, mapping={"json": journey.model_dump_json(), "rev": "1"})
    erase(live_server, person)
    assert await redis.exists(key) == 0


async def test_other_customers_messages_stay(live_server):
    erased, kept = Person(), Person()
    for person in (erased, kept):
        panel, _ = await served(live_server, person, "EA6")
        await panel.close()
    erase(live_server, erased)
    replayed = await replay(live_server, "EA6")
    assert erased.found_in(replayed) == []
    assert kept.found_in(replayed) == [kept.name, kept.said]


def test_a_shared_landline_contact_of_another_customer_keeps_that_customers_own_data():
    subject = ErasureSubject(customer_id="C1")
    subject.add_identifiers(["+441130000001", "c1@example.com"])
    state = {"customer_id": "C2", "identifiers": {"phone": "+44 113 000 0001", "email": "c2@example.com"},
             "customer": {"id": "C2", "name": "Other Person"}, "candidates": []}
    redact_session(state, subject)
    assert state == {"customer_id": "C2", "identifiers": {"email": "c2@example.com"},
                     "customer": {"id": "C2", "name": "Other Person"}, "candidates": []}


def test_an_ambiguous_contact_loses_the_erased_candidate_and_its_identifiers():
    subject = ErasureSubject(customer_id="C1")
    subject.add_identifiers(["+441130000001"])
    state = {"customer_id": None, "identifiers": {"phone": "+441130000001"}, "customer": None,
             "candidates": ["C1", "C2"]}
    redact_session(state, subject)
    assert (state["identifiers"], state["candidates"]) == ({}, ["C2"])
