"""Stream tickets (issue 18, defect 6): a browser opens its stream with a short-lived, single-use ticket from
``POST /v1/stream-tickets`` instead of putting its 12-hour bearer token in the websocket URL."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from assist.auth.principal import Principal, Role
from assist.stores.redis import KeySpace, open_client
from assist.stream.tickets import StreamTickets
from tests.conftest import LiveServer
from tests.stream.panel import Panel


def ticket(server: LiveServer, agent_id: str, role: str = "agent") -> dict[str, Any]:
    response = httpx.post(server.base_url + "/v1/stream-tickets", headers=server.headers(agent_id, role))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def first_message_and_close_code(server: LiveServer, agent_id: str, ticket_value: str) -> tuple[dict, int | None]:
    async with connect(f"{server.ws_url}/v1/agents/{agent_id}/stream?ticket={ticket_value}") as ws:
        panel = Panel(ws)
        first = await panel.recv()
        if first["type"] == "hello":
            return first, None
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await panel.recv()
    return first, closed.value.rcvd.code if closed.value.rcvd else None


async def test_a_ticket_opens_its_agents_stream(live_server):
    issued = ticket(live_server, "T1")
    first, _ = await first_message_and_close_code(live_server, "T1", issued["ticket"])
    assert (first["type"], first["data"]["agent_id"]) == ("hello", "T1")


def test_a_ticket_names_its_agent_and_expires_within_a_minute(live_server):
    issued = ticket(live_server, "T2")
    assert (issued["agent_id"], 0 < issued["expires_in"] <= 60) == ("T2", True)


async def test_a_ticket_opens_the_stream_only_once(live_server):
    issued = ticket(live_server, "T3")
    await first_message_and_close_code(live_server, "T3", issued["ticket"])
    again, code = await first_message_and_close_code(live_server, "T3", issued["ticket"])
    assert (again["data"]["code"], code) == ("unauthorized", 1008)


async def test_an_unknown_ticket_is_refused_with_unauthorized(live_server):
    refused, code = await first_message_and_close_code(live_server, "T4", "not-a-ticket")
    assert (refused["data"]["code"], code) == ("unauthorized", 1008)


async def test_an_expired_ticket_is_refused_with_unauthorized(live_server):
    client = open_client(live_server.settings.redis_url)
    try:
        short = StreamTickets(client, KeySpace(live_server.settings.redis_prefix), ttl_seconds=1)
        issued = await short.issue(Principal(subject="T5", role=Role.AGENT))
    finally:
        await client.aclose()
    await asyncio.sleep(1.5)
    refused, code = await first_message_and_close_code(live_server, "T5", issued.ticket)
    assert (refused["data"]["code"], code) == ("unauthorized", 1008)


async def test_a_ticket_cannot_open_another_agents_stream(live_server):
    issued = ticket(live_server, "T6")
    refused, code = await first_message_and_close_code(live_server, "T7", issued["ticket"])
    assert (refused["data"]["code"], code) == ("other_agent", 1008)


def test_a_ticket_needs_credentials(live_server):
    response = httpx.post(live_server.base_url + "/v1/stream-tickets")
    assert (response.status_code, response.headers["content-type"]) == (401, "application/problem+json")
