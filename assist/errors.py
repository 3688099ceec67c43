"""One error family for HTTP and websocket alike.

A domain error carries a machine ``code``, an HTTP ``status_code`` and a human ``detail``. HTTP answers it
as an RFC 9457 problem body; the websocket answers it as an ``error`` message with the same code. The
libraries (``routing``, ``models``, ``simulator``) define their own error bases with the same three
attributes so they need not import ``assist``; ``install_error_handlers`` maps them all the same way.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, runtime_checkable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://agent-assist.dev/problems/"


@runtime_checkable
class DomainError(Protocol):
    code: str
    status_code: int
    detail: str


class AssistError(Exception):
    """Base of the service's own errors; subclasses fix ``code`` and ``status_code``."""

    code = "error"
    status_code = 400

    def __init__(self, detail: str, *, code: str | None = None, status_code: int | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.extra = extra or {}


class Unauthorized(AssistError):
    code = "unauthorized"
    status_code = 401


class Forbidden(AssistError):
    code = "forbidden"
    status_code = 403


class NotFound(AssistError):
    code = "not_found"
    status_code = 404


class Conflict(AssistError):
    code = "conflict"
    status_code = 409


class Gone(AssistError):
    code = "gone"
    status_code = 410


class InvalidInput(AssistError):
    code = "invalid_input"
    status_code = 422


def problem(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An RFC 9457 problem document; ``code`` repeats the type's last segment for easy matching."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    return body


def problem_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    return JSONResponse(problem(status, code, detail, **extra), status_code=status,
                        media_type="application/problem+json", headers=headers)


def _http_code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
            415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited"}.get(status, "http_error")


def install_error_handlers(app: FastAPI, domain_errors: tuple[type[Exception], ...] = ()) -> None:
    """Every error leaves as a problem body; unexpected ones are logged and answered 500 without internals.

    ``domain_errors`` are the libraries' error bases (``RoutingError``...): they carry code, status and detail.
    """

    async def _domain(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(exc.status_code, exc.code, exc.detail)  # type: ignore[attr-defined]

    for error_type in domain_errors:
        app.add_exception_handler(error_type, _domain)

    @app.exception_handler(AssistError)
    async def _assist_error(_: Request, exc: AssistError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return problem_response(exc.status_code, exc.code, exc.detail, headers=headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return problem_response(422, "invalid_input", "The request does not match the schema.", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, _http_code(exc.status_code), str(exc.detail),
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _domain_or_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DomainError) and isinstance(getattr(exc, "status_code", None), int):
            return problem_response(exc.status_code, exc.code, exc.detail)
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(500, "internal_error", "An unexpected error occurred.")
