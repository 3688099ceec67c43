"""WS /v1/agents/{agent_id}/stream: the side panel's connection for a whole shift.

The handler authenticates, says hello, replays what a resuming panel missed, then runs two tasks: the
writer follows the agent's outbox (via this worker's fan-out) and the reader parses panel messages and
dispatches them. Whichever ends first cancels the other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.websockets import WebSocketState

from assist.auth.principal import Principal
from assist.auth.tokens import verify_token
from assist.errors import AssistError, DomainError
from assist.sessions.service import SessionService
from assist.settings import Settings
from assist.stream.dispatch import dispatch
from assist.stream.fanout import Fanout, Listener, ListenerOverflow
from assist.stream.outbox import Frame, Outbox
from assist.stream.protocol import INBOUND_TYPES, Envelope, ErrorCode, InboundMessage, error, hello, inbound_adapter

log = logging.getLogger(__name__)
router = APIRouter()

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


class TokenBucket:
    """Allows ``rate`` messages a second with bursts of ``2 * rate``; a flood empties it."""

    def __init__(self, rate: float) -> None:
        self.rate, self.capacity = rate, 2 * rate
        self.tokens, self.at = self.capacity, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class PanelConnection:
    """One open panel: serialises sends and remembers the last seq delivered, to skip duplicates."""

    def __init__(self, websocket: WebSocket, outbox: Outbox, agent_id: str) -> None:
        self.websocket = websocket
        self.outbox = outbox
        self.agent_id = agent_id
        self.sent_upto = 0
        self._lock = asyncio.Lock()

    async def send(self, message: Envelope) -> None:
        async with self._lock:
            await self.websocket.send_text(message.model_dump_json())

    async def deliver(self, frame: Frame) -> None:
        """Send a durable frame exactly once and in order, fetching from the outbox any gap before it."""
        async with self._lock:
            await self._deliver(frame)

    async def flush(self, listener: Listener) -> bool:
        """Send what ``listener`` holds now; False when it overflowed (the connection is then closed, for the
        panel to resume). Taking and sending under one lock keeps the reader's and the writer's flushes in
        seq order."""
        if not listener.pending:
            return True
        async with self._lock:
            try:
                frames = listener.take_now()
            except ListenerOverflow:
                await self.websocket.close(code=TRY_AGAIN_LATER, reason="slow consumer: resume")
                return False
            for frame in frames:
                await self._deliver(frame)
        return True

    async def _deliver(self, frame: Frame) -> None:
        if frame.seq <= self.sent_upto:
            return
        if frame.seq > self.sent_upto + 1:
            missed, _ = await self.outbox.frames_since(self.agent_id, self.sent_upto,
                                                       limit=frame.seq - self.sent_upto - 1)
            for earlier in missed:
                if self.sent_upto < earlier.seq < frame.seq:
                    await self.websocket.send_text(earlier.text)
                    self.sent_upto = earlier.seq
        await self.websocket.send_text(frame.text)
        self.sent_upto = frame.seq


def _token(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return websocket.query_params.get("token")


async def _refuse(websocket: WebSocket, code: str, detail: str) -> None:
    await websocket.send_text(error(code, detail).model_dump_json())
    await websocket.close(code=POLICY_VIOLATION, reason=code)


@router.websocket("/v1/agents/{agent_id}/stream")
async def agent_stream(websocket: WebSocket, agent_id: str) -> None:
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    try:
        principal = verify_token(settings, _token(websocket) or "")
    except AssistError as exc:
        await _refuse(websocket, ErrorCode.UNAUTHORIZED, exc.detail)
        return
    if not principal.may_act_as(agent_id):
        await _refuse(websocket, ErrorCode.OTHER_AGENT, "a token may only open its own agent's stream")
        return
    resume_raw = websocket.query_params.get("resume_from")
    if resume_raw is not None and not resume_raw.isdigit():
        await _refuse(websocket, ErrorCode.INVALID_MESSAGE, "resume_from must be a non-negative integer")
        return
    fanout: Fanout = websocket.app.state.fanout
    outbox: Outbox = websocket.app.state.outbox
    connection = PanelConnection(websocket, outbox, agent_id)
    try:
        async with fanout.listen(outbox.channel(agent_id)) as listener:
            await _open(connection, int(resume_raw) if resume_raw is not None else None)
            await _run(connection, listener, principal, websocket.app.state.session_service, settings)
    except WebSocketDisconnect:
        pass
    finally:
        if websocket.application_state != WebSocketState.DISCONNECTED:
            try:
                await websocket.close()
            except RuntimeError:
                pass


async def _open(connection: PanelConnection, resume_from: int | None) -> None:
    last = await connection.outbox.last_seq(connection.agent_id)
    await connection.send(hello(connection.agent_id, last, resume_from))
    if resume_from is None:
        connection.sent_upto = last
        return
    connection.sent_upto = min(resume_from, last)
    missed, gap = await connection.outbox.frames_since(connection.agent_id, connection.sent_upto)
    if gap:
        await connection.send(error(ErrorCode.RESUME_GAP, "some messages expired before this resume; "
                                    "showing what is still held"))
        connection.sent_upto = missed[0].seq - 1 if missed else connection.sent_upto
    for frame in missed:
        await connection.deliver(frame)


async def _run(connection: PanelConnection, listener: Listener, principal: Principal, service: SessionService,
               settings: Settings) -> None:
    writer = asyncio.create_task(_write(connection, listener))
    reader = asyncio.create_task(_read(connection, listener, principal, service, settings))
    done, pending = await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in pending:
        try:
            await task
        except (asyncio.CancelledError, WebSocketDisconnect):
            pass
    for task in done:
        exc = task.exception()
        if exc is not None and not isinstance(exc, WebSocketDisconnect):
            raise exc


async def _write(connection: PanelConnection, listener: Listener) -> None:
    """Frames from elsewhere (another panel's event, routing, another worker) as they arrive."""
    while await connection.flush(listener):
        await listener.wait()


async def _read(connection: PanelConnection, listener: Listener, principal: Principal, service: SessionService,
                settings: Settings) -> None:
    """Panel messages in order. The frames a message produced go out before the next is read, from this task:
    handing them to the writer cost a task switch on every event's way to its prompt."""
    bucket = TokenBucket(settings.ws_max_messages_per_second)
    while True:
        raw = await connection.websocket.receive_text()
        if not bucket.take():
            await connection.send(error(ErrorCode.RATE_LIMITED, "too many messages; slow down"))
            await connection.websocket.close(code=POLICY_VIOLATION, reason="rate limited")
            return
        reply = await _handle(raw, principal, service)
        if reply is not None:
            await connection.send(reply)
        if not await connection.flush(listener):
            return


async def _handle(raw: str, principal: Principal, service: SessionService) -> Envelope | None:
    """One panel message to one reply (or none); every failure becomes an ``error`` with a code."""
    try:
        message = inbound_adapter.validate_json(raw)
    except ValidationError:
        return _rejection(raw)
    return await _run_message(message, principal, service)


def _rejection(raw: str) -> Envelope:
    """The ``error`` for a message that did not validate: why, in the most specific code that applies."""
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return error(ErrorCode.INVALID_JSON, "message is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return error(ErrorCode.INVALID_MESSAGE, "message must be an object with a string 'type'")
    message_id = body.get("id") if isinstance(body.get("id"), str) else None
    if body["type"] not in INBOUND_TYPES:
        return error(ErrorCode.UNKNOWN_TYPE, f"unknown message type {body['type']!r}", message_id)
    try:
        inbound_adapter.validate_python(body)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "message" for e in exc.errors())
        return error(ErrorCode.INVALID_MESSAGE, f"invalid or missing fields: {fields}", message_id)
    return error(ErrorCode.INVALID_MESSAGE, "invalid message", message_id)  # JSON-only failure, e.g. a lone surrogate


async def _run_message(message: InboundMessage, principal: Principal, service: SessionService) -> Envelope | None:
    try:
        return await dispatch(service, principal, message)
    except AssistError as exc:
        return error(exc.code, exc.detail, message.id)
    except Exception as exc:
        if isinstance(exc, DomainError) and isinstance(getattr(exc, "status_code", None), int):
            return error(exc.code, exc.detail, message.id)
        log.exception("panel message failed", extra={"type": message.type, "agent_id": principal.subject})
        return error("internal_error", "the message could not be processed", message.id)
