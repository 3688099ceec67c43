"""A store that does not answer is a 503 ``store_unavailable`` with Retry-After, never a 500 with a traceback.

``as_store_unavailable`` decides what counts: the store clients' connection failures, not a store's answers
and not the same exception types raised by something else (a file, an outbound call)."""

from __future__ import annotations

import logging

import httpx
import psycopg
import pytest
import redis.exceptions
import sqlalchemy.exc
from fastapi import FastAPI
from redis.asyncio import Redis

from assist.errors import StoreUnavailable, as_store_unavailable, install_error_handlers
from routing.batching import CommandBatcher
from tests.conftest import free_port


@pytest.mark.parametrize("exc", [
    redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379."),
    redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379"),
    redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"),
])
def test_redis_client_failures_mean_redis_is_unavailable(exc: Exception) -> None:
    found = as_store_unavailable(exc)
    assert found is not None and found.store == "redis" and found.status_code == 503


@pytest.mark.parametrize("exc", [
    sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection refused")),
    sqlalchemy.exc.InterfaceError("SELECT 1", {}, Exception("connection closed")),
    sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True),
    psycopg.OperationalError("connection is lost"),
])
def test_database_client_failures_mean_the_database_is_unavailable(exc: Exception) -> None:
    found = as_store_unavailable(exc)
    assert found is not None and found.store == "database"


@pytest.mark.parametrize("exc", [
    redis.exceptions.ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"),
    sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
    sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("division by zero"), connection_invalidated=False),
    ConnectionRefusedError(111, "Connection refused"),  # raised outside any store client
    TimeoutError(),
    FileNotFoundError(2, "No such file"),
    ValueError("bad"),
])
def test_answers_and_foreign_errors_are_not_store_unavailability(exc: Exception) -> None:
    assert as_store_unavailable(exc) is None


async def test_a_refused_connection_inside_the_batcher_is_redis_unavailability() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(Exception) as raised:
            await CommandBatcher(client.connection_pool).send([("PING",)])
    finally:
        await client.aclose()
    found = as_store_unavailable(raised.value)
    assert found is not None and found.store == "redis"


def test_a_store_failure_inside_an_exception_group_or_as_a_cause_is_found() -> None:
    grouped = ExceptionGroup("tasks", [ValueError("x"), redis.exceptions.ConnectionError("down")])
    try:
        try:
            raise psycopg.OperationalError("the server is gone")
        except psycopg.OperationalError as cause:
            raise RuntimeError("could not record") from cause
    except RuntimeError as wrapped:
        caused = wrapped
    assert as_store_unavailable(grouped).store == "redis"  # type: ignore[union-attr]
    assert as_store_unavailable(caused).store == "database"  # type: ignore[union-attr]


@pytest.fixture
def failing_app() -> FastAPI:
    """Routes that fail as the stores' clients do, behind the service's own error handlers."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/redis")
    async def redis_down() -> None:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    @app.get("/database")
    async def database_down() -> None:
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    @app.get("/explicit")
    async def explicit() -> None:
        raise StoreUnavailable("redis")

    @app.get("/bug")
    async def bug() -> None:
        raise sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))

    return app


@pytest.mark.parametrize(("path", "store"), [("/redis", "redis"), ("/database", "database"), ("/explicit", "redis")])
async def test_a_store_failure_answers_503_problem_with_retry_after(failing_app: FastAPI, path: str,
                                                                   store: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=failing_app), base_url="http://t") as client:
        response = await client.get(path)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["code"] == "store_unavailable" and response.json()["store"] == store


async def test_a_store_failure_is_logged_as_one_warning_without_traceback(failing_app: FastAPI,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=failing_app), base_url="http://t") as client:
        await client.get("/redis")
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in records] == [
        ("WARNING", "store unavailable", None)]


async def test_a_store_error_that_is_not_an_outage_stays_a_500(failing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/bug")
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
