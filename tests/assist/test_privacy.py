"""Data-subject requests: export everything, erase by anonymising, audit both."""

from __future__ import annotations

from sqlmodel import select

from assist.stores.tables import AuditEntry, Customer, CustomerIdentifier, Interaction, Journey
from tests.assist.records import add_customer


async def test_export_holds_profile_identifiers_interactions_journeys_and_audit(client, db, auth):
    await add_customer(db, "C1")
    await client.get("/v1/customers/C1", headers=auth("A1", "agent"))
    body = (await client.get("/v1/admin/customers/C1/export", headers=auth("X1", "admin"))).json()
    assert body["customer"]["email"] == "jane.doe@example.com"
    assert {i["kind"] for i in body["identifiers"]} == {"email", "phone"}
    assert len(body["interactions"]) == 2
    assert body["journeys"][0]["state"]["collected"] == {"order": "O-77"}
    assert [a["action"] for a in body["audit"]] == ["read"]


async def test_export_is_audited(client, db, auth):
    await add_customer(db, "C1")
    await client.get("/v1/admin/customers/C1/export", headers=auth("X1", "admin"))
    async with db.session() as s:
        actions = [a.action for a in (await s.exec(select(AuditEntry))).all()]
    assert actions == ["export"]


async def test_erase_removes_pii_and_identifiers(client, db, auth):
    await add_customer(db, "C1")
    response = await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    assert response.status_code == 200
    assert response.json()["anonymised"]["identifiers"] == 2
    async with db.session() as s:
        customer = await s.get(Customer, "C1")
        identifiers = (await s.exec(select(CustomerIdentifier))).all()
    assert (customer.name, customer.email, customer.phone, customer.date_of_birth) == (None, None, None, None)
    assert customer.erased_at is not None
    assert identifiers == []


async def test_erase_keeps_interactions_journeys_and_audit_as_anonymised_rows(client, db, auth):
    await add_customer(db, "C1")
    await client.get("/v1/customers/C1?reason=called%20about%20Jane", headers=auth("A1", "agent"))
    await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    async with db.session() as s:
        interactions = (await s.exec(select(Interaction))).all()
        journey = await s.get(Journey, "J-C1")
        audit = (await s.exec(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(i.channel, i.summary) for i in interactions] == [("chat", ""), ("phone", "")]
    assert "collected" not in journey.state and journey.state["steps_done"] == ["identity_verified"]
    assert [(a.action, a.reason) for a in audit] == [("read", ""), ("erase", "data subject erasure request")]


async def test_erased_customer_reads_as_410(client, db, auth):
    await add_customer(db, "C1")
    await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    response = await client.get("/v1/customers/C1", headers=auth("A1", "agent"))
    assert response.status_code == 410
    assert response.json()["code"] == "customer_erased"


async def test_second_erase_is_410_and_changes_nothing(client, db, auth):
    await add_customer(db, "C1")
    await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    async with db.session() as s:
        before = len((await s.exec(select(AuditEntry))).all())
    response = await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    async with db.session() as s:
        after = len((await s.exec(select(AuditEntry))).all())
    assert response.status_code == 410
    assert before == after


async def test_erase_by_non_admin_is_403_and_changes_nothing(client, db, auth):
    await add_customer(db, "C1")
    response = await client.post("/v1/admin/customers/C1/erase", headers=auth("S1", "supervisor"))
    async with db.session() as s:
        customer = await s.get(Customer, "C1")
    assert response.status_code == 403
    assert customer.email == "jane.doe@example.com" and customer.erased_at is None


async def test_erase_drops_the_live_journey_state_in_redis(client, app, db, auth):
    await add_customer(db, "C1")
    redis = app.state.redis
    key = redis.keys.key("journey", "J-C1", "live")
    await redis.client.set(key, "{}")
    await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    assert await redis.client.exists(key) == 0


async def test_erase_forgets_the_temperament_recorded_on_the_customers_contacts(client, db, auth):
    await add_customer(db, "C1")
    async with db.session() as s:
        for interaction in (await s.exec(select(Interaction))).all():
            interaction.temperament, interaction.temperament_confidence = "angry", 0.9
            s.add(interaction)
    await client.post("/v1/admin/customers/C1/erase", headers=auth("X1", "admin"))
    async with db.session() as s:
        interactions = (await s.exec(select(Interaction))).all()
    assert len(interactions) == 2
    assert [(i.temperament, i.temperament_confidence) for i in interactions] == [(None, None), (None, None)]
