"""The running service routes by the queues in the file ``ASSIST_ROUTING_CONFIG`` names, and will not start on a
file it cannot trust."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlmodel import select

from assist.app import create_app
from assist.auth.tokens import create_token
from assist.stores.tables import AuditEntry
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


SALES_QUEUE = {"queues": {"sales": {"group": "sales", "required_skills": {"sales": 3}, "offer_timeout_seconds": 15,
                                    "steps": [{"after_seconds": 0, "proficiency_delta": 1}]}}}


def as_role(application: FastAPI, role: str, subject: str = "admin-1") -> httpx.AsyncClient:
    token = create_token(application.state.settings, subject, role)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test",
                             headers={"Authorization": f"Bearer {token}"})


async def put_sales_agent(client: httpx.AsyncClient) -> None:
    for skill in ("billing", "sales"):
        assert (await client.put(f"/v1/routing/skills/{skill}", json={})).status_code in (200, 201)
    response = await client.put("/v1/routing/agents/S1", json={
        "skills": {"billing": 3, "sales": 2}, "languages": ["en"], "capacity": {"chat": 1}, "groups": ["sales"],
        "status": "available"})
    assert response.status_code == 200


SALES_CONTACT = {"contact_id": "c-admin", "channel": "chat", "required_skills": {"billing": 2}, "language": "en",
                 "priority": 50, "queue": "sales"}


async def test_queues_an_admin_sets_are_in_force_for_the_next_contact_and_audited(app: FastAPI):
    async with as_role(app, "admin") as admin:
        await put_sales_agent(admin)
        before = await admin.post("/v1/routing/contacts", json=SALES_CONTACT)
        changed = await admin.put("/v1/routing/config", json=SALES_QUEUE)
        after = await admin.post("/v1/routing/contacts", params={"explain": "true"}, json=SALES_CONTACT)
    assert before.status_code == 422 and before.json()["code"] == "unknown_queue"
    assert changed.status_code == 200
    assert changed.json()["version"] == 1 and changed.json()["source"] == "admin"
    assert after.status_code == 201 and after.json()["agent_id"] == "S1" and after.json()["decision"]["step"] == 1
    async with app.state.db.session() as s:
        entries = (await s.exec(select(AuditEntry).where(AuditEntry.action == "routing_config_changed"))).all()
    assert [(e.actor_id, e.fields, e.reason) for e in entries] == [("admin-1", ["sales"], "version 1")]


async def test_a_change_made_through_one_worker_is_taken_up_by_another(tmp_path: Path, redis_url: str):
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}")
    first, second = create_app(settings), create_app(settings)
    async with LifespanManager(first, startup_timeout=30), LifespanManager(second, startup_timeout=30):
        async with as_role(first, "admin") as admin:
            await put_sales_agent(admin)
            assert (await admin.put("/v1/routing/config", json=SALES_QUEUE)).status_code == 200
        assert await second.state.queue_configs.follow_once()
        async with as_role(second, "admin") as admin:
            routed = await admin.post("/v1/routing/contacts", json=SALES_CONTACT)
            read = (await admin.get("/v1/routing/config")).json()
    assert routed.status_code == 201 and routed.json()["agent_id"] == "S1"
    assert read["version"] == 1 and "sales" in read["config"]["queues"]


@pytest.mark.parametrize(("config", "code"), [
    ({"queues": {"sales": {"steps": [{"after_seconds": 60}, {"after_seconds": 30}]}}}, "invalid_routing_config"),
    ({"queues": {"sales": {"offer_timeout_seconds": 0}}}, "invalid_input"),
    ({"queues": {"sales": {"colour": "blue"}}}, "invalid_input"),
    ({"queues": {"sales": {"required_skills": {"astrology": 2}}}}, "unknown_skill"),
])
async def test_an_invalid_configuration_is_refused_and_changes_nothing(app: FastAPI, config: dict, code: str):
    async with as_role(app, "admin") as admin:
        response = await admin.put("/v1/routing/config", json=config)
        read = (await admin.get("/v1/routing/config")).json()
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert read["version"] == 0 and read["source"] == "default" and read["config"]["queues"] == {}
    assert set(app.state.routing.config.policies) == {"default"}


async def test_only_an_admin_may_change_the_queues_and_a_supervisor_may_read_them(app: FastAPI):
    async with as_role(app, "supervisor", "sup-1") as supervisor:
        write = await supervisor.put("/v1/routing/config", json=SALES_QUEUE)
        read = await supervisor.get("/v1/routing/config")
    assert write.status_code == 403 and read.status_code == 200
    assert set(app.state.routing.config.policies) == {"default"}
