"""Delivery of published outbox messages to the websockets connected to this worker.

One pub/sub connection per worker (not per websocket): channels are subscribed while at least one local
connection wants them, and every frame is copied into each listener's bounded buffer. A listener whose
buffer overflows is marked so its connection can close and let the panel resume from the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from assist.stream.outbox import Frame, Position

log = logging.getLogger(__name__)


UNVERIFIED_FRAMES = 20_000
"""At most this many frames wait for the pub/sub connection to be seen alive (it is, every second at least)."""
RESEND_GRACE_SECONDS = 10.0
_REPUBLISH = """
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
  for i = 3, #ARGV do
    redis.call('PUBLISH', ARGV[2], ARGV[i])
  end
end
"""
"""Publish ARGV[3..] on channel ARGV[2] only while ARGV[1] is the epoch of the agent's counter KEYS[1]."""
Appended = tuple[str, str, Frame]
"""A frame this worker appended: (channel, the agent's seq counter key, frame)."""


class ListenerOverflow(Exception):
    """The connection fell ``maxsize`` frames behind: it must close and let the panel resume."""


class Listener:
    """Frames for one connection, taken in batches: a list and a future made only while the writer waits, no
    task per frame. It lives as long as its panel (idle for most of a shift), so it holds as little as it can:
    an empty ``deque`` or an ``asyncio.Event`` (which makes one) cost about 700 bytes each on every idle panel.

    A frame at or below the highest seq already put (in its epoch) is dropped: it is the pub/sub copy of a
    frame this worker delivered itself, or one the connection fetches from the outbox anyway when it fills the
    gap before a higher seq (a seq is only taken in the same script that stores it, so the gap is stored). A
    frame of a new epoch starts the count over (``Position``).
    """

    __slots__ = ("_frames", "_position", "_ready", "_waiter", "behind", "maxsize", "overflowed")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.overflowed = False
        self.behind = False
        """Frames may have been published while this worker's pub/sub was reconnecting: the connection reads
        the outbox past what it sent (``PanelConnection.flush``)."""
        self._frames: list[Frame] = []
        self._ready = False
        self._waiter: asyncio.Future[None] | None = None
        """The one waiter's future (a connection has one writer), while it waits."""
        self._position = Position()

    def put(self, frame: Frame) -> None:
        if not self._position.admits(frame):
            return
        self._position.seq = frame.seq
        if len(self._frames) >= self.maxsize:
            self.overflowed = True
        else:
            self._frames.append(frame)
        self._wake()

    def catch_up(self) -> None:
        """Pub/sub was down a while: whatever was published then never reached ``put``."""
        self.behind = True
        self._wake()

    def _wake(self) -> None:
        self._ready = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    @property
    def pending(self) -> bool:
        return bool(self._frames) or self.overflowed or self.behind

    async def wait(self) -> None:
        """Until a frame (or an overflow) is pending; it may have been taken by the time the caller looks.
        One waiter at a time (the connection's writer)."""
        if not self._ready:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        self._ready = False

    def take_now(self) -> list[Frame]:
        """Every frame waiting now, in arrival order (maybe none). Raises ListenerOverflow."""
        if self.overflowed:
            raise ListenerOverflow
        frames, self._frames = self._frames, []
        return frames

    async def take(self) -> list[Frame]:
        """Every frame waiting now, in arrival order (waits for one). Raises ListenerOverflow."""
        while not self.pending:
            await self.wait()
        return self.take_now()


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
        self._missed: set[str] = set()
        """Channels whose subscription was lost with the connection: not ``listening`` until subscribed again,
        and then their listeners catch up from the outbox (a frame published between Redis coming back and the
        subscription)."""
        self._unconfirmed: dict[str, int] = {}
        """Per channel, SUBSCRIBE/UNSUBSCRIBE commands sent whose confirmation has not been read yet."""
        self._unverified: deque[Appended] = deque(maxlen=UNVERIFIED_FRAMES)
        """Frames appended here, on channels this worker listens to, since its pub/sub connection was last seen
        alive. Their appends may have skipped the pub/sub copy on the strength of a subscription that a Redis
        restart had already dropped, while another worker had already subscribed again: that worker's panels
        would miss them until their next frame. A clean read clears them; a reconnect publishes them again."""
        self._resend: list[Appended] = []
        self._suspect_until = 0.0
        """Until then (monotonic), every frame appended here is published again: an append in flight across a
        reconnect took its "subscribed" from before it."""

    async def start(self) -> None:
        self._pubsub = self.client.pubsub()
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
                self._sent(channel)
                await self._pubsub.subscribe(channel)
                self._watch_reconnects()
                self._subscribed.set()
        try:
            yield listener
        finally:
            async with self._lock:
                self._listeners[channel].discard(listener)
                if not self._listeners[channel]:
                    del self._listeners[channel]
                    self._missed.discard(channel)
                    self._sent(channel)
                    await self._pubsub.unsubscribe(channel)

    def listening(self, channel: str) -> bool:
        """True while this worker has listeners on ``channel`` and Redis has confirmed every (un)subscribe
        sent for it, so Redis counts this worker among its subscribers (the outbox then skips publishing a
        copy only this worker would get). Any doubt answers False, which costs a duplicate, never a loss."""
        return channel in self._listeners and channel not in self._missed and not self._unconfirmed.get(channel)

    def _watch_reconnects(self) -> None:
        """Have the pub/sub connection tell us each time it connects again. redis-py subscribes again by itself
        then, and does so inside its own retry when Redis came back before the reader noticed it was gone, with
        no error for ``_read`` to see; a frame published in between would otherwise be lost to the panel."""
        connection = getattr(self._pubsub, "connection", None)
        if connection is not None:
            connection.register_connect_callback(self._reconnected)

    def _reconnected(self, connection: object) -> None:
        """The subscriptions were lost with the old connection: each channel, once subscribed again, has its
        listeners catch up from the outbox (``_read``). redis-py subscribes again exactly the channels it holds,
        and each gets one confirmation."""
        assert self._pubsub is not None
        for channel in map(str, self._pubsub.channels):
            self._sent(channel)
            self._missed.add(channel)
        self._suspect()

    def _suspect(self) -> None:
        """The subscription was lost at some point since the last clean read: what was appended here since
        then is published again (``_resend_suspects``), as is what is appended during the grace period."""
        self._resend.extend(self._unverified)
        self._unverified.clear()
        self._suspect_until = time.monotonic() + RESEND_GRACE_SECONDS

    def _sent(self, channel: str) -> None:
        self._unconfirmed[channel] = self._unconfirmed.get(channel, 0) + 1

    def _confirmed(self, channel: str) -> None:
        left = self._unconfirmed.get(channel, 0) - 1
        if left > 0:
            self._unconfirmed[channel] = left
        else:
            self._unconfirmed.pop(channel, None)

    async def _read(self) -> None:
        assert self._pubsub is not None
        failing = False
        while True:
            await self._subscribed.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except Exception as exc:  # noqa: BLE001 - a dropped connection is retried; the client subscribes
                # every channel again when it reconnects (``_reconnected``; tests/stream/test_stream_faults.py)
                if not failing:
                    log.warning("pub/sub read failed (%s); retrying until Redis answers", type(exc).__name__)
                failing = True
                self._missed.update(self._listeners)
                self._suspect()
                await asyncio.sleep(0.5)
                continue
            self._unverified.clear()
            if failing:
                log.info("pub/sub reading again")
                failing = False
            if self._resend:
                await self._resend_suspects()
            if message is None:
                continue
            if message["type"] in ("subscribe", "unsubscribe"):
                self._confirmed(message["channel"])
                if message["type"] == "subscribe" and message["channel"] in self._missed:
                    self._missed.discard(message["channel"])
                    for listener in tuple(self._listeners.get(message["channel"], ())):
                        listener.catch_up()
                continue
            if message["type"] != "message":
                continue
            channel = message["channel"]
            if channel not in self._listeners:
                continue
            self._hand_out(channel, [Frame.published(message["data"])])

    async def _resend_suspects(self) -> None:
        """Publish the suspect frames again (a duplicate is dropped by seq wherever it arrives), only while
        their epoch is still the agent's (``_REPUBLISH``): a frame whose Redis lost its data since must not pull
        a panel already in the newer epoch back to its own (it would then drop the newer epoch's frames). Kept
        for the next read when Redis does not answer."""
        groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for channel, seq_key, frame in self._resend:
            groups[(channel, seq_key, frame.epoch)].append(frame.wire())
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for (channel, seq_key, epoch), wires in groups.items():
                    pipe.eval(_REPUBLISH, 1, seq_key, epoch, channel, *wires)
                await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - Redis is still coming back: the next read tries again
            log.warning("pub/sub copies not published yet (%s)", type(exc).__name__)
            return
        self._resend.clear()

    def deliver(self, channel: str, frames: list[Frame], seq_key: str) -> None:
        """Hand ``frames``, appended by this worker (``seq_key``: the agent's counter), to its listeners on
        ``channel``, and keep them until the pub/sub connection is seen alive (``_unverified``)."""
        self._hand_out(channel, frames)
        if channel in self._listeners:
            suspects = self._resend if time.monotonic() < self._suspect_until else self._unverified
            suspects.extend((channel, seq_key, frame) for frame in frames)

    def _hand_out(self, channel: str, frames: list[Frame]) -> None:
        for listener in tuple(self._listeners.get(channel, ())):
            for frame in frames:
                listener.put(frame)
