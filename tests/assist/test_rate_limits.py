"""HTTP request limits: per token, per API key, per address, and bad credentials slowed; health exempt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from assist.app import create_app
from assist.auth.apikeys import create_api_key
from assist.auth.tokens import create_token
from assist.settings import Settings
from assist.stores.redis import open_client
from tests.conftest import make_settings

LIMITS = {"rate_limit_per_token": 3, "rate_limit_per_api_key": 4, "rate_limit_per_address": 50,
          "rate_limit_bad_credentials": 5, "rate_limit_window_seconds": 60}


@pytest.fixture
def limited(tmp_path: Path, redis_url: str) -> Settings:
    return make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}", **LIMITS)


@pytest.fixture
async def limited_app(limited: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(limited)
    async with LifespanManager(application, startup_timeout=30):
        yield application
    await _drop_keys(limited)


async def _drop_keys(settings: Settings) -> None:
    client = open_client(settings.redis_url)
    try:
        async for key in client.scan_iter(match=f"{settings.redis_prefix}:*", count=500):
            await client.delete(key)
    finally:
        await client.aclose()


def client_from(application: FastAPI, address: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def bearer(settings: Settings, agent_id: str = "A1", role: str = "agent") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(settings, agent_id, role)}"}


async def test_requests_over_the_token_limit_get_429_with_retry_after_and_a_problem_body(limited_app, limited):
    headers = bearer(limited)
    async with client_from(limited_app) as client:
        answered = [(await client.get("/v1/me", headers=headers)) for _ in range(4)]
    assert [r.status_code for r in answered] == [200, 200, 200, 429]
    refused = answered[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_each_token_has_its_own_budget(limited_app, limited):
    async with client_from(limited_app) as client:
        for _ in range(3):
            await client.get("/v1/me", headers=bearer(limited, "A1"))
        other = await client.get("/v1/me", headers=bearer(limited, "A2"))
    assert other.status_code == 200


async def test_an_api_key_is_limited_per_key(limited_app, limited):
    async with limited_app.state.db.session() as s:
        key = await create_api_key(s, "acd-east")
    async with client_from(limited_app) as client:
        codes = [(await client.get("/v1/me", headers={"X-API-Key": key})).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]


async def test_an_address_is_limited_whatever_credentials_it_sends(tmp_path, redis_url):
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}",
                             **{**LIMITS, "rate_limit_per_address": 5})
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30), client_from(application) as client:
        codes = [(await client.get("/v1/me", headers=bearer(settings, f"A{n}"))).status_code for n in range(6)]
    await _drop_keys(settings)
    assert codes == [200] * 5 + [429]


async def test_the_limit_is_shared_by_every_worker_of_the_deployment(limited, limited_app):
    headers = bearer(limited)
    second = create_app(limited)  # another worker: same Redis, same key prefix
    async with LifespanManager(second, startup_timeout=30):
        async with client_from(limited_app) as first_client, client_from(second) as second_client:
            codes = [(await first_client.get("/v1/me", headers=headers)).status_code,
                     (await second_client.get("/v1/me", headers=headers)).status_code,
                     (await first_client.get("/v1/me", headers=headers)).status_code,
                     (await second_client.get("/v1/me", headers=headers)).status_code]
    assert codes == [200, 200, 200, 429]


async def test_health_and_readiness_are_never_limited(limited_app):
    async with client_from(limited_app) as client:
        codes = {(await client.get(path)).status_code for path in ["/healthz", "/readyz"] * 60}
    assert codes == {200}


async def test_repeated_bad_tokens_from_one_address_get_429_even_with_a_good_token_after(limited_app, limited):
    forger = Settings(jwt_secret="another-secret-0123456789abcdef0123456789")
    forged = [{"Authorization": f"Bearer {create_token(forger, f'A{n}', 'admin')}"} for n in range(6)]
    async with client_from(limited_app, "10.0.0.66") as client:
        codes = [(await client.get("/v1/me", headers=headers)).status_code for headers in forged]
        good = await client.get("/v1/me", headers=bearer(limited))
    assert codes == [401] * 5 + [429]
    assert good.status_code == 429
    assert good.json()["reason"] == "bad_credentials"
    assert int(good.headers["retry-after"]) >= 1


async def test_repeated_bad_api_keys_are_refused_before_any_lookup(limited_app):
    async with client_from(limited_app, "10.0.0.67") as client:
        codes = [(await client.get("/v1/me", headers={"X-API-Key": f"ak_{n:012x}_guess"})).status_code
                 for n in range(8)]
    assert codes == [401] * 5 + [429] * 3


async def test_bad_credentials_block_only_the_address_that_sent_them(limited_app, limited):
    async with client_from(limited_app, "10.0.0.68") as attacker:
        for _ in range(6):
            await attacker.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
    async with client_from(limited_app, "10.0.0.69") as agent:
        response = await agent.get("/v1/me", headers=bearer(limited))
    assert response.status_code == 200


async def test_expired_tokens_do_not_count_as_bad_credentials(limited_app, limited):
    expired = {"Authorization": f"Bearer {create_token(limited, 'A1', 'agent', ttl_seconds=-120)}"}
    async with client_from(limited_app, "10.0.0.70") as client:
        for _ in range(6):
            await client.get("/v1/me", headers=expired)
        response = await client.get("/v1/me", headers=bearer(limited, "A9"))
    assert response.status_code == 200


async def test_limits_can_be_switched_off(tmp_path, redis_url):
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}",
                             **{**LIMITS, "rate_limit_enabled": False})
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30), client_from(application) as client:
        codes = {(await client.get("/v1/me", headers=bearer(settings))).status_code for _ in range(5)}
    await _drop_keys(settings)
    assert codes == {200}


async def test_requests_pass_unlimited_while_redis_is_down(tmp_path, private_redis):
    settings = make_settings(tmp_path, private_redis.url, f"sqlite:///{tmp_path / 'assist.db'}", **LIMITS)
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30), client_from(application) as client:
        private_redis.stop()
        codes = [(await client.get("/v1/me", headers=bearer(settings))).status_code for _ in range(5)]
        private_redis.start()
    assert codes == [200] * 5
