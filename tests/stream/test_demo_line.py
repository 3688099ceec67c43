"""Demo mode: the panel posts a simulated customer line and sees it become a prompt with reasons; outside demo
mode the same message is refused with ``demo_only`` and nothing is recorded."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, free_port, server_env
from tests.stream.panel import Panel
from tests.stream.seed import seed
from tests.stream.test_sessions import accepted, new_ids


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    env = server_env(tmp_path_factory.mktemp("demo"), redis_url, ASSIST_DEMO_MODE="true")
    server = LiveServer(env, free_port()).start()
    try:
        yield server
    finally:
        server.stop()


async def open_contact(server: LiveServer):
    cid, phone, email = new_ids()
    await seed(server, customer_id=cid, phone=phone, email=email, agents=("D1",))
    return await accepted(server, "D1", {"email": email}, reason="complaint")


async def test_in_demo_mode_a_simulated_customer_line_becomes_a_prompt_with_reasons(demo_server):
    panel, session_id, _ = await open_contact(demo_server)
    await panel.send("simulate_customer", {"session_id": session_id,
                                           "text": "This is ridiculous, put me through to your manager"},
                     message_id="d1")
    ack = await panel.expect("ack", in_reply_to="d1")
    line = await panel.expect("transcript", session_id=session_id)
    prompt = await panel.expect("prompt", action="escalate_supervisor")
    await panel.close()
    assert line["data"]["simulated"] is True and line["data"]["speaker"] == "customer"
    assert [r["text"] for r in prompt["data"]["reasons"]] == ["customer asked to escalate"]
    assert ack["data"]["session_id"] == session_id


async def test_the_hello_says_the_server_is_in_demo_mode(demo_server):
    panel, _, _ = await open_contact(demo_server)
    hello = panel.seen[0]
    await panel.close()
    assert hello["type"] == "hello" and hello["data"]["demo"] is True


async def test_outside_demo_mode_a_simulated_customer_line_is_refused_and_not_recorded(live_server):
    panel, session_id, context = await open_contact(live_server)
    await panel.send("simulate_customer", {"session_id": session_id, "text": "I want a manager"}, message_id="d1")
    error = await panel.expect("error")
    quiet = await panel.quiet(0.3)
    session = httpx.get(f"{live_server.base_url}/v1/sessions/{session_id}", headers=live_server.headers("D1"))
    await panel.close()
    assert panel.seen[0]["data"]["demo"] is False
    assert error["data"] == {"code": "demo_only", "in_reply_to": "d1",
                             "detail": "simulated customer lines are for demo mode only (assist serve --demo)"}
    assert [m["type"] for m in quiet] == []
    assert session.json()["status"] == "open"


async def test_in_demo_mode_the_panel_can_ask_for_a_contact_and_is_offered_one(demo_server):
    cid, phone, email = new_ids()
    await seed(demo_server, customer_id=cid, phone=phone, email=email, agents=("D2",))
    panel = await Panel.open(demo_server, "D2")
    await panel.expect("hello")
    await panel.send("demo_offer", {"reason": "refund"})
    offer = await panel.expect("offer")
    await panel.send("accept", {"offer_id": offer["data"]["offer_id"]})
    context = await panel.expect("context")
    await panel.close()
    assert offer["data"]["reason"] == "refund" and offer["data"]["channel"] == "chat"
    assert context["data"]["identity"]["status"] == "resolved"


async def test_outside_demo_mode_asking_for_a_demo_contact_is_refused(live_server):
    panel = await Panel.open(live_server, "D3")
    await panel.expect("hello")
    await panel.send("demo_offer", {}, message_id="o1")
    error = await panel.expect("error")
    quiet = await panel.quiet(0.3)
    await panel.close()
    assert error["data"]["code"] == "demo_only" and error["data"]["in_reply_to"] == "o1"
    assert quiet == []
