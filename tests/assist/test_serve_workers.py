"""``assist serve --workers 2``: two forked workers answer on one port, a panel hears an offer whichever worker it
was posted through, a worker that dies is replaced, and SIGTERM stops every process.

Which worker holds a connection is read from /proc (the server's end of the client's TCP port), so nothing in
the API has to say which process answered."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assist.prefork import worker_count
from assist.stores.sql import Database
from assist.stores.tables import Agent
from tests.assist.test_serve import children
from tests.conftest import LiveServer, free_port, server_env
from tests.stream.panel import Panel

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads worker sockets from Linux /proc")

AGENT = "A1"


class ForkedServer(LiveServer):
    """``assist serve --workers 2``, the parent and its workers."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "assist.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", "2"]

    @property
    def workers(self) -> set[int]:
        assert self.process is not None
        return set(children(self.process.pid))

    def worker_of(self, client_port: int, timeout: float = 5.0) -> int:
        """The worker holding the server's end of the connection from ``client_port``, once one accepted it (a
        connection waits in the socket's backlog until then)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            inode = _server_socket_inode(self.port, client_port)
            for pid in self.workers:
                if f"socket:[{inode}]" in _sockets_of(pid):
                    return pid
            time.sleep(0.02)
        raise LookupError(f"no worker accepted the connection from port {client_port}")


def _sockets_of(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.add(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return found


def _server_socket_inode(server_port: int, client_port: int) -> str:
    """The inode of the accepted socket (local ``server_port``, remote ``client_port``) in /proc/net/tcp."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return fields[9]
    raise LookupError(f"no accepted connection from port {client_port}")


def redis_connections(pid: int, redis_port: int) -> int:
    """Established TCP connections ``pid`` holds to ``redis_port``."""
    inodes = {link[len("socket:["):-1] for link in _sockets_of(pid) if link.startswith("socket:[")}
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[2].split(":")[1], 16) == redis_port and fields[9] in inodes:
            count += 1
    return count


def start_forked(tmp: Path, redis_url: str) -> ForkedServer:
    env = server_env(tmp, redis_url, ASSIST_DATABASE_MIGRATE_ON_START="true")
    return ForkedServer(env, free_port(), log_path=tmp / "server.log").start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[ForkedServer]:
    forked = start_forked(tmp_path_factory.mktemp("forked"), redis_url)
    try:
        wait_for_workers(forked, 2)
        yield forked
    finally:
        forked.stop()


@pytest.fixture(scope="module")
async def agent(server: ForkedServer) -> AsyncIterator[str]:
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            s.add(Agent(id=AGENT, name=AGENT, channels={"chat": 3, "phone": 1}))
    finally:
        await db.close()
    yield AGENT


def wait_for_workers(server: ForkedServer, count: int, timeout: float = 30.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while len(server.workers) != count:
        assert time.monotonic() < deadline, f"workers {server.workers}, expected {count}"
        time.sleep(0.05)
    return server.workers


async def panel_on_each_worker(server: ForkedServer, agent_id: str, tries: int = 40) -> dict[int, Panel]:
    """Panels of ``agent_id`` opened until one is on each worker (the kernel picks the worker); extras closed."""
    panels: dict[int, Panel] = {}
    for _ in range(tries):
        panel = await Panel.open(server, agent_id)
        await panel.expect("hello")
        worker = server.worker_of(panel.ws.local_address[1])
        if worker in panels:
            await panel.close()
        else:
            panels[worker] = panel
        if len(panels) == len(server.workers):
            return panels
    raise AssertionError(f"{tries} panels all landed on {set(panels)}")


def http_to(server: ForkedServer, worker: int, timeout: float = 30.0) -> http.client.HTTPConnection:
    """A keep-alive HTTP connection that ``worker`` accepted (a worker still starting accepts none)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.connect()
        assert connection.sock is not None
        if server.worker_of(connection.sock.getsockname()[1]) == worker:
            return connection
        connection.close()
        time.sleep(0.05)
    raise AssertionError(f"no connection reached worker {worker} in {timeout} s")


async def test_two_worker_processes_answer_on_one_port(server: ForkedServer, agent: str) -> None:
    panels = await panel_on_each_worker(server, agent)
    try:
        assert set(panels) == server.workers and len(panels) == 2
    finally:
        for panel in panels.values():
            await panel.close()


async def test_a_panel_gets_an_offer_posted_through_the_other_worker(server: ForkedServer, agent: str) -> None:
    panels = await panel_on_each_worker(server, agent)
    try:
        (listening, panel), (other, _) = panels.items()
        connection = http_to(server, other)
        connection.request("POST", "/v1/contacts/offer", headers={**server.headers("X1", "admin"),
                                                                    "Content-Type": "application/json"},
                           body=json.dumps({"agent_id": agent, "channel": "chat", "reason": "billing"}))
        response = connection.getresponse()
        body = json.loads(response.read())
        connection.close()
        assert response.status == 201, body
        offer = await panel.expect("offer", offer_id=body["session_id"])
        assert offer["data"]["offer_id"] == body["session_id"]
    finally:
        for each in panels.values():
            await each.close()


def test_each_worker_opens_its_own_redis_connections_and_the_parent_none(server: ForkedServer,
                                                                         redis_url: str) -> None:
    assert server.process is not None
    redis_port = urlsplit(redis_url).port or 6379
    assert redis_connections(server.process.pid, redis_port) == 0
    assert all(redis_connections(worker, redis_port) >= 1 for worker in wait_for_workers(server, 2))


def test_a_worker_that_dies_is_replaced(server: ForkedServer) -> None:
    before = wait_for_workers(server, 2)
    killed = min(before)
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not (len(server.workers) == 2 and killed not in server.workers):
        assert time.monotonic() < deadline, f"workers {server.workers} after killing {killed}"
        time.sleep(0.05)
    connection = http_to(server, (server.workers - before).pop())
    connection.request("GET", "/readyz")
    assert connection.getresponse().status == 200
    connection.close()


def test_sigterm_stops_the_parent_and_every_worker(tmp_path: Path, redis_url: str) -> None:
    forked = start_forked(tmp_path, redis_url)
    assert forked.process is not None
    try:
        workers = wait_for_workers(forked, 2)
        forked.process.send_signal(signal.SIGTERM)
        assert forked.process.wait(timeout=30) == 0
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "a worker outlived the parent"
    finally:
        forked.stop()


@pytest.mark.parametrize("given", ["auto", "0", "AUTO"])
def test_auto_and_zero_workers_mean_one_per_core(given: str) -> None:
    assert worker_count(given) == len(os.sched_getaffinity(0))


def test_a_negative_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        worker_count("-1")
