"""Session continuity: a handoff carries the journey, a dropped panel resumes exactly, workers share agents."""

from __future__ import annotations

import httpx
import pytest

from assist.stores.redis import RedisStore
from assist.stream.outbox import Outbox
from assist.stream.protocol import Envelope
from tests.conftest import LiveServer, free_port, server_env
from tests.stream.panel import Panel
from tests.stream.seed import seed
from tests.stream.test_sessions import accepted, new_ids, offer


async def test_handoff_chat_to_phone_gives_the_second_agent_the_first_ones_journey(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, agents=("A1", "A2"))
    chat, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await chat.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                              "text": "My order O-55 arrived broken, I want my money back"})
    await chat.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
    await chat.send("event", {"session_id": session_id, "kind": "action", "action": "request_refund",
                              "fields": {"amount": 30}})
    await chat.expect("prompt", action="offer_refund_small")
    phone_panel = await Panel.open(live_server, "A2")
    await phone_panel.expect("hello")
    await phone_panel.send("status", {"status": "available"})  # a transfer goes to an agent who is not away
    await phone_panel.expect("status")
    await chat.send("handoff_request", {"session_id": session_id, "channel": "phone", "to_agent": "A2",
                                        "note": "customer prefers to talk"})
    handoff = await chat.expect("handoff")
    await chat.expect("session_closed", session_id=session_id)
    offered = await phone_panel.expect("offer")
    await phone_panel.send("accept", {"offer_id": offered["data"]["offer_id"]})
    context = await phone_panel.expect("context")
    await chat.close()
    await phone_panel.close()
    journey = context["data"]["current_journey"]
    assert offered["data"]["handoff_from"] == "A1" and offered["data"]["resumes_journey"] is True
    assert journey["id"] == handoff["data"]["journey_id"]
    assert journey["channels"] == ["chat", "phone"]
    assert [h["agent_id"] for h in journey["handled_by"]] == ["A1", "A2"]
    assert "identity_verified" in journey["steps_done"] and "refund_requested" in journey["steps_done"]
    assert journey["pending"] == ["refund_issued"]
    assert journey["collected"]["refund_amount"] == 30
    assert journey["transcript_tail"][0]["text"] == "My order O-55 arrived broken, I want my money back"
    assert context["data"]["customer"]["id"] == cid


async def test_the_next_agent_is_prompted_again_for_what_the_first_left_undone(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, agents=("A1", "A2"))
    chat, session_id, _ = await accepted(live_server, "A1", {"email": email})
    first = await chat.expect("prompt", action="verify_identity")
    phone_panel = await Panel.open(live_server, "A2")
    await phone_panel.expect("hello")
    await phone_panel.send("status", {"status": "available"})  # a transfer goes to an agent who is not away
    await phone_panel.expect("status")
    await chat.send("handoff_request", {"session_id": session_id, "channel": "phone", "to_agent": "A2"})
    await chat.expect("session_closed", session_id=session_id)
    offered = await phone_panel.expect("offer")
    await phone_panel.send("accept", {"offer_id": offered["data"]["offer_id"]})
    again = await phone_panel.expect("prompt", action="verify_identity")
    await phone_panel.send("event", {"session_id": offered["data"]["session_id"], "kind": "utterance",
                                     "speaker": "customer", "text": "I still want my refund"})
    later = await phone_panel.quiet(0.5)
    await chat.close()
    await phone_panel.close()
    assert again["data"]["session_id"] != first["data"]["session_id"]
    assert "verify_identity" not in [m["data"].get("action") for m in later if m["type"] == "prompt"]


