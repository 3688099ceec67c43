"""``panel_event`` over a real websocket: recorded through the record journal with the contact's channel and
queue, refused with a code when bad or foreign, and capped per contact (``ASSIST_PANEL_EVENTS_PER_SESSION``)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from sqlmodel import col, select

from assist.panel_use.tables import PanelEvent
from assist.stores.sql import Database
from tests.conftest import LiveServer, free_port, server_env
from tests.faults.test_database_outage import _delete_keys
from tests.stream.panel import Panel

CAP = 4


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str):
    env = server_env(tmp_path_factory.mktemp("panel-use"), redis_url, ASSIST_PANEL_EVENTS_PER_SESSION=str(CAP))
    live = LiveServer(env, free_port()).start()
    try:
        yield live
    finally:
        live.stop()
        await _delete_keys(redis_url, env["ASSIST_REDIS_PREFIX"])


async def opened(server: LiveServer) -> tuple[Panel, str]:
    """A new agent's panel with a contact accepted."""
    agent_id = f"PU-{uuid.uuid4().hex[:8]}"
    panel = await Panel.open(server, agent_id)
    await panel.expect("hello")
    response = httpx.post(server.base_url + "/v1/contacts/offer", headers=server.headers("X1", "admin"),
                          json={"agent_id": agent_id, "channel": "chat", "reason": "refund",
                                "identifiers": {"email": "nobody@example.com"}})
    assert response.status_code == 201, response.text
    session_id = response.json()["session_id"]
    await panel.expect("offer", offer_id=session_id)
    await panel.send("accept", {"offer_id": session_id})
    await panel.expect("context", session_id=session_id)
    return panel, session_id


async def reply(panel: Panel, message_id: str) -> dict:
    while True:
        message = await panel.recv()
        if message["type"] in ("ack", "error") and message["data"].get("in_reply_to") == message_id:
            return message


async def stored(server: LiveServer, session_id: str, count: int, timeout: float = 10.0) -> list[PanelEvent]:
    db = Database(server.settings.resolved_database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            async with db.session() as s:
                rows = list((await s.exec(select(PanelEvent).where(PanelEvent.session_id == session_id)
                                          .order_by(col(PanelEvent.at)))).all())
            if len(rows) >= count or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.2)
    finally:
        await db.close()


async def test_panel_events_reach_sql_with_the_contacts_channel_and_queue(server):
    panel, session_id = await opened(server)
    sent = [("panel_visible", ""), ("card_view", "history"), ("article_view", "kb-refund-policy")]
    for n, (kind, ref) in enumerate(sent):
        await panel.send("panel_event", {"session_id": session_id, "kind": kind, "ref": ref}, f"pe-{n}")
        assert (await reply(panel, f"pe-{n}"))["type"] == "ack"
    rows = await stored(server, session_id, len(sent))
    await panel.close()
    assert [(r.kind, r.ref) for r in rows] == sent
    assert {(r.channel, r.queue, r.practice) for r in rows} == {("chat", "refund", False)}


async def test_an_unknown_kind_is_an_invalid_message_and_the_connection_stays_up(server):
    panel, session_id = await opened(server)
    await panel.send("panel_event", {"session_id": session_id, "kind": "tab_dance"}, "bad")
    error = await reply(panel, "bad")
    await panel.send("ping", {}, "still-there")
    pong = await panel.expect("pong")
    await panel.close()
    assert (error["type"], error["data"]["code"]) == ("error", "invalid_message")
    assert "kind" in error["data"]["detail"]
    assert pong["data"]["in_reply_to"] == "still-there"


async def test_another_agents_contact_is_refused(server):
    owner, session_id = await opened(server)
    other, _ = await opened(server)
    await other.send("panel_event", {"session_id": session_id, "kind": "panel_visible"}, "foreign")
    error = await reply(other, "foreign")
    await owner.close()
    await other.close()
    assert error["data"]["code"] == "other_agent"


async def test_a_contact_records_at_most_its_cap_of_panel_events(server):
    panel, session_id = await opened(server)
    replies = []
    for n in range(CAP + 2):
        await panel.send("panel_event", {"session_id": session_id, "kind": "card_view", "ref": "history"}, f"c{n}")
        replies.append(await reply(panel, f"c{n}"))
    await asyncio.sleep(1.5)  # the writer's interval: anything journaled is in SQL by now
    rows = await stored(server, session_id, CAP + 1, timeout=0)
    await panel.close()
    assert [r["type"] for r in replies] == ["ack"] * CAP + ["error"] * 2
    assert replies[-1]["data"]["code"] == "panel_events_capped"
    assert len(rows) == CAP
