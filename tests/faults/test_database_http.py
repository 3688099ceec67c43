"""HTTP while PostgreSQL is down: 503 ``store_unavailable`` naming the database (never 500), and the first request
after it is back succeeds. A real server on a private PostgreSQL cluster that the test stops and starts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, PrivatePostgres, PrivateRedis, free_port, server_env

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server(private_postgres: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[LiveServer]:
    env = server_env(tmp_path, private_redis.url, ASSIST_DATABASE_URL=private_postgres.url)
    live = LiveServer(env, free_port(), log_path=tmp_path / "server.log").start()
    try:
        yield live
    finally:
        live.stop()


def read_agents(client: httpx.Client, server: LiveServer, times: int) -> list[httpx.Response]:
    return [client.get(f"{server.base_url}/v1/agents/DB{n}", headers=server.headers("X1", "admin"))
            for n in range(times)]


def test_while_the_database_is_down_requests_answer_503_naming_it_and_after_it_the_first_succeeds(
        server: LiveServer, private_postgres: PrivatePostgres) -> None:
    with httpx.Client(timeout=30) as client:
        before = read_agents(client, server, 3)
        private_postgres.stop("immediate")
        try:
            down = read_agents(client, server, 10)
            ready = client.get(f"{server.base_url}/readyz")
        finally:
            private_postgres.start()
        after = read_agents(client, server, 3)
    assert Counter(r.status_code for r in before) == {404: 3}
    assert Counter(r.status_code for r in down) == {503: 10}
    assert {(r.json()["code"], r.json()["store"], r.headers["retry-after"] != "") for r in down} == {
        ("store_unavailable", "database", True)}
    assert ready.status_code == 503 and ready.json()["failed"] == ["database"]
    assert Counter(r.status_code for r in after) == {404: 3}
