"""Wrap-up over the real websocket: a close puts the agent in after-contact work (routing offers them nothing),
offers the disposition codes and an automatic summary, and the wrap-up the agent sends is stored with the
interaction and ends after-contact work; so does the time running out, on whichever worker is alive."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assist.stores.tables import Interaction
from tests.conftest import LiveServer, free_port, server_env
from tests.stream.panel import Panel
from tests.stream.seed import seed
from tests.stream.test_routed_contacts import register, routing_client
from tests.stream.test_sessions import accepted, new_ids, rows

EDITED = "Refund of 45.00 agreed for order A-1234; it reaches the card in 5 working days."


@pytest.fixture(scope="module")
def short_acw(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """A server whose after-contact work lasts one second."""
    server = LiveServer(server_env(tmp_path_factory.mktemp("acw"), redis_url, ASSIST_WRAPUP_SECONDS="1"),
                        free_port()).start()
    try:
        yield server
    finally:
        server.stop()


async def in_contact(server: LiveServer, agent: str | None = None):
    """An agent with an accepted contact of a seeded customer who complained about a double charge."""
    agent = agent or f"WU{uuid.uuid4().hex[:6]}"
    cid, phone, email = new_ids()
    await seed(server, customer_id=cid, phone=phone, email=email, agents=(agent,))
    panel, session_id, _ = await accepted(server, agent, {"email": email})
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                               "text": f"I was charged twice for order A-1234, write to {email} right now!"})
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
    await panel.expect("journey", session_id=session_id)
    return panel, agent, cid, session_id


async def closed(panel: Panel, session_id: str, **extra: object) -> dict:
    await panel.send("close", {"session_id": session_id, "outcome": "resolved", **extra})
    await panel.expect("session_closed", session_id=session_id)
    return await panel.expect("wrapup", session_id=session_id)


async def test_a_close_puts_the_agent_in_after_contact_work_with_the_wrapup_form(live_server):
    panel, agent, _, session_id = await in_contact(live_server)
    async with await routing_client(live_server) as acd:
        await register(acd, agent)
        before = time.time()
        wrapup = await closed(panel, session_id)
        status = await panel.expect("status")
        in_routing = (await acd.get(f"/agents/{agent}")).json()["status"]
    await panel.close()
    data = wrapup["data"]
    assert status["data"]["status"] == "after_contact_work" and in_routing == "after_contact_work"
    assert before + 59 < data["deadline"] < time.time() + 61 and data["seconds"] == 60
    assert {"code": "refund_processed", "label": "Refund or credit given"} in data["dispositions"]
    assert data["draft"]["done"] == ["identity verified"]
    assert data["summary"].startswith("Reason: refund.\n")
    assert "order A-1234" in data["summary"] and "@example.com" not in data["summary"].replace("***@", "")


async def test_the_automatic_summary_is_stored_with_the_interaction_at_close(live_server):
    panel, _, _, session_id = await in_contact(live_server)
    wrapup = await closed(panel, session_id)
    await panel.close()
    [row] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert (row.summary, row.disposition) == (wrapup["data"]["summary"], None)


async def test_the_wrapup_sent_is_stored_and_the_agent_is_available_again(live_server):
    panel, agent, _, session_id = await in_contact(live_server)
    async with await routing_client(live_server) as acd:
        await register(acd, agent)
        await closed(panel, session_id)
        await panel.expect("status", status="after_contact_work")
        await panel.send("wrapup", {"session_id": session_id, "disposition": "refund_processed", "summary": EDITED})
        saved = await panel.expect("wrapup_saved", session_id=session_id)
        status = await panel.expect("status")
        in_routing = (await acd.get(f"/agents/{agent}")).json()["status"]
    await panel.close()
    [row] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert saved["data"]["disposition"] == {"code": "refund_processed", "label": "Refund or credit given"}
    assert (row.disposition, row.summary) == ("refund_processed", EDITED)
    assert status["data"] == {"status": "available", "reason": "wrapup_saved", "session_id": session_id}
    assert in_routing == "available"


async def test_routing_offers_nothing_during_after_contact_work(live_server):
    panel, agent, _, session_id = await in_contact(live_server)
    async with await routing_client(live_server) as acd:
        skill = f"only_{agent.lower()}"   # no other test's agent can take the contact
        assert (await acd.put(f"/skills/{skill}", json={})).status_code in (200, 201)
        assert (await acd.put(f"/agents/{agent}", json={"skills": {skill: 4}, "capacity": {"chat": 1},
                                                        "status": "available"})).status_code in (200, 201)
        await closed(panel, session_id)
        await panel.expect("status", status="after_contact_work")
        routed = (await acd.post("/contacts", json={"contact_id": f"K-{uuid.uuid4().hex[:8]}", "channel": "chat",
                                                    "required_skills": {skill: 3}})).json()
        await panel.send("wrapup", {"session_id": session_id, "disposition": "information_given"})
        offer = await panel.expect("offer", timeout=10)
    await panel.close()
    assert routed["outcome"] == "queued"
    assert offer["data"]["offer_id"] != session_id   # the waiting contact, once the agent was available


async def test_an_empty_summary_keeps_the_automatic_one(live_server):
    panel, _, _, session_id = await in_contact(live_server)
    wrapup = await closed(panel, session_id)
    await panel.send("wrapup", {"session_id": session_id, "disposition": "information_given", "summary": "  "})
    saved = await panel.expect("wrapup_saved", session_id=session_id)
    await panel.close()
    assert saved["data"]["summary"] == wrapup["data"]["summary"]


async def test_a_disposition_not_in_the_list_is_refused_and_changes_nothing(live_server):
    panel, agent, _, session_id = await in_contact(live_server)
    wrapup = await closed(panel, session_id)
    await panel.expect("status", status="after_contact_work")
    await panel.send("wrapup", {"session_id": session_id, "disposition": "refunded", "summary": EDITED}, "w1")
    refused = await panel.expect("error")
    after = await panel.quiet(0.5)
    await panel.close()
    [row] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert (refused["data"]["code"], refused["data"]["in_reply_to"]) == ("unknown_disposition", "w1")
    assert (row.disposition, row.summary) == (None, wrapup["data"]["summary"])
    assert [m["type"] for m in after] == []   # no status change, nothing saved


async def test_a_wrapup_is_saved_once(live_server):
    panel, _, _, session_id = await in_contact(live_server)
    await closed(panel, session_id)
    await panel.send("wrapup", {"session_id": session_id, "disposition": "refund_processed", "summary": EDITED})
    await panel.expect("wrapup_saved", session_id=session_id)
    await panel.send("wrapup", {"session_id": session_id, "disposition": "escalated", "summary": "changed"})
    again = await panel.expect("error")
    await panel.close()
    [row] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert again["data"]["code"] == "wrapup_not_pending"
    assert (row.disposition, row.summary) == ("refund_processed", EDITED)


async def test_a_wrapup_of_an_open_contact_is_refused(live_server):
    panel, _, _, session_id = await in_contact(live_server)
    await panel.send("wrapup", {"session_id": session_id, "disposition": "refund_processed"})
    refused = await panel.expect("error")
    await panel.close()
    assert refused["data"]["code"] == "session_not_closed"


async def test_a_close_carrying_its_disposition_is_the_whole_wrapup(live_server):
    panel, _, _, session_id = await in_contact(live_server)
    await panel.send("close", {"session_id": session_id, "outcome": "resolved", "disposition": "refund_processed",
                               "summary": EDITED})
    await panel.expect("session_closed", session_id=session_id)
    saved = await panel.expect("wrapup_saved", session_id=session_id)
    after = await panel.quiet(0.5)
    await panel.close()
    [row] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert (row.disposition, row.summary) == ("refund_processed", EDITED)
    assert saved["data"]["summary"] == EDITED
    assert [m["type"] for m in after] == []   # no form, no after-contact work


async def test_a_close_with_a_bad_disposition_is_refused_and_the_contact_stays_open(live_server):
    panel, agent, _, session_id = await in_contact(live_server)
    await panel.send("close", {"session_id": session_id, "outcome": "resolved", "disposition": "nope"})
    refused = await panel.expect("error")
    await panel.close()
    session = httpx.get(f"{live_server.base_url}/v1/sessions/{session_id}", headers=live_server.headers(agent))
    assert refused["data"]["code"] == "unknown_disposition"
    assert session.json()["status"] == "open"
    assert await rows(live_server, Interaction, Interaction.id == f"I-{session_id}") == []


async def test_the_next_contact_on_the_journey_shows_the_saved_wrapup_in_history(live_server):
    panel, agent, cid, session_id = await in_contact(live_server)
    await panel.send("close", {"session_id": session_id, "outcome": "unresolved"})   # the journey stays open
    await panel.expect("wrapup", session_id=session_id)
    await panel.send("wrapup", {"session_id": session_id, "disposition": "follow_up_needed", "summary": EDITED})
    await panel.expect("wrapup_saved", session_id=session_id)
    await panel.close()
    nxt, _, context = await accepted(live_server, agent, {"customer_id": cid}, channel="phone")
    await nxt.close()
    [last] = [h for h in context["data"]["history"] if h["id"] == f"I-{session_id}"]
    assert (last["summary"], last["disposition"]) == (EDITED, "Follow-up needed")


async def test_after_contact_work_ends_by_itself_when_the_time_runs_out(short_acw):
    panel, agent, _, session_id = await in_contact(short_acw)
    async with await routing_client(short_acw) as acd:
        await register(acd, agent)
        await closed(panel, session_id)
        await panel.expect("status", status="after_contact_work")
        ended = await panel.expect("status", timeout=6)
        in_routing = (await acd.get(f"/agents/{agent}")).json()["status"]
        await panel.send("wrapup", {"session_id": session_id, "disposition": "information_given"})
        await panel.expect("wrapup_saved", session_id=session_id)   # still taken after the time ran out
        after = await panel.quiet(0.5)
    await panel.close()
    assert ended["data"] == {"status": "available", "reason": "wrapup_timeout", "session_id": session_id}
    assert in_routing == "available"
    assert [m["type"] for m in after] == []   # already available: no second status change


async def test_a_status_set_by_hand_during_after_contact_work_is_kept_when_the_time_runs_out(short_acw):
    panel, _, _, session_id = await in_contact(short_acw)
    await closed(panel, session_id)
    await panel.expect("status", status="after_contact_work")
    await panel.send("status", {"status": "away"})
    await panel.expect("status", status="away")
    after = await panel.quiet(2.5)
    await panel.close()
    assert [m["type"] for m in after] == []


async def test_after_contact_work_ends_on_time_when_the_worker_that_began_it_is_gone(
        tmp_path: Path, redis_url: str):
    env = server_env(tmp_path, redis_url, ASSIST_WRAPUP_SECONDS="3")
    first = LiveServer(env, free_port()).start()
    try:
        panel, agent, _, session_id = await in_contact(first)
        await closed(panel, session_id)
        last = await panel.expect("status", status="after_contact_work")
        await panel.close()
    finally:
        assert first.process is not None
        first.process.kill()   # a crash: nothing of it runs the timer any more
        first.process.wait()
    second = LiveServer(env, free_port()).start()
    try:
        panel = await Panel.open(second, agent, resume_from=last["seq"])
        ended = await panel.expect("status", timeout=10)
        await panel.close()
    finally:
        second.stop()
    assert ended["data"] == {"status": "available", "reason": "wrapup_timeout", "session_id": session_id}
