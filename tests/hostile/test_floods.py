"""Floods from outside, against a real server: many requests at once with one token, and many wrong keys.

Each is answered from the limiter, never by a 5xx: the first requests within the limit get their answer, every
one after gets 429 with ``Retry-After`` and a problem body. (The websocket flood, closed with 1008, is
tests/stream/test_protocol.py's ``test_flood_gets_rate_limited_and_close_1008``.)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, free_port, server_env

PER_TOKEN = 40
BAD_CREDENTIALS = 25
FLOOD = 300
CONCURRENCY = 30


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    env = server_env(tmp_path_factory.mktemp("floods"), redis_url, ASSIST_RATE_LIMIT_PER_TOKEN=str(PER_TOKEN),
                     ASSIST_RATE_LIMIT_BAD_CREDENTIALS=str(BAD_CREDENTIALS), ASSIST_RATE_LIMIT_WINDOW_SECONDS="120",
                     ASSIST_RATE_LIMIT_BAD_CREDENTIALS_WINDOW_SECONDS="120")
    server = LiveServer(env, free_port()).start()
    try:
        yield server
    finally:
        server.stop()


async def flood(server: LiveServer, path: str, headers: list[dict[str, str]],
                from_address: str) -> list[httpx.Response]:
    """``len(headers)`` GETs of ``path``, ``CONCURRENCY`` at a time, each with its own headers, sent from
    ``from_address`` (a loopback address of the test's own, so one test's refusals do not reach another)."""
    gate = asyncio.Semaphore(CONCURRENCY)
    transport = httpx.AsyncHTTPTransport(local_address=from_address,
                                         limits=httpx.Limits(max_connections=CONCURRENCY))
    async with httpx.AsyncClient(base_url=server.base_url, transport=transport, timeout=30) as client:

        async def one(h: dict[str, str]) -> httpx.Response:
            async with gate:
                return await client.get(path, headers=h)

        return await asyncio.gather(*(one(h) for h in headers))


def assert_refusals_are_problems_with_retry_after(responses: list[httpx.Response]) -> None:
    for response in responses:
        if response.status_code == 429:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "rate_limited"
            assert int(response.headers["retry-after"]) > 0


async def test_a_flood_with_one_token_gets_429_with_retry_after_beyond_the_limit(limited_server):
    responses = await flood(limited_server, "/v1/me", [limited_server.headers("FLOOD1", "agent")] * FLOOD,
                            from_address="127.0.0.2")
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: PER_TOKEN, 429: FLOOD - PER_TOKEN}
    assert_refusals_are_problems_with_retry_after(responses)


async def test_a_flood_of_wrong_api_keys_gets_429_after_the_bad_credentials_allowance(limited_server):
    responses = await flood(limited_server, "/v1/me", [{"X-API-Key": f"wrong-{n}"} for n in range(FLOOD)],
                            from_address="127.0.0.3")
    statuses = Counter(r.status_code for r in responses)
    assert statuses[401] <= BAD_CREDENTIALS + CONCURRENCY  # counted as they fail: those already in flight pass
    assert statuses == {401: statuses[401], 429: FLOOD - statuses[401]}
    assert_refusals_are_problems_with_retry_after(responses)
