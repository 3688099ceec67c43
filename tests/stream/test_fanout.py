"""This worker's fan-out with the outbox, against the real Redis: a frame reaches every panel once, on this
worker and on another, and one appended with no panel connected waits in the outbox for a resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from assist.stores.redis import RedisStore
from assist.stream.fanout import Fanout
from assist.stream.outbox import Outbox
from assist.stream.protocol import Envelope
from tests.conftest import key_prefix


@pytest.fixture
async def redis(redis_url) -> AsyncIterator[RedisStore]:
    store = RedisStore(redis_url, key_prefix(redis_url))
    yield store
    await store.close()


async def worker(redis: RedisStore) -> tuple[Outbox, Fanout]:
    """One app process's outbox and fan-out, wired as ``assist.app`` wires them."""
    outbox = Outbox(redis.client, redis.keys, 100, 60, redis.commands)
    fanout = Fanout(redis.client)
    outbox.local = fanout
    await fanout.start()
    return outbox, fanout


async def frames_within(listener, seconds: float) -> list[int]:
    """The seqs a listener is handed within ``seconds``."""
    seqs: list[int] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            seqs += [frame.seq for frame in await asyncio.wait_for(listener.take(), left)]
        except TimeoutError:
            break
    return seqs


async def test_a_frame_appended_on_this_worker_reaches_its_panel_once(redis):
    outbox, fanout = await worker(redis)
    try:
        async with fanout.listen(outbox.channel("A1")) as listener:
            await asyncio.sleep(0.1)  # the subscription is live, so the pub/sub copy arrives too
            seq = await outbox.append("A1", Envelope(type="prompt", data={"n": 1}))
            assert await frames_within(listener, 0.5) == [seq]
    finally:
        await fanout.stop()


async def test_an_append_reaches_a_panel_on_another_worker(redis, redis_url):
    other_redis = RedisStore(redis_url, redis.keys.prefix)
    outbox, fanout = await worker(redis)
    other_outbox, other_fanout = await worker(other_redis)
    try:
        async with other_fanout.listen(other_outbox.channel("A1")) as elsewhere:
            await asyncio.sleep(0.1)
            seq = await outbox.append("A1", Envelope(type="prompt", data={"n": 1}))
            assert await frames_within(elsewhere, 0.5) == [seq]
    finally:
        await fanout.stop()
        await other_fanout.stop()
        await other_redis.close()


async def confirmed(fanout: Fanout, channel: str) -> None:
    """Wait until Redis has confirmed the fan-out's subscription to ``channel``."""
    async with asyncio.timeout(2):
        while not fanout.listening(channel):
            await asyncio.sleep(0.01)


async def published(watcher, seconds: float) -> list[str]:
    """What a pattern subscriber receives within ``seconds``."""
    received: list[str] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        message = await watcher.get_message(timeout=left)
        if message is not None:
            received.append(message["data"])
    return received


async def test_a_worker_listens_once_redis_confirms_and_stops_when_its_last_panel_leaves(redis):
    outbox, fanout = await worker(redis)
    channel = outbox.channel("A1")
    try:
        async with fanout.listen(channel), fanout.listen(channel):
            await confirmed(fanout, channel)
        assert not fanout.listening(channel)
    finally:
        await fanout.stop()


@pytest.mark.single_node
async def test_with_only_this_worker_listening_an_append_publishes_no_copy(redis):
    outbox, fanout = await worker(redis)
    channel = outbox.channel("A1")
    watcher = redis.client.pubsub(ignore_subscribe_messages=True)
    await watcher.psubscribe(channel)  # a pattern subscriber is not counted by PUBSUB NUMSUB
    try:
        async with fanout.listen(channel) as listener:
            await confirmed(fanout, channel)
            seq = await outbox.append("A1", Envelope(type="prompt", data={"n": 1}))
            assert await frames_within(listener, 0.3) == [seq]
            assert await published(watcher, 0.3) == []
    finally:
        await watcher.aclose()
        await fanout.stop()


async def test_with_panels_on_this_worker_and_another_both_get_each_append_once(redis, redis_url):
    other_redis = RedisStore(redis_url, redis.keys.prefix)
    outbox, fanout = await worker(redis)
    other_outbox, other_fanout = await worker(other_redis)
    channel = outbox.channel("A1")
    try:
        async with fanout.listen(channel) as here, other_fanout.listen(channel) as elsewhere:
            await confirmed(fanout, channel)
            await confirmed(other_fanout, channel)
            seq = await outbox.append("A1", Envelope(type="prompt", data={"n": 1}))
            assert await frames_within(here, 0.3) == [seq]
            assert await frames_within(elsewhere, 0.3) == [seq]
    finally:
        await fanout.stop()
        await other_fanout.stop()
        await other_redis.close()


async def test_an_append_with_no_panel_anywhere_is_stored_for_a_resume(redis):
    outbox, fanout = await worker(redis)
    try:
        seq = await outbox.append("A1", Envelope(type="prompt", data={"n": 1}))
        messages, gap = await outbox.since("A1", 0)
        assert [m.seq for m in messages] == [seq] and not gap
    finally:
        await fanout.stop()
