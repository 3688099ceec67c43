"""Hostile frames get the documented answer and never take the handler down (issue 18, defect 8): deeply
nested JSON and binary frames are answered with an ``error`` and the connection stays up; an oversize frame
is still closed with 1009."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.stream.panel import Panel


async def still_answers(panel: Panel) -> bool:
    await panel.send("ping", message_id="still-there")
    return (await panel.expect("pong"))["data"]["in_reply_to"] == "still-there"


@pytest.mark.parametrize("depth", [1_000, 30_000])
async def test_deeply_nested_json_gets_invalid_json(live_server, depth):
    panel = await Panel.open(live_server, f"N{depth}")
    await panel.expect("hello")
    await panel.ws.send("[" * depth + "]" * depth)
    message = await panel.expect("error")
    await panel.close()
    assert message["data"]["code"] == "invalid_json"


async def test_deeply_nested_object_message_gets_an_error_and_the_connection_stays_up(live_server):
    panel = await Panel.open(live_server, "N2")
    await panel.expect("hello")
    await panel.ws.send('{"type":"ping","data":' + '{"a":' * 1_000 + "1" + "}" * 1_000 + "}")
    message = await panel.expect("error")
    up = await still_answers(panel)
    await panel.close()
    assert message["data"]["code"] in ("invalid_json", "invalid_message") and up


async def test_nested_json_keeps_the_connection_up(live_server):
    panel = await Panel.open(live_server, "N3")
    await panel.expect("hello")
    await panel.ws.send("[" * 1_000 + "]" * 1_000)
    await panel.expect("error")
    up = await still_answers(panel)
    await panel.close()
    assert up


async def test_binary_frame_gets_invalid_message(live_server):
    panel = await Panel.open(live_server, "B1")
    await panel.expect("hello")
    await panel.ws.send(b'{"type":"ping","data":{}}')
    message = await panel.expect("error")
    await panel.close()
    assert (message["data"]["code"], "binary" in message["data"]["detail"]) == ("invalid_message", True)


async def test_binary_frame_keeps_the_connection_up(live_server):
    panel = await Panel.open(live_server, "B2")
    await panel.expect("hello")
    await panel.ws.send(b"\x00\xff\x00")
    await panel.expect("error")
    up = await still_answers(panel)
    await panel.close()
    assert up


async def test_oversize_frame_still_closes_with_1009(live_server):
    panel = await Panel.open(live_server, "O1")
    await panel.expect("hello")
    await panel.ws.send("x" * (live_server.settings.ws_max_message_bytes + 1))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await panel.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_oversize_binary_frame_closes_with_1009(live_server):
    panel = await Panel.open(live_server, "O2")
    await panel.expect("hello")
    await panel.ws.send(b"x" * (live_server.settings.ws_max_message_bytes + 1))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await panel.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


@pytest.mark.parametrize("resume_from", ["9" * 40, "-1", "\u00b2", "1e3"])
async def test_malformed_resume_from_gets_invalid_message_and_close_1008(live_server, resume_from):
    url = f"{live_server.ws_url}/v1/agents/R9/stream?resume_from={quote(resume_from)}"
    async with connect(url, additional_headers=live_server.headers("R9")) as ws:
        panel = Panel(ws)
        message = await panel.recv()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await panel.recv()
    assert (message["data"]["code"], closed.value.rcvd and closed.value.rcvd.code) == ("invalid_message", 1008)
