"""The sending side of one open panel: every message to it goes through its ``PanelConnection``, one step at a
time, in order, each durable frame once.

A step is what one thing sends: a panel message's reply and the frames its handling appended, the frames
another panel's event or another worker brought, a resume's replay. Unbatched, each message is a frame of its
own (protocol 1.0). A panel that asks ``?batch=1`` gets each step as one frame holding a JSON array of its
messages: each frame is a socket write and a wake-up on the panel's side, and an event's ack, journey card and
prompt are three (docs/protocol.md, "Batched frames")."""

from __future__ import annotations

import asyncio

from fastapi import WebSocket

from assist.stream.fanout import Listener, ListenerOverflow
from assist.stream.outbox import Frame, Outbox, Position
from assist.stream.protocol import Envelope

TRY_AGAIN_LATER = 1013
BATCH_BYTES = 64 * 1024
"""A batched frame holds messages up to about this many bytes (a replay of many messages takes several)."""


def batched_frames(texts: list[str], limit: int = BATCH_BYTES) -> list[str]:
    """``texts`` (JSON messages, in order) as few JSON-array frames of up to about ``limit`` bytes each; one
    message larger than that goes in an array of its own."""
    frames: list[str] = []
    start, size = 0, 0
    for i, text in enumerate(texts):
        if i > start and size + len(text) > limit:
            frames.append("[" + ",".join(texts[start:i]) + "]")
            start, size = i, 0
        size += len(text) + 1
    if start < len(texts):
        frames.append("[" + ",".join(texts[start:]) + "]")
    return frames


class PanelConnection:
    """One open panel: serialises sends and remembers how far it was sent (epoch and seq), to skip duplicates
    and to notice when the numbering started over.

    ``batched`` (the panel asked ``?batch=1``): what one step sends (a reply and the frames its handling
    appended, a replay) goes out as one frame holding a JSON array of the messages, instead of one frame each.
    Each frame is a write to the socket and a wake-up of the panel's side, for every event (docs/protocol.md)."""

    __slots__ = ("_lock", "agent_id", "batched", "outbox", "position", "websocket")  # one per panel, idle mostly

    def __init__(self, websocket: WebSocket, outbox: Outbox, agent_id: str, batched: bool = False) -> None:
        self.websocket = websocket
        self.outbox = outbox
        self.agent_id = agent_id
        self.batched = batched
        self.position = Position()
        self._lock = asyncio.Lock()

    async def send(self, message: Envelope) -> None:
        async with self._lock:
            await self._emit([message.model_dump_json()])

    async def replay(self, messages: list[Envelope], frames: list[Frame]) -> None:
        """``messages``, then each of ``frames`` not sent yet, in one step."""
        async with self._lock:
            out = [m.model_dump_json() for m in messages]
            for frame in frames:
                await self._deliver(frame, out)
            await self._emit(out)

    async def flush(self, listener: Listener, reply: Envelope | None = None) -> bool:
        """Send ``reply`` (a panel message's direct answer), then what ``listener`` holds now; False when it
        overflowed (the connection is then closed, for the panel to resume). Taking and sending under one lock
        keeps the reader's and the writer's flushes in seq order."""
        if reply is None and not listener.pending:
            return True
        async with self._lock:
            out = [] if reply is None else [reply.model_dump_json()]
            if not listener.pending:
                await self._emit(out)
                return True
            try:
                frames = listener.take_now()
            except ListenerOverflow:
                await self._emit(out)
                await self.websocket.close(code=TRY_AGAIN_LATER, reason="slow consumer: resume")
                return False
            for frame in frames:
                await self._deliver(frame, out)
            if listener.behind:
                listener.behind = False
                await self._catch_up(out)
            await self._emit(out)
        return True

    async def _catch_up(self, out: list[str]) -> None:
        """Add what the outbox holds past this connection's position (of a new epoch: all of it) to ``out``."""
        backlog = await self.outbox.read(self.agent_id, self.position.seq)
        if backlog.head.epoch is not None and backlog.head.epoch != self.position.epoch:
            backlog = await self.outbox.read(self.agent_id, 0)
        for frame in backlog.frames:
            await self._deliver(frame, out)

    async def _deliver(self, frame: Frame, out: list[str]) -> None:
        """Add ``frame`` to ``out`` unless it was sent already, after any frames the outbox holds between."""
        position = self.position
        if not position.admits(frame):  # a frame of a new epoch is admitted from seq 0: nothing is skipped
            return
        if frame.seq > position.seq + 1:
            missed, _ = await self.outbox.frames_since(self.agent_id, position.seq,
                                                       limit=frame.seq - position.seq - 1)
            for earlier in missed:
                if earlier.epoch == frame.epoch and position.seq < earlier.seq < frame.seq:
                    out.append(earlier.text)
                    position.seq = earlier.seq
        out.append(frame.text)
        position.seq = frame.seq

    async def _emit(self, out: list[str]) -> None:
        if self.batched:
            out = batched_frames(out)
        for text in out:
            await self.websocket.send_text(text)
