"""What the stream leaves in the server's log (issue 18, defects 6 and 9): no credential from a websocket URL,
and nothing above INFO for panels that come and go, so a real error stands out."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from assist.logs import RedactSecrets
from tests.conftest import LiveServer, free_port, server_env
from tests.stream.panel import Panel


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """A server logging at INFO (uvicorn's access and websocket lines included) into a file of the test's."""
    tmp = tmp_path_factory.mktemp("logged")
    server = LiveServer(server_env(tmp, redis_url, ASSIST_LOG_LEVEL="INFO"), free_port(),
                        log_path=tmp / "server.log", log_level="info").start()
    try:
        yield server
    finally:
        server.stop()


def log_text(server: LiveServer) -> str:
    assert server.log_path is not None
    return Path(server.log_path).read_text()


async def settled(server: LiveServer, after: int) -> list[str]:
    """The log lines written after offset ``after``, once the server had time to log the disconnects."""
    await asyncio.sleep(0.5)
    return log_text(server)[after:].splitlines()


async def test_a_token_in_the_websocket_url_never_reaches_the_log(logged_server):
    token = logged_server.token("L1")
    async with connect(f"{logged_server.ws_url}/v1/agents/L1/stream?token={token}") as ws:
        await ws.recv()
    await asyncio.sleep(0.3)
    text = log_text(logged_server)
    assert token not in text and "token=[redacted]" in text


async def test_a_ticket_in_the_websocket_url_never_reaches_the_log(logged_server):
    ticket = httpx.post(logged_server.base_url + "/v1/stream-tickets",
                        headers=logged_server.headers("L2")).json()["ticket"]
    async with connect(f"{logged_server.ws_url}/v1/agents/L2/stream?ticket={ticket}") as ws:
        await ws.recv()
    await asyncio.sleep(0.3)
    text = log_text(logged_server)
    assert ticket not in text and "ticket=[redacted]" in text


async def test_panels_that_disconnect_cleanly_or_abruptly_log_nothing_above_info(logged_server):
    start = len(log_text(logged_server))
    for n in range(4):
        panel = await Panel.open(logged_server, f"D{n}")
        await panel.expect("hello")
        await panel.send("ping", message_id="p")
        await panel.expect("pong")
        await panel.close()
    for n in range(4):
        panel = await Panel.open(logged_server, f"D{n}", resume_from=0)
        await panel.expect("hello")
        panel.ws.transport.abort()  # gone without a close frame, as a dropped network does
    lines = await settled(logged_server, start)
    loud = [line for line in lines if json.loads(line)["level"] not in ("DEBUG", "INFO")]
    assert any('"WebSocket /v1/agents/D' in line for line in lines)  # the log was being written
    assert loud == [] and not any("Traceback" in line for line in lines)


async def test_a_panel_leaving_mid_reply_logs_nothing_above_info(logged_server):
    start = len(log_text(logged_server))
    for n in range(4):
        panel = await Panel.open(logged_server, f"M{n}")
        await panel.expect("hello")
        for _ in range(5):
            await panel.send("ping")
        panel.ws.transport.abort()
    lines = await settled(logged_server, start)
    assert [line for line in lines if json.loads(line)["level"] not in ("DEBUG", "INFO")] == []


def test_the_log_filter_redacts_uvicorns_websocket_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000",
                       "/v1/agents/A1/stream?token=eyJhbGci.secret.sig&resume_from=3")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == (
        '127.0.0.1:5000 - "WebSocket /v1/agents/A1/stream?token=[redacted]&resume_from=3" [accepted]\n')


def test_the_log_filter_redacts_extra_fields():
    record = logging.LogRecord("assist.access", logging.INFO, __file__, 1, "request", None, None)
    record.path = "/x?access_token=abc&ticket=def"
    RedactSecrets().filter(record)
    assert record.path == "/x?access_token=[redacted]&ticket=[redacted]"
