"""ASGI middleware: a request id on every request and response, one access log line, a body size cap."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assist.errors import problem_response

log = logging.getLogger("assist.access")


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware) so websockets and streaming pass through untouched."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            response = problem_response(413, "payload_too_large",
                                        f"request body over {self.max_body_bytes} bytes")
            await response(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("request", extra={"method": scope["method"], "path": scope["path"],
                                       "status": status.get("code"), "request_id": rid,
                                       "ms": round((time.perf_counter() - started) * 1000, 2)})
