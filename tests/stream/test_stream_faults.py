"""A panel never silently misses a frame when the agent's numbering starts over (issue 18, defect 1).

Redis losing its data (a restart without persistence, a failover to an empty replica), or the stream expiring
after a silence, restarts the per-agent seq at 1. Each numbering is an epoch: every durable frame and ``hello``
carry it, so an open panel takes a new epoch's frames however low their seqs, and a resume against another
epoch (or past the last seq) is a ``resume_gap`` followed by everything held. These tests lose the data of a
private redis-server of their own, never the shared one.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis as redis_sync
from websockets.asyncio.client import connect

from assist.stores.redis import RedisStore
from assist.stream.fanout import Fanout, Listener
from assist.stream.outbox import _APPEND, Frame, Outbox
from assist.stream.protocol import Envelope
from tests.conftest import LiveServer, PrivateRedis
from tests.stream.panel import Panel


@pytest.fixture
async def redis(private_redis: PrivateRedis) -> AsyncIterator[RedisStore]:
    store = RedisStore(private_redis.url, f"t{uuid.uuid4().hex[:10]}")
    yield store
    await store.close()


async def offer(server: LiveServer, agent_id: str, attempts: int = 40) -> dict[str, Any]:
    """POST an offer for ``agent_id`` as an admin; retried while the service's Redis is coming back."""
    body = {"agent_id": agent_id, "channel": "chat", "reason": "refund", "identifiers": {"customer_id": "C000001"}}
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.headers("X1", "admin")) as client:
        for _ in range(attempts):
            try:
                response = await client.post("/v1/contacts/offer", json=body, timeout=5)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 201:
                return response.json()  # type: ignore[no-any-return]
            await asyncio.sleep(0.25)
    raise AssertionError(f"no offer accepted for {agent_id} in {attempts} attempts")


async def open_panel(server: LiveServer, agent_id: str, **query: str | int) -> Panel:
    url = f"{server.ws_url}/v1/agents/{agent_id}/stream"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return Panel(await connect(url, additional_headers=server.headers(agent_id)))


# ---- the panel, through a real server ------------------------------------------------------------------

async def test_an_open_panel_gets_the_next_offer_after_redis_lost_its_data(server_on_private_redis, private_redis):
    server = server_on_private_redis
    panel = await open_panel(server, "E1")
    await panel.expect("hello")
    for _ in range(3):
        await offer(server, "E1")
    before = [await panel.expect("offer") for _ in range(3)]
    private_redis.restart()  # no persistence: every key is gone, the numbering starts over
    sent = await offer(server, "E1")
    after = await panel.expect("offer", offer_id=sent["session_id"])
    await panel.close()
    assert [m["seq"] for m in before] == [1, 2, 3]
    assert (after["seq"], after["epoch"] != before[0]["epoch"]) == (1, True)


async def test_a_frame_appended_while_pub_sub_reconnects_reaches_the_open_panel_without_a_next_frame(
        server_on_private_redis, private_redis):
    server = server_on_private_redis
    panel = await open_panel(server, "E6")
    await panel.expect("hello")
    await offer(server, "E6")
    await panel.expect("offer")
    private_redis.restart()
    store = RedisStore(private_redis.url, server.settings.redis_prefix)
    try:  # appended at once, before the worker's pub/sub has subscribed again: published to nobody
        await Outbox(store.client, store.keys, max_len=100, ttl_seconds=60).append(
            "E6", Envelope(type="status", data={"status": "away"}))
    finally:
        await store.close()
    caught_up = await panel.expect("status", timeout=10)
    await panel.close()
    assert (caught_up["seq"], caught_up["data"]["status"]) == (1, "away")


