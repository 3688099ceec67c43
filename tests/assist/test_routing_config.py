"""The running service routes by the queues in the file ``ASSIST_ROUTING_CONFIG`` names, and will not start on a
file it cannot trust."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from assist.app import create_app
from assist.auth.tokens import create_token
from routing.config import RoutingConfigError
from tests.conftest import make_settings
from tests.routing.test_config import SALES


@pytest.fixture
async def configured(tmp_path: Path, redis_url: str) -> AsyncIterator[FastAPI]:
    (tmp_path / "routing.yaml").write_text(SALES)
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}",
                             routing_config=tmp_path / "routing.yaml")
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30):
        yield application


async def test_a_contact_for_a_configured_queue_routes_by_its_steps_pool_and_timeout(configured: FastAPI):
    token = create_token(configured.state.settings, "admin-1", "admin")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=configured), base_url="http://test",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        for skill in ("billing", "sales"):
            assert (await client.put(f"/v1/routing/skills/{skill}", json={})).status_code in (200, 201)
        for agent_id, groups, level in (("S1", ["sales"], 2), ("X1", [], 5)):
            response = await client.put(f"/v1/routing/agents/{agent_id}", json={
                "skills": {"billing": 3, "sales": level}, "languages": ["en"], "capacity": {"chat": 1},
                "groups": groups, "status": "available"})
            assert response.status_code == 200
        response = await client.post("/v1/routing/contacts", params={"explain": "true"}, json={
            "contact_id": "c-sales", "channel": "chat", "required_skills": {"billing": 2}, "language": "en",
            "priority": 50, "queue": "sales"})
    routed = response.json()
    assert response.status_code == 201
    assert routed["agent_id"] == "S1" and routed["decision"]["step"] == 1
    record = await configured.state.routing.contact("c-sales")
    assert routed["expires_at"] - float(record["updated_at"]) == pytest.approx(15, abs=0.01)


async def test_the_service_does_not_start_on_an_invalid_routing_file(tmp_path: Path, redis_url: str):
    (tmp_path / "routing.yaml").write_text("queues:\n  sales:\n    offer_timeout_seconds: 0\n")
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}",
                             routing_config=tmp_path / "routing.yaml")
    with pytest.raises(RoutingConfigError, match="queues.sales.offer_timeout_seconds"):
        async with LifespanManager(create_app(settings), startup_timeout=30):
            pass
