"""Redis faults from outside: a real uvicorn server on a private redis-server that the test stops, restarts or
kills. While Redis is down every request that needs it answers 503 ``store_unavailable`` (never 500); once it
is back the very first requests succeed; the background work (routing's pass, its agent mirror, the fan-out)
carries on by itself; with persistence a resuming panel loses nothing. Each test counts what it sent and what
came back."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from assist.stores.redis import RedisStore
from assist.stream.outbox import Outbox
from assist.stream.protocol import Envelope
from tests.conftest import LiveServer, PrivateRedis, free_port, server_env
from tests.stream.panel import Panel
from tests.stream.seed import api_key

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server(server_on_private_redis: LiveServer) -> LiveServer:
    """One worker on a private redis-server without persistence."""
    return server_on_private_redis


@pytest.fixture
def two_workers(tmp_path: Path, persistent_redis: PrivateRedis) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two workers sharing one database and a private redis-server that keeps its data across a restart."""
    env = server_env(tmp_path, persistent_redis.url)
    a = LiveServer(env, free_port(), log_path=tmp_path / "a.log").start()
    b = LiveServer(env, free_port(), log_path=tmp_path / "b.log").start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


async def routing_client(server: LiveServer) -> httpx.AsyncClient:
    key = await api_key(server, f"acd-{uuid.uuid4().hex[:6]}")
    return httpx.AsyncClient(base_url=server.base_url + "/v1/routing", headers={"X-API-Key": key}, timeout=10)


async def register(acd: httpx.AsyncClient, agent_id: str, status: str = "available") -> None:
    assert (await acd.put("/skills/billing", json={})).status_code in (200, 201)
    response = await acd.put(f"/agents/{agent_id}", json={"skills": {"billing": 4}, "languages": ["en"],
                                                           "capacity": {"chat": 50}, "status": status})
    assert response.status_code in (200, 201), response.text


def contact(contact_id: str) -> dict[str, object]:
    return {"contact_id": contact_id, "channel": "chat", "required_skills": {"billing": 3}}


async def offer(client: httpx.AsyncClient, server: LiveServer, agent_id: str) -> httpx.Response:
    return await client.post(server.base_url + "/v1/contacts/offer", headers=server.headers("X1", "admin"),
                             json={"agent_id": agent_id, "channel": "chat", "reason": "refund",
                                   "identifiers": {"email": "nobody@example.com"}})


async def requests_needing_redis(server: LiveServer, acd: httpx.AsyncClient, agent_id: str,
                                 rounds: int) -> list[httpx.Response]:
    """``rounds`` of: an admin's offer, a session read, and routing calls through the client and the batcher."""
    responses = []
    async with httpx.AsyncClient(timeout=10) as client:
        for n in range(rounds):
            responses += [
                await offer(client, server, agent_id),
                await client.get(f"{server.base_url}/v1/sessions/S-none", headers=server.headers(agent_id)),
                await acd.get(f"/agents/{agent_id}"),
                await acd.put(f"/agents/{agent_id}/status", json={"status": "available"}),
                await acd.post("/contacts", json=contact(f"K-{uuid.uuid4().hex[:8]}-{n}")),
            ]
    return responses


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


async def test_during_a_redis_outage_every_request_needing_it_answers_503_store_unavailable(
        server: LiveServer, private_redis: PrivateRedis) -> None:
    async with await routing_client(server) as acd:
        await register(acd, "OUT1")
        private_redis.stop()
        try:
            responses = await requests_needing_redis(server, acd, "OUT1", rounds=4)
        finally:
            private_redis.start()
    codes = statuses(responses)
    assert codes == {503: len(responses)}, f"5xx other than 503: {codes}"
    assert {r.headers["content-type"] for r in responses} == {"application/problem+json"}
    assert {r.json()["code"] for r in responses} == {"store_unavailable"}
    assert all(int(r.headers["retry-after"]) > 0 for r in responses)