async def test_a_panel_resuming_from_the_old_epoch_gets_resume_gap_then_the_new_epochs_frames(
        server_on_private_redis, private_redis):
    server = server_on_private_redis
    panel = await open_panel(server, "E2")
    await panel.expect("hello")
    await offer(server, "E2")
    await offer(server, "E2")
    last = [await panel.expect("offer") for _ in range(2)][-1]
    await panel.close()
    private_redis.restart()
    sent = await offer(server, "E2")
    resumed = await open_panel(server, "E2", resume_from=last["seq"], epoch=last["epoch"])
    hello, gap, replayed = await resumed.recv(), await resumed.recv(), await resumed.recv()
    await resumed.close()
    assert hello["data"]["epoch"] != last["epoch"] and hello["data"]["last_seq"] == 1
    assert (gap["type"], gap["data"]["code"]) == ("error", "resume_gap")
    assert (replayed["type"], replayed["seq"], replayed["data"]["offer_id"]) == ("offer", 1, sent["session_id"])


async def test_a_resume_past_the_last_seq_gets_resume_gap_then_everything_held(live_server):
    agent = f"E3{uuid.uuid4().hex[:6]}"
    sent = [await offer(live_server, agent) for _ in range(2)]
    panel = await open_panel(live_server, agent, resume_from=13)
    hello, gap = await panel.recv(), await panel.recv()
    replayed = [await panel.recv() for _ in range(2)]
    await panel.close()
    assert hello["data"]["last_seq"] == 2
    assert (gap["type"], gap["data"]["code"]) == ("error", "resume_gap")
    assert [(m["seq"], m["data"]["offer_id"]) for m in replayed] == [(1, sent[0]["session_id"]),
                                                                     (2, sent[1]["session_id"])]


async def test_hello_and_every_durable_frame_name_the_epoch(live_server):
    agent = f"E4{uuid.uuid4().hex[:6]}"
    await offer(live_server, agent)
    panel = await open_panel(live_server, agent, resume_from=0)
    hello, first = await panel.recv(), await panel.recv()
    await panel.close()
    assert isinstance(hello["data"]["epoch"], str) and first["epoch"] == hello["data"]["epoch"]


# ---- the outbox and the fan-out, against a private Redis -----------------------------------------------

async def test_lost_numbering_starts_a_new_epoch_from_seq_1(redis):
    outbox = Outbox(redis.client, redis.keys, 100, 60)
    await outbox.append("A1", Envelope(type="offer"))
    first = await outbox.head("A1")
    await redis.client.delete(redis.keys.key("agent", "A1", "seq"), redis.keys.key("agent", "A1", "outbox"))
    seq = await outbox.append("A1", Envelope(type="offer"))
    assert (seq, (await outbox.head("A1")).epoch != first.epoch) == (1, True)


async def test_a_lost_counter_empties_the_stream_so_it_holds_only_the_new_epoch(redis):
    outbox = Outbox(redis.client, redis.keys, 100, 60)
    for n in range(3):
        await outbox.append("A1", Envelope(type="offer", data={"n": n}))
    await redis.client.delete(redis.keys.key("agent", "A1", "seq"))
    await outbox.append("A1", Envelope(type="offer", data={"n": "new"}))
    messages, gap = await outbox.since("A1", 0)
    assert ([(m.seq, m.data["n"]) for m in messages], gap) == ([(1, "new")], False)


async def test_a_counter_from_before_epochs_starts_a_new_epoch(redis):
    outbox = Outbox(redis.client, redis.keys, 100, 60)
    await redis.client.set(redis.keys.key("agent", "A1", "seq"), "13")
    seq = await outbox.append("A1", Envelope(type="offer"))
    assert (seq, (await outbox.head("A1")).epoch is not None) == (1, True)


async def test_the_counter_expires_with_its_stream(redis):
    outbox = Outbox(redis.client, redis.keys, 100, ttl_seconds=60)
    await outbox.append("A1", Envelope(type="offer"))
    await redis.client.expire(redis.keys.key("agent", "A1", "seq"), 5)  # as an older deployment left it
    await outbox.append("A1", Envelope(type="offer"))
    ttls = [await redis.client.ttl(redis.keys.key("agent", "A1", part)) for part in ("seq", "outbox")]
    assert ttls[0] == ttls[1] and ttls[0] > 5


def frame(epoch: str, seq: int) -> Frame:
    return Frame.stored(seq, '{"type":"offer"}', epoch)


