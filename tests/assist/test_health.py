"""Liveness and readiness."""

from __future__ import annotations

from assist.stores.sql import Database


async def test_healthz_answers_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_redis_and_database_answer(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"redis": True, "database": True}


async def test_readyz_is_503_naming_redis_when_it_is_down(client, app):
    from assist.stores.redis import RedisStore

    working = app.state.redis
    app.state.redis = RedisStore("redis://127.0.0.1:1/0", "down")
    try:
        response = await client.get("/readyz")
    finally:
        await app.state.redis.close()
        app.state.redis = working
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]


async def test_readyz_is_503_naming_database_when_it_is_down(client, app):
    working = app.state.db
    app.state.db = Database("postgresql://postgres@127.0.0.1:1/none")
    try:
        response = await client.get("/readyz")
    finally:
        await app.state.db.close()
        app.state.db = working
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


async def test_a_started_worker_collects_garbage_at_the_configured_thresholds(app):
    import gc

    assert gc.get_threshold() == app.state.settings.gc_thresholds
