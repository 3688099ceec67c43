"""WS /v1/agents/{agent_id}/stream: the side panel's connection for a whole shift.

The handler authenticates, says hello, replays what a resuming panel missed, then reads and writes: a writer
task follows the agent's outbox (via this worker's fan-out) while the connection's own task reads panel
messages and dispatches them. Whichever ends first ends the other. ``StreamLane`` routes the websocket here
ahead of the app's other layers, and an idle panel holds little else (docs/operations.md, memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.routing import Match, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketState

from assist import metrics
from assist.auth.principal import Principal
from assist.auth.tokens import verify_token
from assist.errors import AssistError, DomainError, as_store_unavailable
from assist.sessions.service import SessionService
from assist.settings import Settings
from assist.stream.connection import TRY_AGAIN_LATER, PanelConnection
from assist.stream.dispatch import dispatch
from assist.stream.fanout import Fanout, Listener
from assist.stream.outbox import Outbox, Position
from assist.stream.protocol import INBOUND_TYPES, Envelope, ErrorCode, InboundMessage, error, hello, inbound_adapter
from assist.stream.tickets import tickets_for

log = logging.getLogger(__name__)

STREAM_PATH = "/v1/agents/{agent_id}/stream"

POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
MAX_SEQ_DIGITS = 18
"""A longer ``resume_from`` is no seq this service ever gave (and a huge one would cost its parse)."""
MAX_EPOCH_LENGTH = 64


class TokenBucket:
    """Allows ``rate`` messages a second with bursts of ``2 * rate``; a flood empties it."""

    __slots__ = ("at", "capacity", "rate", "tokens")

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


class Refused(Exception):
    """The stream cannot be opened as asked: answered with an ``error`` and close 1008."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


async def _authenticate(websocket: WebSocket, settings: Settings) -> Principal:
    """The caller, from ``Authorization: Bearer``, else a ``?ticket=`` (spent here), else the deprecated
    ``?token=``; raises Refused."""
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return _verified(settings, header[7:].strip())
    ticket = websocket.query_params.get("ticket")
    if ticket is not None:
        principal = await tickets_for(websocket).redeem(ticket)
        if principal is None:
            raise Refused(ErrorCode.UNAUTHORIZED, "unknown, used or expired stream ticket: ask "
                                                  "POST /v1/stream-tickets for a new one")
        return principal
    return _verified(settings, websocket.query_params.get("token") or "")


def _verified(settings: Settings, token: str) -> Principal:
    try:
        return verify_token(settings, token)
    except AssistError as exc:
        raise Refused(ErrorCode.UNAUTHORIZED, exc.detail) from None


def _batched(websocket: WebSocket) -> bool:
    """``?batch=1``: the panel takes JSON arrays of messages (``PanelConnection``); raises Refused when malformed."""
    batch = websocket.query_params.get("batch", "0")
    if batch not in ("0", "1"):
        raise Refused(ErrorCode.INVALID_MESSAGE, "batch must be 0 or 1")
    return batch == "1"


def _resume_point(websocket: WebSocket) -> tuple[int | None, str | None]:
    """``resume_from`` and ``epoch`` from the query; raises Refused when malformed."""
    raw, epoch = websocket.query_params.get("resume_from"), websocket.query_params.get("epoch")
    if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_SEQ_DIGITS):
        raise Refused(ErrorCode.INVALID_MESSAGE, "resume_from must be a non-negative integer")
    if epoch is not None and not (0 < len(epoch) <= MAX_EPOCH_LENGTH):
        raise Refused(ErrorCode.INVALID_MESSAGE, "epoch must be the one the panel last received")
    return (int(raw) if raw is not None else None), epoch


