"""A panel's messages as the benchmarks' clients read them: one by one, whether the service sends each in a frame
of its own (protocol 1.0) or, as the web panel asks (``?batch=1``), each step's messages as one JSON array."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

BATCH = "batch=1"
"""The query that asks for batched frames, as the web panel's ``web/js/stream.js`` does."""


class PanelReader:
    __slots__ = ("_unread", "ws")

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._unread: deque[dict[str, Any]] = deque()

    async def next(self) -> dict[str, Any]:
        """The next message (the rest of a batched frame waits here for the following calls)."""
        if not self._unread:
            frame = json.loads(await self.ws.recv())
            self._unread.extend(frame if isinstance(frame, list) else (frame,))
        return self._unread.popleft()


async def expect(reader: PanelReader, kind: str, timeout: float = 60.0, **match: Any) -> dict[str, Any]:
    """The next message of ``kind`` whose data has ``match`` (set-up only: an ``error`` raises)."""
    async with asyncio.timeout(timeout):
        while True:
            message = await reader.next()
            if message["type"] == "error":
                raise RuntimeError(f"server error during setup: {message['data']}")
            if message["type"] == kind and all(message["data"].get(k) == v for k, v in match.items()):
                return message