async def test_readyz_names_redis_while_it_is_down_and_is_ready_again_after(
        server: LiveServer, private_redis: PrivateRedis) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        private_redis.stop()
        try:
            down = await client.get("/readyz")
        finally:
            private_redis.start()
        up = await client.get("/readyz")
    assert down.status_code == 503 and down.json()["failed"] == ["redis"]
    assert up.status_code == 200


async def test_after_a_redis_restart_the_very_first_requests_succeed(
        tmp_path: Path, persistent_redis: PrivateRedis) -> None:
    live = LiveServer(server_env(tmp_path, persistent_redis.url), free_port()).start()
    try:
        async with await routing_client(live) as acd:
            await register(acd, "RS1")
            for _ in range(2):  # fill the pool with connections (and the batcher's kept one) that will go stale
                await asyncio.gather(*(requests_needing_redis(live, acd, "RS1", rounds=1) for _ in range(8)))
            persistent_redis.restart(down_seconds=0.5)
            await asyncio.sleep(0.2)
            first = await asyncio.gather(*(requests_needing_redis(live, acd, "RS1", rounds=1) for _ in range(8)))
    finally:
        live.stop()
    responses = [r for batch in first for r in batch]
    codes = statuses(responses)
    assert all(200 <= code < 300 or code == 404 for code in codes), f"after the restart: {codes}"


async def test_another_workers_agent_changes_reach_the_mirror_after_a_redis_restart(
        two_workers: tuple[LiveServer, LiveServer], persistent_redis: PrivateRedis) -> None:
    a, b = two_workers
    async with await routing_client(a) as acd_a, await routing_client(b) as acd_b:
        await register(acd_b, "MR1", status="away")
        persistent_redis.restart(down_seconds=1.0)
        await asyncio.sleep(1.0)  # the workers notice the outage and the server's return
        assert (await acd_b.put("/agents/MR1/status", json={"status": "available"})).status_code == 200
        seen = await eventually_status(acd_a, "MR1", "available", seconds=10)
    assert seen == "available"


