"""Customer reads: masked by role, filtered by consent, and every read audited."""

from __future__ import annotations

from sqlmodel import select

from assist.stores.tables import AuditEntry
from tests.assist.records import add_customer


async def audit_rows(db, customer_id):
    async with db.session() as s:
        return (await s.exec(select(AuditEntry).where(AuditEntry.customer_id == customer_id))).all()


async def test_agent_sees_masked_email_and_phone(client, db, auth):
    await add_customer(db, "C1")
    body = (await client.get("/v1/customers/C1", headers=auth("A1", "agent"))).json()
    assert body["email"] == "j***@example.com"
    assert body["phone"] == "********0123"
    assert body["account_number"] == "***4567"
    assert body["name"] == "Jane Doe"


async def test_agent_is_never_sent_date_of_birth_or_address(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/customers/C1", headers=auth("A1", "agent"))
    assert "date_of_birth" not in response.json()
    assert "address" not in response.json()
    assert "1984" not in response.text and "High Street" not in response.text
    assert {"date_of_birth", "address"} <= set(response.json()["withheld"])


async def test_admin_sees_full_record(client, db, auth):
    await add_customer(db, "C1")
    body = (await client.get("/v1/customers/C1", headers=auth("X1", "admin"))).json()
    assert body["email"] == "jane.doe@example.com"
    assert body["date_of_birth"] == "1984-03-02"
    assert body["withheld"] == []


async def test_profiling_fields_withheld_without_profiling_consent(client, db, auth):
    await add_customer(db, "C2", profiling=False)
    body = (await client.get("/v1/customers/C2", headers=auth("A1", "agent"))).json()
    assert "churn_risk" not in body and "lifetime_value" not in body and "segment" not in body
    assert {"churn_risk", "lifetime_value", "segment"} <= set(body["withheld"])


async def test_profiling_fields_sent_with_consent(client, db, auth):
    await add_customer(db, "C1", profiling=True)
    body = (await client.get("/v1/customers/C1", headers=auth("A1", "agent"))).json()
    assert body["churn_risk"] == 0.31 and body["segment"] == "gold"


async def test_marketing_read_without_marketing_consent_is_403(client, db, auth):
    await add_customer(db, "C1", marketing=False)
    response = await client.get("/v1/customers/C1?purpose=marketing", headers=auth("A1", "agent"))
    assert response.status_code == 403
    assert response.json()["code"] == "consent_missing"


async def test_refused_read_is_audited_as_a_refusal_not_a_read(client, db, auth):
    await add_customer(db, "C1", marketing=False)
    await client.get("/v1/customers/C1?purpose=marketing", headers=auth("A1", "agent"))
    assert [(a.action, a.reason) for a in await audit_rows(db, "C1")] == [("read_refused", "consent_missing")]


async def test_read_writes_audit_entry_naming_actor_purpose_and_fields(client, db, auth):
    await add_customer(db, "C1")
    await client.get("/v1/customers/C1?reason=billing%20call", headers=auth("A1", "agent"),
                     )
    [entry] = await audit_rows(db, "C1")
    assert (entry.actor_id, entry.actor_role, entry.action, entry.purpose) == ("A1", "agent", "read", "service")
    assert entry.reason == "billing call"
    assert "email" in entry.fields and "date_of_birth" not in entry.fields
    assert entry.request_id


async def test_each_read_is_audited_separately(client, db, auth):
    await add_customer(db, "C1")
    for _ in range(3):
        await client.get("/v1/customers/C1", headers=auth("A1", "agent"))
    assert len(await audit_rows(db, "C1")) == 3


async def test_unknown_customer_is_404_problem(client, auth):
    response = await client.get("/v1/customers/NOPE", headers=auth("A1", "agent"))
    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"


async def test_unknown_purpose_is_422_problem(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/customers/C1?purpose=resale", headers=auth("A1", "agent"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "purpose"]
