"""The routing REST API through a small test app: auth, outcomes, problem bodies, nothing stored on
bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from routing.api import build_router
from routing.errors import RoutingError
from routing.service import RoutingService
from tests.routing.conftest import Clock, snapshot

API_KEY = "routing-test-key"
AGENT = {"skills": {"billing": 3}, "languages": ["en"], "capacity": {"chat": 1}, "status": "available"}
CONTACT = {"contact_id": "c1", "channel": "chat", "required_skills": {"billing": 2}, "language": "en",
           "priority": 50}


def require_client(x_api_key: Annotated[str | None, Header()] = None) -> str:
    if x_api_key != API_KEY:
        raise RoutingError("unauthorized", 401, "missing or wrong X-API-Key")
    return "routing-system"


def problem(status: int, code: str, detail: Any) -> JSONResponse:
    return JSONResponse({"type": f"about:blank#{code}", "title": code, "status": status, "detail": detail,
                         "code": code}, status_code=status, media_type="application/problem+json")


@pytest.fixture
async def client(service: RoutingService) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(build_router(lambda: service, require_client))

    @app.exception_handler(RoutingError)
    async def on_routing_error(request: Request, exc: RoutingError) -> JSONResponse:
        return problem(exc.status_code, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "invalid_request", str(exc.errors()))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"X-API-Key": API_KEY}) as http:
        yield http


async def put_agent(client: httpx.AsyncClient, agent_id: str = "A1", **changes: Any) -> httpx.Response:
    response = await client.put(f"/v1/routing/agents/{agent_id}", json={**AGENT, **changes})
    return response


async def test_request_without_the_api_key_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/routing/skills", headers={"X-API-Key": "wrong"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"


async def test_registered_agent_is_listed_and_detailed(client: httpx.AsyncClient) -> None:
    assert (await put_agent(client)).status_code == 200
    listed = (await client.get("/v1/routing/agents")).json()
    assert [a["agent_id"] for a in listed] == ["A1"]
    detail = (await client.get("/v1/routing/agents/A1")).json()
    assert detail["status"] == "available" and detail["capacity"] == {"chat": 1} and detail["misses"] == 0


async def test_submit_assigns_with_reservation_and_explains_on_request(client: httpx.AsyncClient,
                                                                       clock: Clock) -> None:
    await put_agent(client)
    response = await client.post("/v1/routing/contacts", params={"explain": "true"}, json=CONTACT)
    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "assigned" and body["agent_id"] == "A1"
    assert body["reservation_id"].startswith("A1.") and body["expires_at"] == clock() + 20
    assert body["decision"]["eligible"] == 1 and body["decision"]["candidates"][0]["agent_id"] == "A1"


async def test_submit_without_explain_carries_no_decision(client: httpx.AsyncClient) -> None:
    await put_agent(client)
    assert (await client.post("/v1/routing/contacts", json=CONTACT)).json()["decision"] is None


async def test_submit_with_no_free_agent_is_queued(client: httpx.AsyncClient) -> None:
    await put_agent(client, status="busy")
    response = await client.post("/v1/routing/contacts", json=CONTACT)
    assert response.status_code == 202
    assert response.json() | {"estimated_wait_seconds": None} == {
        "outcome": "queued", "contact_id": "c1", "agent_id": None, "reservation_id": None, "expires_at": None,
        "position": 0, "estimated_wait_seconds": None, "decision": None}
    queue = (await client.get("/v1/routing/queues/default")).json()
    assert queue["size"] == 1 and queue["waiting"][0]["contact_id"] == "c1"


async def test_accept_and_complete_a_reservation(client: httpx.AsyncClient) -> None:
    await put_agent(client)
    rid = (await client.post("/v1/routing/contacts", json=CONTACT)).json()["reservation_id"]
    accepted = await client.post(f"/v1/routing/reservations/{rid}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    completed = await client.post(f"/v1/routing/reservations/{rid}/complete")
    assert completed.json()["state"] == "completed"
    assert (await client.get("/v1/routing/agents/A1")).json()["load"] == {"chat": 0}
    assert (await client.get("/v1/routing/contacts/c1")).json()["state"] == "completed"


async def test_rejected_reservation_requeues_the_contact(client: httpx.AsyncClient) -> None:
    await put_agent(client)
    rid = (await client.post("/v1/routing/contacts", json=CONTACT)).json()["reservation_id"]
    assert (await client.post(f"/v1/routing/reservations/{rid}/reject")).json()["state"] == "rejected"
    contact = (await client.get("/v1/routing/contacts/c1")).json()
    assert contact["state"] == "queued" and contact["excluded_agents"] == ["A1"]


async def test_cancel_a_queued_contact(client: httpx.AsyncClient) -> None:
    await client.post("/v1/routing/contacts", json=CONTACT)
    assert (await client.delete("/v1/routing/contacts/c1")).status_code == 204
    assert (await client.get("/v1/routing/queues/default")).json()["size"] == 0


async def test_set_status_and_remove_agent(client: httpx.AsyncClient) -> None:
    await put_agent(client)
    response = await client.put("/v1/routing/agents/A1/status", json={"status": "after_contact_work"})
    assert response.json()["status"] == "after_contact_work"
    assert (await client.delete("/v1/routing/agents/A1")).status_code == 204
    assert (await client.get("/v1/routing/agents/A1")).status_code == 404


async def test_decisions_are_listed_newest_first(client: httpx.AsyncClient) -> None:
    await put_agent(client)
    await client.post("/v1/routing/contacts", json=CONTACT)
    await client.post("/v1/routing/contacts", json={**CONTACT, "contact_id": "c2"})
    decisions = (await client.get("/v1/routing/decisions", params={"limit": 5})).json()
    assert [(d["contact_id"], d["agent_id"]) for d in decisions] == [("c2", None), ("c1", "A1")]
    assert decisions[1]["candidates"][0][0] == "A1"


@pytest.mark.single_node
async def test_a_refused_slot_is_listed_with_its_reason(client: httpx.AsyncClient, service: RoutingService,
                                                        redis_client: Redis) -> None:
    await put_agent(client)
    await redis_client.hset(service.store.agent_key("A1"), "status", "busy")  # behind the mirror's back
    await client.post("/v1/routing/contacts", json=CONTACT)
    decisions = (await client.get("/v1/routing/decisions", params={"limit": 5})).json()
    assert [(d["agent_id"], d["refused"]) for d in decisions] == [(None, None), ("A1", "status")]


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/v1/routing/contacts", "/v1/routing/agents/{agent_id}", "/v1/routing/queues/{queue}",
            "/v1/routing/reservations/{reservation_id}/accept", "/v1/routing/decisions"} <= set(paths)


BAD_REQUESTS = [
    ("unknown skill on agent", "PUT", "/v1/routing/agents/A1", {**AGENT, "skills": {"astrology": 3}}, 422,
     "unknown_skill"),
    ("unknown skill on contact", "POST", "/v1/routing/contacts", {**CONTACT, "required_skills": {"x": 1}}, 422,
     "unknown_skill"),
    ("negative capacity", "PUT", "/v1/routing/agents/A1", {**AGENT, "capacity": {"chat": -1}}, 422,
     "invalid_request"),
    ("proficiency out of range", "PUT", "/v1/routing/agents/A1", {**AGENT, "skills": {"billing": 6}}, 422,
     "invalid_request"),
    ("priority out of range", "POST", "/v1/routing/contacts", {**CONTACT, "priority": 101}, 422,
     "invalid_request"),
    ("unknown queue", "POST", "/v1/routing/contacts", {**CONTACT, "queue": "nowhere"}, 422, "unknown_queue"),
    ("duplicate contact id", "POST", "/v1/routing/contacts", {**CONTACT, "contact_id": "seen"}, 409,
     "duplicate_contact"),
    ("unknown reservation", "POST", "/v1/routing/reservations/A1.0123456789abcdef/accept", None, 404,
     "unknown_reservation"),
    ("malformed reservation", "POST", "/v1/routing/reservations/nonsense/complete", None, 404,
     "unknown_reservation"),
    ("unknown agent status", "PUT", "/v1/routing/agents/ZZ/status", {"status": "away"}, 404, "unknown_agent"),
    ("unknown contact cancel", "DELETE", "/v1/routing/contacts/nobody", None, 404, "unknown_contact"),
    ("bad status value", "PUT", "/v1/routing/agents/A1/status", {"status": "asleep"}, 422, "invalid_request"),
]


@pytest.mark.parametrize(("case", "method", "url", "body", "status", "code"), BAD_REQUESTS,
                         ids=[case[0] for case in BAD_REQUESTS])
async def test_bad_input_gets_a_problem_and_changes_nothing(
        client: httpx.AsyncClient, redis_client: Redis, prefix: str, case: str, method: str, url: str,
        body: dict[str, Any] | None, status: int, code: str) -> None:
    await put_agent(client)
    await client.post("/v1/routing/contacts", json={**CONTACT, "contact_id": "seen"})
    before = await snapshot(redis_client, prefix)
    response = await client.request(method, url, json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"] == "application/problem+json"
    assert await snapshot(redis_client, prefix) == before
