"""The baselines ``stream_bench.py`` sets the service beside, each a server in its own process.

- ``echo``: a bare ``websockets`` echo server (uvloop, like uvicorn) with the service's transport settings:
  the same frame limit, no per-message compression.
- ``store`` (the store floor): the same echo, but each frame first makes the event's one Redis round trip
  through the service's own store code (``FloorStore``).
- ``stack_floor_app`` (the stack floor): that commit and echo in a FastAPI websocket route, which
  ``stream_bench.py`` serves with uvicorn exactly as it serves the service. What the service adds to it is
  the product's own work: parsing and checking the message, the journey, guidance and the panel's frames.

Run: ``python bench/stream_baselines.py echo PORT`` or ``... store PORT REDIS_URL`` (until SIGTERM).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any


def echo_server_main(port: int) -> None:
    """The baseline: a bare websockets echo server with the service's transport settings (same frame limit,
    no per-message compression)."""
    from websockets.asyncio.server import ServerConnection, serve

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, max_size=65536, backlog=4096, compression=None):
            await asyncio.Future()

    run(main())


class FloorStore:
    """An event's one Redis round trip through the service's own store code (``LiveSessions.commit`` on the
    worker's snapshot: session and journey checked, the journey written, one prompt-sized message appended),
    with no guidance, parsing or panel logic: what the floors pay before echoing a frame."""

    def __init__(self, redis_url: str) -> None:
        from assist.journeys.store import JourneyStore
        from assist.sessions.live import LiveSessions
        from assist.sessions.state import SessionStore
        from assist.stores.redis import RedisStore
        from assist.stream.outbox import Outbox
        from assist.stream.protocol import Envelope

        redis = RedisStore(redis_url, f"benchfloor{uuid.uuid4().hex[:8]}")  # every key it writes has a TTL
        self.sessions = SessionStore(redis.client, redis.keys, 600, redis.commands)
        self.journeys = JourneyStore(redis.client, redis.keys, None, 600, redis.commands)  # type: ignore[arg-type]
        self.live = LiveSessions(self.sessions, self.journeys, Outbox(redis.client, redis.keys, 1000, 600,
                                                                      redis.commands))
        self.prompt = Envelope(type="prompt", data={"text": "x" * 1000})

    async def session(self) -> Callable[[], Awaitable[None]]:
        """A new open session of the floor's own; returns its commit (its few keys expire with their TTL)."""
        from assist.journeys.state import JourneyState
        from assist.sessions.state import SessionState

        journey = JourneyState(id=f"J-{uuid.uuid4().hex[:12]}", customer_id=None, reason="complaint")
        session = SessionState(agent_id=f"F-{journey.id}", channel="chat", reason="complaint", status="open",
                               journey_id=journey.id)
        await self.journeys.put(journey)
        await self.sessions.put(session)
        snapshot = await self.live.read(session.id)

        async def commit() -> None:
            if snapshot is None or await self.live.commit(snapshot, snapshot.journey_state(), [self.prompt]) is None:
                raise RuntimeError("the floor's own session moved")

        return commit


def store_floor_server_main(port: int, redis_url: str) -> None:
    """The store floor (see the module doc): the bare echo after the event's commit."""
    from websockets.asyncio.server import ServerConnection, serve

    async def main() -> None:
        floor = FloorStore(redis_url)

        async def handler(ws: ServerConnection) -> None:
            commit = await floor.session()
            async for message in ws:
                await commit()
                await ws.send(message)

        async with serve(handler, "127.0.0.1", port, max_size=65536, backlog=4096, compression=None):
            await asyncio.Future()  # stopped by SIGTERM

    run(main())


def stack_floor_app() -> Any:
    """The stack floor (see the module doc): the store floor's commit and echo in a FastAPI websocket route,
    served by uvicorn exactly as the service is (``start_service``)."""
    from fastapi import FastAPI, WebSocket, WebSocketDisconnect
    from starlette.routing import WebSocketRoute

    floor = FloorStore(os.environ["ASSIST_BENCH_REDIS_URL"])

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        commit = await floor.session()
        try:
            while True:
                text = await websocket.receive_text()
                await commit()
                await websocket.send_text(text)
        except WebSocketDisconnect:
            pass

    # A plain route: FastAPI's own would read the annotation, a string here, as a query parameter. Per frame the
    # connection runs the same code either way.
    return FastAPI(routes=[WebSocketRoute("/", handler)])


def run(coro: Awaitable[Any]) -> Any:
    """asyncio with uvloop when installed (uvicorn's ``--loop auto`` picks it too)."""
    try:
        import uvloop

        return uvloop.run(coro)  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "echo":
        echo_server_main(port)
    elif mode == "store":
        store_floor_server_main(port, sys.argv[3])
    else:
        raise SystemExit(f"unknown baseline {mode!r}: echo or store")


if __name__ == "__main__":
    main()