def test_a_listener_takes_a_new_epochs_frames_below_its_old_high_water_mark():
    listener = Listener(maxsize=10)
    for seq in (1, 2, 3):
        listener.put(frame("e1", seq))
    listener.take_now()
    listener.put(frame("e2", 1))
    assert [(f.epoch, f.seq) for f in listener.take_now()] == [("e2", 1)]


def test_a_listener_drops_a_late_frame_of_an_epoch_it_left():
    listener = Listener(maxsize=10)
    listener.put(frame("e1", 5))
    listener.put(frame("e2", 1))
    listener.put(frame("e1", 6))
    listener.put(frame("e2", 2))
    assert [(f.epoch, f.seq) for f in listener.take_now()] == [("e1", 5), ("e2", 1), ("e2", 2)]


async def test_the_fanout_subscribes_again_after_a_redis_restart(redis, private_redis):
    other = RedisStore(private_redis.url, redis.keys.prefix)
    outbox = Outbox(redis.client, redis.keys, 100, 60, redis.commands)  # another worker: publishes to us
    fanout = Fanout(other.client)
    await fanout.start()
    try:
        async with fanout.listen(outbox.channel("A1")) as listener:
            await asyncio.sleep(0.2)
            private_redis.restart()
            delivered: list[Frame] = []
            for _ in range(60):  # until the fan-out has subscribed again on the new server
                try:
                    await outbox.append("A1", Envelope(type="offer"))
                except Exception:  # noqa: BLE001 - this client's first command after the restart may fail
                    pass
                try:
                    delivered = await asyncio.wait_for(listener.take(), 0.25)
                except TimeoutError:
                    continue
                if listener.behind:  # told to catch up, as a panel's connection then reads the outbox
                    listener.behind = False
                    delivered = (await outbox.read("A1", 0)).frames + delivered
                if delivered:
                    break
            assert [f.seq for f in delivered][:1] == [1]
    finally:
        await fanout.stop()
        await other.close()


def append_while_this_loop_is_held(url: str, prefix: str, agent_id: str) -> None:
    """Append a frame from a thread of its own while this test's event loop waits on it: the fan-out's reader
    cannot run in between, so the frame is stored and published before its subscription is back."""
    async def append() -> None:
        store = RedisStore(url, prefix)
        try:
            await Outbox(store.client, store.keys, max_len=100, ttl_seconds=60).append(
                agent_id, Envelope(type="status", data={"status": "away"}))
        finally:
            await store.close()
    thread = threading.Thread(target=lambda: asyncio.run(append()))
    thread.start()
    thread.join()


async def test_a_fanout_that_reconnects_without_an_error_still_has_its_listeners_catch_up(redis, private_redis):
    """Redis back before the reader noticed it was gone: redis-py reconnects and subscribes again inside its
    own retry, with no error reaching the reader, and what was published in between still must not be lost."""
    other = RedisStore(private_redis.url, redis.keys.prefix)
    fanout = Fanout(other.client)
    await fanout.start()
    try:
        async with fanout.listen(Outbox(redis.client, redis.keys, 100, 60).channel("A7")) as listener:
            await asyncio.sleep(0.2)
            private_redis.restart()  # blocks this loop: the reader first runs with Redis already back
            append_while_this_loop_is_held(private_redis.url, redis.keys.prefix, "A7")
            await asyncio.wait_for(listener.take(), 5)
            assert listener.behind
    finally:
        await fanout.stop()
        await other.close()


def subscribe_elsewhere(url: str, channel: str) -> redis_sync.client.PubSub:
    """Another worker's pub/sub, subscribed (and confirmed) before this test's loop runs again."""
    pubsub = redis_sync.Redis.from_url(url, decode_responses=True).pubsub()
    pubsub.subscribe(channel)
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"
    return pubsub


def next_published(pubsub: redis_sync.client.PubSub, seconds: float) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is not None and message["type"] == "message":
            return str(message["data"])
    return None