async def eventually_status(acd: httpx.AsyncClient, agent_id: str, wanted: str, seconds: float) -> str:
    """The agent's status in the worker's mirror (``GET /agents`` reads it), polled until ``wanted``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    status = ""
    while loop.time() < deadline:
        listed = {a["agent_id"]: a["status"] for a in (await acd.get("/agents")).json()}
        status = listed.get(agent_id, "")
        if status == wanted:
            break
        await asyncio.sleep(0.2)
    return status


async def test_a_contact_queued_before_a_redis_restart_is_offered_after_it(
        two_workers: tuple[LiveServer, LiveServer], persistent_redis: PrivateRedis) -> None:
    a, b = two_workers
    async with await routing_client(a) as acd_a, await routing_client(b) as acd_b:
        await register(acd_a, "QR1", status="away")
        queued = await acd_a.post("/contacts", json=contact("K-queued-QR1"))
        persistent_redis.restart(down_seconds=1.0)
        await asyncio.sleep(1.0)
        assert (await acd_b.put("/agents/QR1/status", json={"status": "available"})).status_code == 200
        state = await eventually_contact_state(acd_a, "K-queued-QR1", "offered", seconds=10)
    assert queued.status_code == 202
    assert state == "offered"


async def eventually_contact_state(acd: httpx.AsyncClient, contact_id: str, wanted: str, seconds: float) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    state = ""
    while loop.time() < deadline:
        response = await acd.get(f"/contacts/{contact_id}")
        state = response.json().get("state", "") if response.status_code == 200 else ""
        if state == wanted:
            break
        await asyncio.sleep(0.2)
    return state


# -- delivery across faults: count what was sent and what the panel received -----------------------------------


async def send_offers(server: LiveServer, agent_id: str, count: int) -> list[str]:
    """``count`` offers, each retried while the server answers 503; returns the session ids that were made."""
    made = []
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(count):
            for _attempt in range(100):
                response = await offer(client, server, agent_id)
                if response.status_code != 503:
                    break
                await asyncio.sleep(0.1)
            assert response.status_code == 201, response.text
            made.append(response.json()["session_id"])
    return made


class Receiver:
    """A panel that records every offer it receives and, when its socket drops, resumes from the last seq."""

    def __init__(self, agent_id: str) -> None:
        self.agent_id = agent_id
        self.offers: list[str] = []
        self.last_seq = 0
        self.resumes = 0

    async def follow(self, servers: list[LiveServer], until: int) -> None:
        """Receive until ``until`` offers have arrived, resuming on the next server of ``servers`` on a drop."""
        attempt = 0
        while len(self.offers) < until:
            server = servers[min(attempt, len(servers) - 1)]
            try:
                panel = await Panel.open(server, self.agent_id,
                                         resume_from=self.last_seq if attempt else None)
            except OSError:
                attempt += 1
                await asyncio.sleep(0.2)
                continue
            attempt += 1
            self.resumes += attempt > 1
            try:
                await self._drain(panel, until)
            except Exception:  # noqa: BLE001 - a dropped socket: resume
                pass
            finally:
                await panel.close()

    async def _drain(self, panel: Panel, until: int) -> None:
        while len(self.offers) < until:
            message = await panel.recv(timeout=30)
            if message["type"] == "offer":
                self.offers.append(message["data"]["offer_id"])
            if message.get("seq"):
                self.last_seq = message["seq"]


def lost_and_duplicated(sent: list[str], received: list[str]) -> tuple[int, int]:
    counts = Counter(received)
    return sum(1 for s in sent if counts[s] == 0), sum(n - 1 for n in counts.values() if n > 1)


async def test_a_redis_crash_with_persistence_loses_no_message_for_a_resuming_panel(
        tmp_path: Path, persistent_redis: PrivateRedis) -> None:
    live = LiveServer(server_env(tmp_path, persistent_redis.url), free_port()).start()
    try:
        receiver = Receiver("PK1")
        following = asyncio.create_task(receiver.follow([live], until=40))
        await asyncio.sleep(0.5)
        sent = await send_offers(live, "PK1", 20)
        persistent_redis.stop(kill=True)  # kill -9
        await asyncio.sleep(0.5)
        persistent_redis.start()
        sent += await send_offers(live, "PK1", 20)
        await asyncio.wait_for(following, 60)
    finally:
        live.stop()
    assert lost_and_duplicated(sent, receiver.offers) == (0, 0)
    assert len(sent) == len(receiver.offers) == 40


async def test_a_worker_killed_mid_stream_loses_and_duplicates_nothing_for_a_panel_resuming_elsewhere(
        tmp_path: Path, private_redis: PrivateRedis) -> None:
    env = server_env(tmp_path, private_redis.url)
    a = LiveServer(env, free_port()).start()
    b = LiveServer(env, free_port()).start()
    try:
        receiver = Receiver("WK1")
        following = asyncio.create_task(receiver.follow([a, b], until=40))
        await asyncio.sleep(0.5)
        sent = await send_offers(b, "WK1", 20)
        assert a.process is not None
        a.process.kill()  # SIGKILL: no shutdown, the socket just drops
        sent += await send_offers(b, "WK1", 20)
        await asyncio.wait_for(following, 60)
    finally:
        a.stop()
        b.stop()
    assert receiver.resumes >= 1
    assert lost_and_duplicated(sent, receiver.offers) == (0, 0)
    assert len(sent) == len(receiver.offers) == 40


async def test_a_panel_open_across_a_redis_restart_receives_the_next_offer_on_the_same_socket(
        tmp_path: Path, persistent_redis: PrivateRedis) -> None:
    live = LiveServer(server_env(tmp_path, persistent_redis.url), free_port()).start()
    try:
        panel = await Panel.open(live, "FO1")
        await panel.expect("hello")
        persistent_redis.restart(down_seconds=1.0)
        await asyncio.sleep(1.5)  # the fan-out reconnects and subscribes again
        sent = await send_offers(live, "FO1", 3)
        received = [(await panel.expect("offer", timeout=10))["data"]["offer_id"] for _ in sent]
        await panel.close()
    finally:
        live.stop()
    assert received == sent


# -- a panel that stops reading -----------------------------------------------------------------------------------


def resident_kib(pid: int) -> int:
    """The process's resident memory (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def test_a_panel_that_stops_reading_is_closed_1013_with_server_memory_bounded_and_resumes_whole(
        tmp_path: Path, private_redis: PrivateRedis) -> None:
    frames, padding = 4000, 8000  # 32 MB of frames for one panel; the server may hold ~1000 of them at most
    live = LiveServer(server_env(tmp_path, private_redis.url, ASSIST_STREAM_MAX_LEN=str(frames + 10)),
                      free_port()).start()
    store = RedisStore(private_redis.url, live.settings.redis_prefix)
    outbox = Outbox(store.client, store.keys, max_len=frames + 10, ttl_seconds=600)
    try:
        assert live.process is not None
        stalled = await connect(f"{live.ws_url}/v1/agents/SL1/stream", max_queue=1, max_size=2**22,
                                additional_headers=live.headers("SL1"))
        hello = json.loads(await stalled.recv())
        before = resident_kib(live.process.pid)
        for start in range(0, frames, 50):
            await outbox.append_all("SL1", [Envelope(type="offer", data={"n": n, "pad": "x" * padding})
                                            for n in range(start, start + 50)])
        await asyncio.sleep(2.0)  # the worker takes what it will hold
        growth_mib = (resident_kib(live.process.pid) - before) / 1024
        seen: list[int] = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                seen.append(json.loads(await asyncio.wait_for(stalled.recv(), 10))["seq"])
        resumed = await Panel.open(live, "SL1", resume_from=seen[-1] if seen else hello["data"]["last_seq"])
        await resumed.expect("hello")
        while not seen or seen[-1] < hello["data"]["last_seq"] + frames:
            seen.append((await resumed.recv(timeout=10))["seq"])
        await resumed.close()
    finally:
        await store.close()
        live.stop()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    assert growth_mib < 24, f"the server grew by {growth_mib:.0f} MiB for one stalled panel"
    assert seen == list(range(hello["data"]["last_seq"] + 1, hello["data"]["last_seq"] + frames + 1))


