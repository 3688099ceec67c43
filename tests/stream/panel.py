"""A side panel as the tests drive it: a real websocket client (the ``websockets`` library)."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import LiveServer


class Panel:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []
        self.frames: list[Any] = []
        """Every frame as received (parsed): a message, or with ``?batch=1`` an array of them."""
        self._unread: deque[dict[str, Any]] = deque()

    @classmethod
    async def open(cls, server: LiveServer, agent_id: str, role: str = "agent",
                   resume_from: int | None = None, token: str | None = None, batch: bool = False) -> Panel:
        query = {**({"resume_from": resume_from} if resume_from is not None else {}), **({"batch": 1} if batch else {})}
        url = f"{server.ws_url}/v1/agents/{agent_id}/stream" + (f"?{urlencode(query)}" if query else "")
        headers = {"Authorization": f"Bearer {token or server.token(agent_id, role)}"}
        return cls(await connect(url, additional_headers=headers, max_size=2**22))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next message (a batched frame's messages one by one)."""
        if not self._unread:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            self.frames.append(frame)
            self._unread.extend(frame if isinstance(frame, list) else [frame])
        message = self._unread.popleft()
        self.seen.append(message)
        return message

    async def expect(self, kind: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """The next message of ``kind`` whose data has ``match``; others are kept in ``seen`` and skipped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(max(deadline - loop.time(), 0.01))
            if message["type"] == kind and all(message["data"].get(k) == v for k, v in match.items()):
                return message

    async def send(self, kind: str, data: dict[str, Any] | None = None, message_id: str | None = None) -> None:
        body: dict[str, Any] = {"type": kind, "data": data or {}}
        if message_id:
            body["id"] = message_id
        await self.ws.send(json.dumps(body))

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives within ``seconds`` (to assert that nothing unexpected did)."""
        got = []
        try:
            while True:
                got.append(await self.recv(seconds))
        except TimeoutError:
            return got

    async def close(self) -> None:
        await self.ws.close()