def append_before_the_reader_runs(outbox: Outbox, url: str, agent_id: str) -> int:
    """``Outbox.append``'s three steps, its script sent by a blocking client so this loop (and the fan-out's
    reader) cannot run between the worker deciding it is subscribed and Redis acting on it."""
    payloads = outbox.payloads([Envelope(type="status", data={"status": "away"})])
    keys, args = outbox.target(agent_id)
    reply = redis_sync.Redis.from_url(url, decode_responses=True).eval(_APPEND, len(keys), *keys, *args, *payloads)
    return outbox.appended(agent_id, payloads, reply)[0]


async def test_a_frame_appended_on_a_stale_subscription_still_reaches_a_worker_that_subscribed_again(
        redis, private_redis):
    """Redis restarted and another worker subscribed again before this worker's reader ran: this worker still
    took itself for a subscriber, so its append skipped the pub/sub copy (NUMSUB counted one). Its fan-out
    publishes that frame again once it sees the reconnect."""
    other = RedisStore(private_redis.url, redis.keys.prefix)
    outbox = Outbox(redis.client, redis.keys, 100, 60, redis.commands)
    fanout = Fanout(other.client)
    outbox.local = fanout
    await fanout.start()
    peer = None
    try:
        async with fanout.listen(outbox.channel("A8")):
            await asyncio.sleep(0.2)
            private_redis.restart()  # blocks this loop: the reader has not seen the restart
            peer = subscribe_elsewhere(private_redis.url, outbox.channel("A8"))
            assert fanout.listening(outbox.channel("A8"))
            seq = append_before_the_reader_runs(outbox, private_redis.url, "A8")
            published = await asyncio.to_thread(next_published, peer, 10)
        assert published is not None and Frame.published(published).seq == seq
    finally:
        if peer is not None:
            peer.close()
        await fanout.stop()
        await other.close()


async def test_a_frame_is_published_again_only_while_its_epoch_is_still_the_agents(redis, private_redis):
    """A kept frame whose Redis lost its data since (its epoch is gone) is not published again: it would pull a
    panel already in the newer epoch back to the old one, which would then drop the newer epoch's frames."""
    outbox = Outbox(redis.client, redis.keys, 100, 60, redis.commands)
    seq = await outbox.append("A9", Envelope(type="status", data={"status": "away"}))
    epoch = (await outbox.head("A9")).epoch
    assert epoch is not None
    channel, seq_key = outbox.channel("A9"), redis.keys.key("agent", "A9", "seq")
    fanout = Fanout(redis.client)
    peer = subscribe_elsewhere(private_redis.url, channel)
    try:
        fanout._resend = [(channel, seq_key, Frame.stored(seq, '{"type":"status"}', epoch)),
                          (channel, seq_key, Frame.stored(7, '{"type":"offer"}', "9999999999999999"))]
        await fanout._resend_suspects()
        published = [await asyncio.to_thread(next_published, peer, 2), await asyncio.to_thread(next_published, peer, 1)]
    finally:
        peer.close()
    assert [Frame.published(p).epoch if p else None for p in published] == [epoch, None]


def test_a_frame_goes_back_on_the_wire_as_the_append_published_it():
    for payload in ('{"type":"offer","data":{"id":"S|1"}}', "{}"):
        raw = f"1733400000123456|7|{payload}"
        assert Frame.published(raw).wire() == raw


def test_a_frame_carries_its_epoch_in_its_text():
    assert json.loads(frame("e7", 3).text) == {"seq": 3, "epoch": "e7", "type": "offer"}


async def test_a_panel_message_while_redis_is_down_gets_store_unavailable_and_the_socket_stays_up(
        server_on_private_redis, private_redis):
    panel = await open_panel(server_on_private_redis, "E5")
    await panel.expect("hello")
    private_redis.stop()
    try:
        await panel.send("accept", {"offer_id": "S-none"}, message_id="m1")
        refused = await panel.expect("error", timeout=20)
        await panel.send("ping", message_id="p1")
        pong = await panel.expect("pong")
    finally:
        private_redis.start()
    await panel.close()
    assert (refused["data"]["code"], refused["data"]["in_reply_to"]) == ("store_unavailable", "m1")
    assert pong["data"]["in_reply_to"] == "p1"