async def collect_offers(panel: Panel, into: list[str]) -> None:
    """Every offer the open socket receives, until the test cancels it."""
    while True:
        message = await panel.recv(timeout=60)
        if message["type"] == "offer":
            into.append(message["data"]["offer_id"])


async def test_offers_through_one_worker_reach_the_agents_tab_on_another_across_redis_restarts(
        tmp_path: Path, private_redis: PrivateRedis) -> None:
    """The agent has the panel open on two workers (two tabs); offers are posted through the first, and a
    Redis without persistence restarts three times, each time once the tabs have what was sent before. The
    first offers after each restart meet both workers still reconnecting; the tab on the second worker gets
    every offer that was made (201) on the socket it has open, none twice: no resume, no waiting for a next
    frame. (A restart that lost its data before its frames reached the other worker would lose them with it:
    Redis held their only stored copy.)"""
    env = server_env(tmp_path, private_redis.url)
    a = LiveServer(env, free_port()).start()
    b = LiveServer(env, free_port()).start()
    tabs = []
    try:
        tabs = [await Panel.open(a, "XW1"), await Panel.open(b, "XW1")]
        for tab in tabs:
            await tab.expect("hello")
        on_a: list[str] = []
        on_b: list[str] = []
        readers = [asyncio.create_task(collect_offers(tabs[0], on_a)),
                   asyncio.create_task(collect_offers(tabs[1], on_b))]
        sent: list[str] = []
        for restart in range(4):
            if restart:
                private_redis.restart()
            sent += await send_offers(a, "XW1", 8)
            for _ in range(150):  # both tabs have every offer so far
                if set(sent) <= set(on_a) & set(on_b):
                    break
                await asyncio.sleep(0.1)
        for reader in readers:
            reader.cancel()
    finally:
        for tab in tabs:
            await tab.close()
        a.stop()
        b.stop()
    assert lost_and_duplicated(sent, on_b) == (0, 0)
    assert lost_and_duplicated(sent, on_a) == (0, 0)
