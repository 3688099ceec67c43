"""Delivery of published outbox messages to the websockets connected to this worker.

One pub/sub connection per worker (not per websocket): channels are subscribed while at least one local
connection wants them, and every message is copied into each listener's bounded queue. A listener whose
queue overflows is marked so its connection can close and let the panel resume from the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from assist.stream.outbox import decode_published
from assist.stream.protocol import Envelope

log = logging.getLogger(__name__)


class Listener:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[Envelope] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = asyncio.Event()

    def put(self, message: Envelope) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()


class Fanout:
    """Started and stopped with the app; ``listen(channel)`` yields a Listener until the block exits."""

    def __init__(self, client: Redis, queue_size: int = 1000) -> None:
        self.client = client
        self.queue_size = queue_size
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self._reader = asyncio.create_task(self._read(), name="fanout-reader")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
        if self._pubsub:
            await self._pubsub.aclose()

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Listener]:
        """Subscribe (once per channel per worker) and yield a listener; unsubscribe when the last leaves."""
        assert self._pubsub is not None, "Fanout.start() was not called"
        listener = Listener(self.queue_size)
        async with self._lock:
            first = not self._listeners[channel]
            self._listeners[channel].add(listener)
            if first:
                await self._pubsub.subscribe(channel)
                self._subscribed.set()
        try:
            yield listener
        finally:
            async with self._lock:
                self._listeners[channel].discard(listener)
                if not self._listeners[channel]:
                    del self._listeners[channel]
                    await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        assert self._pubsub is not None
        while True:
            await self._subscribed.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except Exception:  # noqa: BLE001 - a dropped connection is retried; listeners resume on reconnect
                log.exception("pub/sub read failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            listeners = self._listeners.get(channel)
            if not listeners:
                continue
            envelope = decode_published(message["data"])
            for listener in tuple(listeners):
                listener.put(envelope)