async def test_returning_customer_on_another_channel_resumes_the_open_journey(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    chat, session_id, first = await accepted(live_server, "A1", {"email": email})
    await chat.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
    await chat.send("close", {"session_id": session_id, "outcome": "unresolved"})
    await chat.expect("session_closed")
    await chat.close()
    call, _, second = await accepted(live_server, "A2", {"phone": phone}, channel="phone")
    await call.close()
    assert second["data"]["current_journey"]["id"] == first["data"]["current_journey"]["id"]
    assert second["data"]["current_journey"]["steps_done"] == ["identity_verified"]


async def test_resolved_journey_is_not_resumed_by_the_next_contact(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    chat, session_id, first = await accepted(live_server, "A1", {"email": email})
    await chat.send("close", {"session_id": session_id, "outcome": "resolved"})
    await chat.expect("session_closed")
    await chat.close()
    call, _, second = await accepted(live_server, "A2", {"phone": phone}, channel="phone")
    await call.close()
    assert second["data"]["current_journey"]["id"] != first["data"]["current_journey"]["id"]


async def test_dropped_panel_resumes_with_nothing_lost_and_nothing_duplicated(live_server):
    panel = await Panel.open(live_server, "R1")
    await panel.expect("hello")
    offer(live_server, "R1", "chat", {"email": "r1@example.com"})
    first = await panel.expect("offer")
    await panel.close()
    missed = [offer(live_server, "R1", "chat", {"email": f"r1-{n}@example.com"}) for n in range(5)]
    resumed = await Panel.open(live_server, "R1", resume_from=first["seq"])
    hello = await resumed.expect("hello")
    replay = [await resumed.recv() for _ in range(5)]
    offer(live_server, "R1", "chat", {"email": "r1-live@example.com"})
    live = await resumed.recv()
    extra = await resumed.quiet(0.3)
    await resumed.close()
    assert hello["data"]["last_seq"] == first["seq"] + 5
    assert [m["data"]["offer_id"] for m in replay] == missed
    assert [m["seq"] for m in replay] == list(range(first["seq"] + 1, first["seq"] + 6))
    assert live["seq"] == first["seq"] + 6 and extra == []


async def test_resume_from_a_trimmed_position_says_so(tmp_path, redis_url):
    server = LiveServer(server_env(tmp_path, redis_url, ASSIST_STREAM_MAX_LEN="3"), free_port()).start()
    redis = RedisStore(redis_url, server.settings.redis_prefix)
    try:
        outbox = Outbox(redis.client, redis.keys, max_len=3, ttl_seconds=60)
        for n in range(200):
            await outbox.append("R2", Envelope(type="offer", data={"n": n}))
        panel = await Panel.open(server, "R2", resume_from=1)
        await panel.expect("hello")
        warning = await panel.expect("error")
        replay = await panel.quiet(0.5)
        await panel.close()
    finally:
        await redis.close()
        server.stop()
    assert warning["data"]["code"] == "resume_gap"
    seqs = [m["seq"] for m in replay]
    assert seqs == sorted(seqs) and seqs[-1] == 200 and len(seqs) < 200


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, redis_url):
    """Two uvicorn processes on different ports sharing one Redis and one database (the tests that share them use
    agents of their own)."""
    env = server_env(tmp_path_factory.mktemp("two-workers"), redis_url)
    a = LiveServer(env, free_port()).start()
    b = LiveServer(env, free_port()).start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


async def test_offer_made_on_worker_b_reaches_the_agent_connected_to_worker_a(two_workers):
    a, b = two_workers
    panel = await Panel.open(a, "W1")
    await panel.expect("hello")
    session_id = offer(b, "W1", "chat", {"email": "w1@example.com"})
    received = await panel.expect("offer")
    await panel.close()
    assert received["data"]["offer_id"] == session_id


async def test_event_posted_to_worker_b_prompts_the_panel_on_worker_a(two_workers):
    a, b = two_workers
    cid, phone, email = new_ids()
    await seed(a, customer_id=cid, phone=phone, email=email, agents=("W2",))
    panel, session_id, _ = await accepted(a, "W2", {"email": email})
    response = httpx.post(f"{b.base_url}/v1/sessions/{session_id}/events",
                          json={"kind": "utterance", "speaker": "customer", "text": "This is unacceptable, awful!"},
                          headers=b.headers("W2"))
    prompt = await panel.expect("prompt", action="apologise_acknowledge")
    await panel.close()
    assert response.status_code == 200
    assert prompt["data"]["session_id"] == session_id