class StreamLane:
    """Pure ASGI, the outermost of the app's middleware: the agent stream's websockets go straight to
    ``agent_stream``. Every layer it skips (request context, rate limits, exception handlers, FastAPI's exit
    stacks and routing) passes websockets through untouched, yet each kept a coroutine frame, and three an exit
    stack, alive for the whole shift of every panel: most of what an idle panel shed, 43 -> 29 KB
    (bench/serve_bench.py; docs/operations.md)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route = WebSocketRoute(STREAM_PATH, agent_stream)  # used to match the path and convert its params

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            match, child_scope = self.route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope)
                await agent_stream(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)


@metrics.counted_connection
async def agent_stream(websocket: WebSocket) -> None:
    """WS ``STREAM_PATH``: ends the connection itself on every outcome (no exception escapes to the server)."""
    agent_id: str = websocket.path_params["agent_id"]
    await websocket.accept()
    try:
        await _serve(websocket, agent_id)
    except WebSocketDisconnect:
        pass  # the panel went away: normal, it resumes when it comes back
    except Refused as refusal:
        await _end(websocket, error(refusal.code, refusal.detail), POLICY_VIOLATION, refusal.code)
    except Exception as exc:  # noqa: BLE001 - the panel gets a reason and resumes; a real bug is logged
        unavailable = as_store_unavailable(exc)
        if unavailable is None:
            log.exception("agent stream failed", extra={"agent_id": agent_id})
            await _end(websocket, error(ErrorCode.INTERNAL_ERROR, "the stream failed; reconnect and resume"),
                       INTERNAL_ERROR, "internal error")
        else:
            log.warning("agent stream closed: %s unavailable", unavailable.store, extra={"agent_id": agent_id})
            metrics.store_error(unavailable.store, "websocket")
            await _end(websocket, error(unavailable.code, unavailable.detail), TRY_AGAIN_LATER, unavailable.code)
    finally:
        if websocket.application_state != WebSocketState.DISCONNECTED:
            try:
                await websocket.close()
            except (RuntimeError, WebSocketDisconnect):  # the panel left first: nothing to close
                pass


async def _serve(websocket: WebSocket, agent_id: str) -> None:
    settings: Settings = websocket.app.state.settings
    principal = await _authenticate(websocket, settings)
    if not principal.may_act_as(agent_id):
        raise Refused(ErrorCode.OTHER_AGENT, "a token may only open its own agent's stream")
    resume_from, resume_epoch = _resume_point(websocket)
    fanout: Fanout = websocket.app.state.fanout
    outbox: Outbox = websocket.app.state.outbox
    connection = PanelConnection(websocket, outbox, agent_id, _batched(websocket))
    async with fanout.listen(outbox.channel(agent_id)) as listener:
        await _open(connection, resume_from, resume_epoch, settings.demo_mode)
        await _run(connection, listener, principal, websocket.app.state.session_service, settings)


async def _end(websocket: WebSocket, message: Envelope, code: int, reason: str) -> None:
    """Send ``message`` and close with ``code``, unless the panel already left."""
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    text = message.model_dump_json()
    try:
        await websocket.send_text(f"[{text}]" if websocket.query_params.get("batch") == "1" else text)
        await websocket.close(code=code, reason=reason)
    except (RuntimeError, WebSocketDisconnect):
        pass


async def _open(connection: PanelConnection, resume_from: int | None, resume_epoch: str | None,
                demo: bool = False) -> None:
    """Say hello and replay what a resuming panel missed. A resume that cannot be continued exactly (another
    epoch than the panel's, or a seq past the last one taken: the numbering started over since) is a gap:
    ``resume_gap``, then everything the current epoch holds."""
    head = await connection.outbox.head(connection.agent_id)
    greeting = hello(connection.agent_id, head.seq, resume_from, head.epoch, demo)
    connection.position = Position(head.epoch, head.seq)
    if resume_from is None:
        await connection.send(greeting)
        return
    restarted = resume_from > head.seq or (resume_epoch is not None and resume_epoch != head.epoch)
    after = 0 if restarted else resume_from
    backlog = await connection.outbox.read(connection.agent_id, after)
    if backlog.head.epoch != head.epoch and not restarted:  # it started over between the two reads
        restarted, after = True, 0
        backlog = await connection.outbox.read(connection.agent_id, after)
    connection.position = Position(backlog.head.epoch, after)
    messages = [greeting]
    if restarted or backlog.trimmed:
        detail = ("the stream started over since this panel's resume point; showing everything it holds"
                  if restarted else "some messages expired before this resume; showing what is still held")
        messages.append(error(ErrorCode.RESUME_GAP, detail))
        if backlog.frames:
            connection.position.seq = backlog.frames[0].seq - 1
    await connection.replay(messages, backlog.frames)


async def _run(connection: PanelConnection, listener: Listener, principal: Principal, service: SessionService,
               settings: Settings) -> None:
    """The reader runs in this task and the writer in its own; whichever ends first ends the other (the writer's
    end cancels this task). A reader task of its own and an ``asyncio.wait`` on both held about 1 KB more of
    every idle panel (bench/serve_bench.py)."""
    this = asyncio.current_task()
    assert this is not None
    reading, stopped_by_writer = True, False

    def writer_ended(_: asyncio.Task[None]) -> None:
        nonlocal stopped_by_writer
        if reading:
            stopped_by_writer = True
            this.cancel()

    writer = asyncio.create_task(_write(connection, listener))
    writer.add_done_callback(writer_ended)
    failure: Exception | None = None
    try:
        await _read(connection, listener, principal, service, settings)
    except asyncio.CancelledError:
        if not stopped_by_writer or this.uncancel() > 0:
            raise  # cancelled from outside as well: the server is going away
    except Exception as exc:  # noqa: BLE001 - judged below, once the writer is stopped
        failure = exc
    finally:
        reading = False
        if not writer.done():
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await writer
        written = None if writer.cancelled() else writer.exception()  # always taken: asyncio logs one left unread
    failure = failure or written  # type: ignore[assignment]
    closed = connection.websocket.application_state == WebSocketState.DISCONNECTED
    if failure is not None and not isinstance(failure, WebSocketDisconnect) and not closed:
        raise failure  # after our own close (rate limit, slow reader), a send that lost the race is no error


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
        frame = await connection.websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000), frame.get("reason"))
        if not bucket.take():
            await connection.send(error(ErrorCode.RATE_LIMITED, "too many messages; slow down"))
            await connection.websocket.close(code=POLICY_VIOLATION, reason="rate limited")
            return
        raw = frame.get("text")
        if raw is None:  # a binary frame: answered, and the connection stays up
            reply: Envelope | None = error(ErrorCode.INVALID_MESSAGE,
                                           "binary frames are not accepted: send each message as JSON text")
        else:
            reply = await _handle(raw, principal, service)
        if not await connection.flush(listener, reply):
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
    except RecursionError:  # pydantic's parser refused it first, at its own (lower) depth limit
        return error(ErrorCode.INVALID_JSON, "message is nested too deeply to be a panel message")
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
        unavailable = as_store_unavailable(exc)
        if unavailable is not None:  # not a bug: the panel may send again once the store is back
            metrics.store_error(unavailable.store, "websocket")
            log.warning("panel message refused: %s unavailable", unavailable.store,
                        extra={"type": message.type, "agent_id": principal.subject})
            return error(unavailable.code, unavailable.detail, message.id)
        log.exception("panel message failed", extra={"type": message.type, "agent_id": principal.subject})
        return error(ErrorCode.INTERNAL_ERROR, "the message could not be processed", message.id)
