"""One app per module on SQLite for the API checks that do not depend on the SQL backend (auth, input
validation): starting an app per test would dominate their run time. The flow tests use the per-test
``app`` fixture and so run on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from assist.app import create_app
from assist.auth.tokens import create_token
from assist.settings import Settings
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def shared_settings(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Settings:
    tmp = tmp_path_factory.mktemp("practice")
    return make_settings(tmp, redis_url, f"sqlite:///{tmp / 'assist.db'}")


@pytest.fixture(scope="module")
async def shared_app(shared_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(shared_settings)
    async with LifespanManager(application, startup_timeout=30):
        yield application


@pytest.fixture(scope="module")
async def shared_client(shared_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shared_app), base_url="http://test") as c:
        yield c


@pytest.fixture(scope="module")
def shared_auth(shared_settings: Settings) -> Callable[[str, str], dict[str, str]]:
    def headers(agent_id: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(shared_settings, agent_id, role)}"}

    return headers
