"""The websocket protocol over a real uvicorn server: hello, and every bad message answered with a code."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.stream.panel import Panel


def offer(server, agent_id: str, **extra) -> dict:
    body = {"agent_id": agent_id, "channel": "chat", "reason": "refund",
            "identifiers": {"email": "nobody@example.com"}, **extra}
    response = httpx.post(server.base_url + "/v1/contacts/offer", json=body, headers=server.headers("X1", "admin"))
    assert response.status_code == 201, response.text
    return response.json()


async def closed_with(panel: Panel) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await panel.recv()
    return closed.value.rcvd.code


async def test_first_message_is_hello_with_protocol_agent_and_last_seq(live_server):
    panel = await Panel.open(live_server, "H1")
    message = await panel.recv()
    await panel.close()
    assert message["type"] == "hello"
    assert message["data"]["protocol"] == "1.0"
    assert message["data"]["agent_id"] == "H1"
    assert message["data"]["last_seq"] == 0
    assert message["seq"] is None


async def test_token_in_query_parameter_is_accepted_for_browsers(live_server):
    url = f"{live_server.ws_url}/v1/agents/H2/stream?token={live_server.token('H2')}"
    async with connect(url) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"


async def test_missing_token_gets_error_and_close_1008(live_server):
    async with connect(f"{live_server.ws_url}/v1/agents/H3/stream") as ws:
        panel = Panel(ws)
        message = await panel.recv()
        assert (message["type"], message["data"]["code"]) == ("error", "unauthorized")
        assert await closed_with(panel) == 1008


async def test_token_of_another_agent_gets_error_and_close_1008(live_server):
    panel = await Panel.open(live_server, "H4", token=live_server.token("H5"))
    message = await panel.recv()
    assert message["data"]["code"] == "other_agent"
    assert await closed_with(panel) == 1008


async def test_not_json_gets_invalid_json_and_connection_stays_up(live_server):
    panel = await Panel.open(live_server, "H6")
    await panel.expect("hello")
    await panel.ws.send("{not json")
    assert (await panel.expect("error"))["data"]["code"] == "invalid_json"
    await panel.send("ping", message_id="p1")
    assert (await panel.expect("pong"))["data"]["in_reply_to"] == "p1"
    await panel.close()


async def test_unknown_type_gets_unknown_type_error(live_server):
    panel = await Panel.open(live_server, "H7")
    await panel.expect("hello")
    await panel.send("teleport", message_id="m1")
    message = await panel.expect("error")
    await panel.close()
    assert message["data"] == {"code": "unknown_type", "detail": "unknown message type 'teleport'",
                               "in_reply_to": "m1"}


async def test_missing_fields_get_invalid_message_naming_them(live_server):
    panel = await Panel.open(live_server, "H8")
    await panel.expect("hello")
    await panel.send("event", {"kind": "utterance"})
    message = await panel.expect("error")
    await panel.close()
    assert message["data"]["code"] == "invalid_message"
    assert "session_id" in message["data"]["detail"]


async def test_accepting_another_agents_offer_is_refused(live_server):
    made = offer(live_server, "H9")
    panel = await Panel.open(live_server, "H10")
    await panel.expect("hello")
    await panel.send("accept", {"offer_id": made["session_id"]})
    message = await panel.expect("error")
    await panel.close()
    assert message["data"]["code"] == "other_agent"
    session = httpx.get(f"{live_server.base_url}/v1/sessions/{made['session_id']}",
                        headers=live_server.headers("X1", "admin")).json()
    assert session["status"] == "offered"


async def test_oversized_frame_closes_with_1009(live_server):
    panel = await Panel.open(live_server, "H11")
    await panel.expect("hello")
    await panel.ws.send("x" * (live_server.settings.ws_max_message_bytes + 1))
    assert await closed_with(panel) == 1009


async def test_flood_gets_rate_limited_and_close_1008(live_server):
    panel = await Panel.open(live_server, "H12")
    await panel.expect("hello")
    for _ in range(int(live_server.settings.ws_max_messages_per_second * 3)):
        await panel.send("ping")
    codes = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            message = await panel.recv()
            codes.append(message["data"].get("code"))
    assert "rate_limited" in codes
    assert closed.value.rcvd.code == 1008


async def test_bad_messages_from_one_agent_leave_another_agents_stream_alone(live_server):
    bystander = await Panel.open(live_server, "H13")
    await bystander.expect("hello")
    rogue = await Panel.open(live_server, "H14")
    await rogue.expect("hello")
    await rogue.ws.send("{oops")
    await rogue.send("close", {"session_id": "S-nope", "outcome": "resolved"})
    await rogue.ws.send("y" * (live_server.settings.ws_max_message_bytes + 1))
    assert await bystander.quiet(0.3) == []
    made = offer(live_server, "H13")
    received = await bystander.expect("offer")
    await bystander.close()
    assert received["data"]["offer_id"] == made["session_id"]
    assert received["seq"] == 1


async def test_offer_for_unknown_channel_is_422_problem(live_server):
    response = httpx.post(live_server.base_url + "/v1/contacts/offer",
                          json={"agent_id": "A1", "channel": "fax", "reason": "refund"},
                          headers=live_server.headers("X1", "admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


async def test_agent_cannot_offer_contacts(live_server):
    response = httpx.post(live_server.base_url + "/v1/contacts/offer",
                          json={"agent_id": "A1", "channel": "chat", "reason": "refund"},
                          headers=live_server.headers("A1"))
    assert response.status_code == 403


async def test_ping_sent_right_after_connect_is_answered_after_hello(live_server):
    panel = await Panel.open(live_server, "H15")
    await panel.send("ping", message_id="early")
    types = [(await panel.recv())["type"] for _ in range(2)]
    await panel.close()
    assert types == ["hello", "pong"]
