"""One error family for HTTP and websocket alike.

A domain error carries a machine ``code``, an HTTP ``status_code`` and a human ``detail``. HTTP answers it
as an RFC 9457 problem body; the websocket answers it as an ``error`` message with the same code. The
libraries (``routing``, ``models``, ``simulator``) define their own error bases with the same three
attributes so they need not import ``assist``; ``install_error_handlers`` maps them all the same way.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import psycopg
import redis.exceptions
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assist import metrics

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


class StoreUnavailable(AssistError):
    """A store (Redis or the database) did not answer: the request may succeed if retried shortly.

    ``store`` says which ("redis" or "database"); the HTTP answer carries ``Retry-After``.
    """

    code = "store_unavailable"
    status_code = 503
    retry_after = 2
    """Seconds a client should wait before retrying: about one reconnect attempt of a restarting store."""

    def __init__(self, store: str, detail: str | None = None) -> None:
        name = {"redis": "Redis", "database": "The database"}.get(store, f"The {store} store")
        super().__init__(detail or f"{name} is not answering; retry shortly.", extra={"store": store})
        self.store = store


_REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)  # BusyLoadingError included
_DATABASE_DOWN = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.TimeoutError,
                  psycopg.OperationalError)
_STORE_MODULES = {"redis": "redis", "routing.batching": "redis", "routing.commands": "redis",
                  "assist.stores.redis": "redis", "sqlalchemy": "database", "psycopg": "database",
                  "aiosqlite": "database", "assist.stores.sql": "database"}


def _store_in_traceback(tb: TracebackType | None) -> str | None:
    """The store whose client code raised (the innermost store frame wins), else None.

    A bare ``TimeoutError`` or ``OSError`` says nothing about its origin; its frames do.
    """
    found = None
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        for prefix, store in _STORE_MODULES.items():
            if module == prefix or module.startswith(prefix + "."):
                found = store
        tb = tb.tb_next
    return found


def as_store_unavailable(exc: BaseException) -> StoreUnavailable | None:
    """``exc`` as a ``StoreUnavailable`` when it means a store is down or unreachable, else None.

    Recognised: redis-py's connection, timeout and busy-loading errors (the routing batcher raises the same),
    SQLAlchemy's operational/interface errors, pool timeouts and any DBAPI error that invalidated its
    connection, psycopg's operational errors, and an ``OSError`` (refused or reset socket, DNS failure) or a
    bare ``TimeoutError`` (``asyncio.timeout``) that passed through a store client's frames; the same errors
    from anything else (a file, an outbound call) give None. A store's *answer* (a Redis error reply, an
    integrity error) is not unavailability and gives None. Exception groups and explicit causes are searched.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # along explicit causes; a cycle ends the search
        seen.add(id(current))
        found = _unavailable_store(current)
        if found is not None:
            return found
        current = current.__cause__
    return None


def _unavailable_store(exc: BaseException) -> StoreUnavailable | None:
    if isinstance(exc, StoreUnavailable):
        return exc
    if isinstance(exc, _REDIS_DOWN):
        return StoreUnavailable("redis")
    if isinstance(exc, _DATABASE_DOWN) or (
            isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated):
        return StoreUnavailable("database")
    if isinstance(exc, OSError):  # TimeoutError, ConnectionError and socket.gaierror are all OSErrors
        store = _store_in_traceback(exc.__traceback__)
        return None if store is None else StoreUnavailable(store)
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = as_store_unavailable(inner)
            if found is not None:
                return found
    return None


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

    A store that does not answer (``as_store_unavailable``) is answered 503 ``store_unavailable`` with
    ``Retry-After`` and logged as one WARNING line, without a traceback.

    ``domain_errors`` are the libraries' error bases (``RoutingError``...): they carry code, status and detail.
    """

    async def _domain(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(exc.status_code, exc.code, exc.detail)  # type: ignore[attr-defined]

    for error_type in domain_errors:
        app.add_exception_handler(error_type, _domain)

    @app.exception_handler(AssistError)
    async def _assist_error(request: Request, exc: AssistError) -> JSONResponse:
        if isinstance(exc, StoreUnavailable):
            return _store_unavailable(request, exc, exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return problem_response(exc.status_code, exc.code, exc.detail, headers=headers, **exc.extra)

    async def _store_failure(request: Request, exc: Exception) -> JSONResponse:
        unavailable = as_store_unavailable(exc)
        if unavailable is None:
            return _unexpected(request, exc)
        return _store_unavailable(request, unavailable, exc)

    # Registered by type (not left to the catch-all below): Starlette re-raises what reaches the catch-all,
    # so the server would log a traceback for an outage that was answered cleanly.
    for store_error in (*_REDIS_DOWN, sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError,
                        psycopg.OperationalError, OSError, ExceptionGroup):
        app.add_exception_handler(store_error, _store_failure)

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
        unavailable = as_store_unavailable(exc)
        if unavailable is not None:
            return _store_unavailable(request, unavailable, exc)
        return _unexpected(request, exc)


def _store_unavailable(request: Request, unavailable: StoreUnavailable, cause: BaseException) -> JSONResponse:
    """503 with ``Retry-After``; one WARNING line without traceback: an outage is an operating condition."""
    metrics.store_error(unavailable.store, "http")
    log.warning("store unavailable", extra={"path": request.url.path, "store": unavailable.store,
                                            "error": _short_reason(cause)})
    return problem_response(503, unavailable.code, unavailable.detail,
                            headers={"Retry-After": str(unavailable.retry_after)}, **unavailable.extra)


def _short_reason(exc: BaseException) -> str:
    """The driver's own first line (``orig`` under SQLAlchemy): never the statement or its parameters, which may
    hold personal data."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0][:200] if lines else ''}"


def _unexpected(request: Request, exc: BaseException) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    return problem_response(500, "internal_error", "An unexpected error occurred.")
