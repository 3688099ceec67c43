"""Routing and the stream together: a contact submitted by a routing system reaches the chosen agent's panel,
and what the agent does settles the reservation."""

from __future__ import annotations

import uuid

import httpx

from tests.stream.panel import Panel
from tests.stream.seed import api_key, seed
from tests.stream.test_sessions import new_ids


async def routing_client(server) -> httpx.AsyncClient:
    key = await api_key(server, f"acd-{uuid.uuid4().hex[:6]}")
    return httpx.AsyncClient(base_url=server.base_url + "/v1/routing", headers={"X-API-Key": key})


async def register(acd: httpx.AsyncClient, agent_id: str, status: str = "available") -> None:
    assert (await acd.put("/skills/billing", json={})).status_code in (200, 201)
    response = await acd.put(f"/agents/{agent_id}", json={"skills": {"billing": 4}, "languages": ["en"],
                                                           "capacity": {"chat": 1}, "status": status})
    assert response.status_code in (200, 201), response.text


async def routed_and_accepted(server, acd: httpx.AsyncClient, prefix: str, **contact: object):
    """A seeded customer's contact (``contact``: more fields) submitted to routing and accepted on the chosen
    agent's panel."""
    cid, phone, email = new_ids()
    agent = f"{prefix}{uuid.uuid4().hex[:4]}"
    await seed(server, customer_id=cid, phone=phone, email=email, agents=(agent,))
    await register(acd, agent)
    panel = await Panel.open(server, agent)
    await panel.expect("hello")
    routed = (await acd.post("/contacts", json={"contact_id": f"K-{cid}", "channel": "chat",
                                                "required_skills": {"billing": 3}, "customer_id": cid,
                                                **contact})).json()
    offer = await panel.expect("offer")
    await panel.send("accept", {"offer_id": offer["data"]["offer_id"]})
    context = await panel.expect("context")
    return panel, agent, cid, routed, offer, context


async def test_submitted_contact_is_offered_on_the_agents_panel_with_the_customer_resolved(live_server):
    async with await routing_client(live_server) as acd:
        panel, agent, cid, routed, offer, context = await routed_and_accepted(live_server, acd, "RA")
        detail = (await acd.get(f"/agents/{agent}")).json()
        await panel.close()
    assert routed["outcome"] == "assigned" and routed["agent_id"] == agent
    assert offer["data"]["reason"] == "general" and offer["data"]["channel"] == "chat"
    assert context["data"]["customer"]["id"] == cid and context["data"]["identity"]["matched_on"] == ["customer_id"]
    assert [r["state"] for r in detail["reservations"]] == ["accepted"]


async def test_a_contacts_reason_reaches_the_offer_and_the_first_prompt(live_server):
    async with await routing_client(live_server) as acd:
        panel, _, _, _, offer, _ = await routed_and_accepted(live_server, acd, "RR", reason="refund")
        prompt = await panel.expect("prompt", session_id=offer["data"]["offer_id"])
        await panel.close()
    assert offer["data"]["reason"] == "refund"
    assert prompt["data"]["action"] == "verify_identity"
    assert "'refund' touches the account" in [r["text"] for r in prompt["data"]["reasons"]]


async def test_a_reason_that_is_not_a_reason_is_refused_with_nothing_stored(live_server):
    async with await routing_client(live_server) as acd:
        response = await acd.post("/contacts", json={"contact_id": "K-bad-reason", "channel": "chat",
                                                     "reason": "Refund; DROP"})
        stored = await acd.get("/contacts/K-bad-reason")
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert stored.status_code == 404


async def test_closing_the_session_completes_the_reservation_and_frees_the_slot(live_server):
    async with await routing_client(live_server) as acd:
        panel, agent, _, _, offer, _ = await routed_and_accepted(live_server, acd, "RB")
        busy = (await acd.get(f"/agents/{agent}")).json()["load"]
        await panel.send("close", {"session_id": offer["data"]["offer_id"], "outcome": "resolved"})
        await panel.expect("session_closed")
        freed = (await acd.get(f"/agents/{agent}")).json()["load"]
        await panel.close()
    assert busy == {"chat": 1} and freed.get("chat", 0) == 0


async def test_status_switch_on_the_panel_sets_the_agents_status_in_routing(live_server):
    agent = f"RC{uuid.uuid4().hex[:4]}"
    async with await routing_client(live_server) as acd:
        await register(acd, agent, status="away")
        panel = await Panel.open(live_server, agent)
        await panel.expect("hello")
        await panel.send("status", {"status": "available"})
        await panel.expect("status")
        detail = (await acd.get(f"/agents/{agent}")).json()
        await panel.close()
    assert detail["status"] == "available"


async def test_supervisor_may_read_routing_snapshots_but_not_change_them(live_server):
    headers = live_server.headers("S9", "supervisor")
    async with httpx.AsyncClient(base_url=live_server.base_url + "/v1/routing", headers=headers) as sup:
        read = await sup.get("/queues/default")
        write = await sup.put("/skills/billing", json={})
    assert read.status_code == 200
    assert write.status_code == 403 and write.json()["code"] == "role_forbidden"


async def test_routing_error_is_a_problem_body(live_server):
    async with await routing_client(live_server) as acd:
        response = await acd.post("/reservations/nope/accept")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
