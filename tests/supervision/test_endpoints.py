"""The supervisors' request queue over REST: roles, answers once, problems for the rest, in OpenAPI."""

from __future__ import annotations

import pytest

from assist.supervision.requests import ask_approval
from tests.supervision.steps import refund_contact


@pytest.fixture(autouse=True)
async def drop_keys(app):
    yield
    redis = app.state.redis
    async for key in redis.client.scan_iter(match=f"{redis.keys.prefix}:*", count=500):
        await redis.client.delete(key)


async def pending_approval(app) -> str:
    contact = await refund_contact(app)
    return (await ask_approval(contact.service, contact.agent, contact.asking())).id


async def test_a_supervisor_lists_the_pending_approvals(app, client, auth):
    request_id = await pending_approval(app)
    response = await client.get("/v1/supervision/requests", headers=auth("S1", "supervisor"))
    assert response.status_code == 200
    [listed] = response.json()["requests"]
    assert (listed["id"], listed["kind"], listed["status"], listed["agent_id"], listed["amount"]) == (
        request_id, "approval", "pending", "A1", 120.0)
    assert listed["customer"]["name"] == "Jane Doe"


async def test_an_agent_may_not_list_requests(client, auth):
    response = await client.get("/v1/supervision/requests", headers=auth("A1", "agent"))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_supervisor_approves_with_a_note(app, client, auth):
    request_id = await pending_approval(app)
    response = await client.post(f"/v1/supervision/requests/{request_id}/decision",
                                 json={"verdict": "approved", "note": "fine this once"},
                                 headers=auth("S1", "supervisor"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note"], response.json()["decided_by"]) == (
        "approved", "fine this once", "S1")


async def test_a_second_decision_is_a_409(app, client, auth):
    request_id = await pending_approval(app)
    url = f"/v1/supervision/requests/{request_id}/decision"
    assert (await client.post(url, json={"verdict": "refused"}, headers=auth("S1", "supervisor"))).status_code == 200
    again = await client.post(url, json={"verdict": "approved"}, headers=auth("S2", "supervisor"))
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


async def test_an_agent_may_not_decide_even_their_own_request(app, client, auth):
    request_id = await pending_approval(app)
    response = await client.post(f"/v1/supervision/requests/{request_id}/decision", json={"verdict": "approved"},
                                 headers=auth("A1", "agent"))
    assert response.status_code == 403


async def test_deciding_an_unknown_request_is_a_404(client, auth):
    response = await client.post("/v1/supervision/requests/AP-nothing/decision", json={"verdict": "approved"},
                                 headers=auth("S1", "supervisor"))
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_request"


async def test_a_verdict_outside_the_list_is_a_422(client, auth):
    response = await client.post("/v1/supervision/requests/AP-x/decision", json={"verdict": "maybe"},
                                 headers=auth("S1", "supervisor"))
    assert response.status_code == 422


async def test_the_decision_route_documents_its_problems(client):
    schema = (await client.get("/openapi.json")).json()
    responses = schema["paths"]["/v1/supervision/requests/{request_id}/decision"]["post"]["responses"]
    assert {"403", "404", "409", "422"} <= set(responses)
    assert "already_decided" in responses["409"]["description"]


async def test_a_supervisor_reads_the_floor(app, client, auth):
    await pending_approval(app)  # agent A1 with an open refund contact
    response = await client.get("/v1/supervision/floor?sl_seconds=30", headers=auth("S1", "supervisor"))
    assert response.status_code == 200
    floor = response.json()
    assert floor["sl_seconds"] == 30
    assert [q["queue"] for q in floor["queues"]] == ["default"]
    [a1] = [a for a in floor["agents"] if a["agent_id"] == "A1"]
    assert [(c["channel"], c["reason"]) for c in a1["contacts"]] == [("chat", "refund")]


async def test_an_agent_may_not_read_the_floor(client, auth):
    response = await client.get("/v1/supervision/floor", headers=auth("A1", "agent"))
    assert response.status_code == 403
