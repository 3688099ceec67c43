"""Need to know: an agent reads a customer only while serving them; supervisors and admins by role; every
refusal audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assist.sessions.state import SessionState
from assist.stores.tables import AuditEntry, Journey
from tests.assist.records import add_customer


@pytest.fixture(autouse=True)
async def drop_keys(app):
    """The sessions these tests store live under the test's own prefix; delete them afterwards."""
    yield
    redis = app.state.redis
    async for key in redis.client.scan_iter(match=f"{redis.keys.prefix}:*", count=500):
        await redis.client.delete(key)


async def audit_actions(db, customer_id):
    async with db.session() as s:
        rows = (await s.exec(select(AuditEntry).where(AuditEntry.customer_id == customer_id)
                             .order_by(AuditEntry.id))).all()
    return [(a.actor_id, a.action) for a in rows]


async def open_session(app, agent_id: str, customer_id: str, status: str = "open") -> SessionState:
    state = SessionState(agent_id=agent_id, channel="chat", reason="refund", customer_id=customer_id, status=status)
    await app.state.session_service.sessions.put(state)
    return state


async def test_agent_without_a_contact_for_the_customer_gets_403(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/customers/C1", headers=auth("A2", "agent"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_serving_customer"
    assert "Jane" not in response.text


async def test_a_refused_read_is_audited(client, db, auth):
    await add_customer(db, "C1")
    await client.get("/v1/customers/C1?reason=curious", headers=auth("A2", "agent"))
    async with db.session() as s:
        [entry] = (await s.exec(select(AuditEntry).where(AuditEntry.customer_id == "C1"))).all()
    assert (entry.actor_id, entry.actor_role, entry.action) == ("A2", "agent", "read_refused")
    assert entry.reason == "not_serving_customer: curious"
    assert entry.fields == [] and entry.request_id


async def test_agent_with_an_open_session_for_the_customer_reads_them(client, app, db, auth):
    await add_customer(db, "C1")
    await open_session(app, "A2", "C1")
    response = await client.get("/v1/customers/C1", headers=auth("A2", "agent"))
    assert response.status_code == 200
    assert response.json()["name"] == "Jane Doe"
    assert await audit_actions(db, "C1") == [("A2", "read")]


async def test_an_open_session_for_another_customer_does_not_count(client, app, db, auth):
    await add_customer(db, "C1")
    await add_customer(db, "C2")
    await open_session(app, "A2", "C2")
    response = await client.get("/v1/customers/C1", headers=auth("A2", "agent"))
    assert response.status_code == 403


async def test_a_closed_session_no_longer_counts(client, app, db, auth):
    await add_customer(db, "C1")
    state = await open_session(app, "A2", "C1")
    state.status = "closed"
    await app.state.session_service.sessions.put(state)
    response = await client.get("/v1/customers/C1", headers=auth("A2", "agent"))
    assert response.status_code == 403


async def test_another_agents_session_does_not_count(client, app, db, auth):
    await add_customer(db, "C1")
    await open_session(app, "A3", "C1")
    response = await client.get("/v1/customers/C1", headers=auth("A2", "agent"))
    assert response.status_code == 403


async def test_agent_who_handled_an_open_journey_of_the_customer_reads_them(client, db, auth):
    await add_customer(db, "C1")  # journey J-C1 is open and was handled by A1
    response = await client.get("/v1/customers/C1", headers=auth("A1", "agent"))
    assert response.status_code == 200


async def test_a_closed_journey_no_longer_counts(client, db, auth):
    await add_customer(db, "C1")
    async with db.session() as s:
        journey = await s.get(Journey, "J-C1")
        journey.status = "closed"
        s.add(journey)
    response = await client.get("/v1/customers/C1", headers=auth("A1", "agent"))
    assert response.status_code == 403


async def test_supervisor_reads_any_customer_by_role(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/customers/C1", headers=auth("S1", "supervisor"))
    assert response.status_code == 200


async def test_trainer_refusal_is_audited_too(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/customers/C1", headers=auth("T1", "trainer"))
    assert response.status_code == 403
    assert await audit_actions(db, "C1") == [("T1", "read_refused")]
