"""A PostgreSQL outage under live panels: nothing shown, answered or closed is lost, duplicated or stranded.

Each test runs a real server on a private PostgreSQL cluster (stopped and started by the test) and the shared
Redis, drives panels over real websockets, and counts rows in SQL against what the panels saw.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlmodel import col, select

from assist.stores.sql import Database
from assist.stores.tables import Interaction, Journey, PromptFeedback, PromptRecord
from tests.conftest import LiveServer, PrivatePostgres, free_port, server_env
from tests.stream.panel import Panel
from tests.stream.seed import seed

T = TypeVar("T")

OUTAGE_SECONDS = 20.0
STEPS: list[dict[str, Any]] = [
    {"kind": "utterance", "speaker": "customer", "text": "This is absolutely ridiculous, I am furious!"},
    {"kind": "action", "action": "verify_identity"},
    {"kind": "action", "action": "request_refund", "fields": {"amount": 120}},
    {"kind": "utterance", "speaker": "customer", "text": "I want a manager now"},
]
"""What each session says and does during the outage (each step usually brings a new prompt)."""


@pytest.fixture
async def server(private_postgres: PrivatePostgres, redis_url: str, tmp_path: Path):
    """A server on the private PostgreSQL; its Redis keys are deleted afterwards."""
    env = server_env(tmp_path, redis_url, ASSIST_DATABASE_URL=private_postgres.url)
    live = LiveServer(env, free_port(), log_path=tmp_path / "server.log").start()
    try:
        yield live
    finally:
        live.stop()
        await _delete_keys(redis_url, env["ASSIST_REDIS_PREFIX"])


async def _delete_keys(redis_url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


class Contact:
    """One agent's panel with one accepted session, and what the panel saw and did."""

    def __init__(self, panel: Panel, session_id: str, hands_off: bool) -> None:
        self.panel = panel
        self.session_id = session_id
        self.hands_off = hands_off
        """Whether the session ends in a handoff (to another channel, through routing) instead of a close."""
        self.answered: set[str] = set()
        self.acked: set[str] = set()
        self.closed = False

    @property
    def prompt_ids(self) -> set[str]:
        return {m["data"]["id"] for m in self.panel.seen if m["type"] == "prompt"}

    async def reply(self, message_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The ack or error answering ``message_id``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.panel.recv(max(deadline - loop.time(), 0.01))
            if message["type"] in ("ack", "error") and message["data"].get("in_reply_to") == message_id:
                return message

    async def answer_prompts(self) -> None:
        """Feedback on every prompt seen and not answered yet; each must be acknowledged."""
        await self.panel.quiet(0.2)
        for prompt_id in sorted(self.prompt_ids - self.answered):
            self.answered.add(prompt_id)
            message_id = f"f-{prompt_id}"
            await self.panel.send("prompt_feedback", {"prompt_id": prompt_id, "verdict": "accepted"}, message_id)
            reply = await self.reply(message_id)
            assert reply["type"] == "ack", reply
            self.acked.add(prompt_id)

    async def step(self, n: int) -> None:
        await self.panel.send("event", {"session_id": self.session_id, **STEPS[n]})
        await self.answer_prompts()

    async def close(self) -> None:
        if self.hands_off:
            await self.panel.send("handoff_request", {"session_id": self.session_id, "channel": "phone"})
        else:
            await self.panel.send("close", {"session_id": self.session_id, "outcome": "resolved", "csat": 4})
        await self.panel.expect("session_closed", session_id=self.session_id, timeout=10)
        self.closed = True


def offer(server: LiveServer, agent_id: str, email: str) -> str:
    response = httpx.post(server.base_url + "/v1/contacts/offer",
                          json={"agent_id": agent_id, "channel": "chat", "reason": "refund",
                                "identifiers": {"email": email}}, headers=server.headers("X1", "admin"))
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


async def contacts(server: LiveServer, count: int) -> list[Contact]:
    """``count`` agents, each with a panel open and a contact of a customer of their own accepted."""
    opened = []
    for i in range(count):
        n = uuid.uuid4().hex[:8]
        agent_id, email = f"A-{n}", f"{n}@example.com"
        await seed(server, customer_id=f"C-{n}", phone=f"+4411{int(n, 16) % 10**8:08d}", email=email,
                   agents=(agent_id,))
        panel = await Panel.open(server, agent_id)
        await panel.expect("hello")
        session_id = offer(server, agent_id, email)
        await panel.expect("offer", offer_id=session_id)
        await panel.send("accept", {"offer_id": session_id})
        await panel.expect("context", session_id=session_id)
        opened.append(Contact(panel, session_id, hands_off=i % 2 == 1))
    return opened


async def drive_through_outage(postgres: PrivatePostgres, opened: list[Contact],
                               seconds: float = OUTAGE_SECONDS) -> None:
    """Stop the database, then step every session through ``STEPS``, answer every prompt and close every
    session, spread over ``seconds``; the database stays down."""
    for contact in opened:
        await contact.answer_prompts()  # the first prompts, shown before the outage
    postgres.stop("fast")
    started = time.monotonic()
    rounds = len(STEPS) + 1
    for r in range(rounds):
        for contact in opened:
            if r < len(STEPS):
                await contact.step(r)
            else:
                await contact.close()
        await asyncio.sleep(max(0.0, started + seconds * (r + 1) / rounds - time.monotonic()))


Stored = tuple[list[str], list[str], dict[str, str | None], dict[str, tuple[str, str]]]


async def stored(url: str, opened: list[Contact]) -> Stored:
    """What SQL holds for these sessions: prompt ids, feedback's prompt ids, each interaction's outcome, and
    each of their journeys' status and last transcript line."""
    sessions = [c.session_id for c in opened]
    db = Database(url)
    try:
        async with db.session() as s:
            prompts = (await s.exec(select(PromptRecord.id).where(col(PromptRecord.session_id).in_(sessions)))).all()
            feedback = (await s.exec(select(PromptFeedback.prompt_id).where(
                col(PromptFeedback.prompt_id).in_(list(prompts))))).all()
            interactions = (await s.exec(select(Interaction).where(
                col(Interaction.id).in_([f"I-{sid}" for sid in sessions])))).all()
            journeys = (await s.exec(select(Journey).where(
                col(Journey.id).in_([i.journey_id for i in interactions])))).all()
        return (list(prompts), list(feedback), {i.id: i.outcome for i in interactions},
                {j.id: (j.status, (j.state.get("transcript") or [{}])[-1].get("text", "")) for j in journeys})
    finally:
        await db.close()


async def until_stored(url: str, opened: list[Contact], timeout: float = 30.0) -> Stored:
    """What SQL holds once it holds everything the panels saw (or when ``timeout`` runs out)."""
    expected = sum(len(c.prompt_ids) for c in opened)
    deadline = time.monotonic() + timeout
    while True:
        found = await stored(url, opened)
        prompts, feedback, interactions, _ = found
        done = (len(prompts) >= expected and len(feedback) >= sum(len(c.acked) for c in opened)
                and len(interactions) >= sum(c.closed for c in opened))
        if done or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def row_when_back(url: str, model: type[T], key: str, ready: Callable[[T], bool] = lambda _: True,
                        timeout: float = 30.0) -> T | None:
    """``model``'s row ``key`` once it is in SQL and ``ready`` (polling while the database starts and the record
    journal drains), else None at ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = Database(url)
        try:
            async with db.session() as s:
                row = await s.get(model, key)
            if row is not None and ready(row):
                return row
        except Exception:  # noqa: BLE001 - the database is still starting
            pass
        finally:
            await db.close()
        await asyncio.sleep(0.5)
    return None


def assert_nothing_lost_or_duplicated(opened: list[Contact], found: Stored) -> None:
    prompts, feedback, interactions, journeys = found
    shown = set().union(*(c.prompt_ids for c in opened))
    acked = set().union(*(c.acked for c in opened))
    assert len(shown) > 2 * len(opened), "the outage should see prompts beyond the first ones"
    assert (len(prompts), set(prompts)) == (len(shown), shown)
    assert (len(feedback), set(feedback)) == (len(acked), acked)
    assert interactions == {f"I-{c.session_id}": "transferred" if c.hands_off else "resolved" for c in opened}
    assert sorted(status for status, _ in journeys.values()) == sorted(
        "open" if c.hands_off else "closed" for c in opened)
    assert sum(last == "handed off to phone" for _, last in journeys.values()) == sum(c.hands_off for c in opened)


async def test_an_outage_loses_no_prompt_feedback_or_close(server, private_postgres):
    opened = await contacts(server, 6)
    try:
        await drive_through_outage(private_postgres, opened)
    finally:
        private_postgres.start()
    found = await until_stored(private_postgres.url, opened)
    for contact in opened:
        await contact.panel.close()
    assert_nothing_lost_or_duplicated(opened, found)


async def test_records_buffered_by_a_stopped_worker_are_written_by_the_next(server, private_postgres, tmp_path):
    opened = await contacts(server, 3)
    try:
        await drive_through_outage(private_postgres, opened, seconds=5.0)
        for contact in opened:
            await contact.panel.close()
        server.stop()  # with everything since the outage still journaled
    finally:
        private_postgres.start()
    successor = LiveServer(server.env, free_port(), log_path=tmp_path / "successor.log").start()
    try:
        found = await until_stored(private_postgres.url, opened)
    finally:
        successor.stop()
    assert_nothing_lost_or_duplicated(opened, found)


async def test_an_accept_during_the_outage_leaves_the_offer_to_accept_again(server, private_postgres):
    n = uuid.uuid4().hex[:8]
    agent_id, email = f"A-{n}", f"{n}@example.com"
    await seed(server, customer_id=f"C-{n}", phone=f"+4412{int(n, 16) % 10**8:08d}", email=email, agents=(agent_id,))
    panel = await Panel.open(server, agent_id)
    await panel.expect("hello")
    session_id = offer(server, agent_id, email)
    await panel.expect("offer", offer_id=session_id)
    private_postgres.stop("fast")
    try:
        await panel.send("accept", {"offer_id": session_id}, "a1")
        refused = await panel.expect("error", in_reply_to="a1", timeout=10)
        during = httpx.get(f"{server.base_url}/v1/sessions/{session_id}", headers=server.headers("X1", "admin"))
    finally:
        private_postgres.start()
    await panel.send("accept", {"offer_id": session_id}, "a2")
    context = await panel.expect("context", session_id=session_id, timeout=10)
    await panel.send("close", {"session_id": session_id, "outcome": "resolved"})
    await panel.expect("session_closed", session_id=session_id)
    await panel.close()
    assert refused["data"]["code"] == "store_unavailable"
    assert during.json()["status"] == "offered"
    assert [h["session_id"] for h in context["data"]["current_journey"]["handled_by"]] == [session_id]


async def test_a_routed_accept_during_the_outage_keeps_routing_capacity_consistent(server, private_postgres):
    n = uuid.uuid4().hex[:8]
    agent_id, cid = f"R-{n}", f"C-{n}"
    await seed(server, customer_id=cid, phone=f"+4413{int(n, 16) % 10**8:08d}", email=f"{n}@example.com",
               agents=(agent_id,))
    async with httpx.AsyncClient(base_url=server.base_url + "/v1/routing",
                                 headers=server.headers("X1", "admin")) as routing:
        assert (await routing.put("/skills/billing", json={})).status_code in (200, 201)
        assert (await routing.put(f"/agents/{agent_id}", json={
            "skills": {"billing": 4}, "languages": ["en"], "capacity": {"chat": 1},
            "status": "available"})).status_code in (200, 201)
        panel = await Panel.open(server, agent_id)
        await panel.expect("hello")
        await routing.post("/contacts", json={"contact_id": f"K-{n}", "channel": "chat",
                                              "required_skills": {"billing": 3}, "customer_id": cid})
        session_id = (await panel.expect("offer"))["data"]["offer_id"]
        private_postgres.stop("fast")
        try:
            await panel.send("accept", {"offer_id": session_id}, "a1")
            refused = await panel.expect("error", in_reply_to="a1", timeout=10)
            during = (await routing.get(f"/agents/{agent_id}")).json()
        finally:
            private_postgres.start()
        await panel.send("accept", {"offer_id": session_id}, "a2")
        await panel.expect("context", session_id=session_id, timeout=10)
        accepted = (await routing.get(f"/agents/{agent_id}")).json()
        await panel.send("close", {"session_id": session_id, "outcome": "resolved"})
        await panel.expect("session_closed", session_id=session_id)
        freed = (await routing.get(f"/agents/{agent_id}")).json()
        await panel.close()
    assert refused["data"]["code"] == "store_unavailable"
    assert [r["state"] for r in during["reservations"]] == ["pending"] and during["load"] == {"chat": 1}
    assert [r["state"] for r in accepted["reservations"]] == ["accepted"] and accepted["load"] == {"chat": 1}
    assert freed["load"].get("chat", 0) == 0
