"""Every prompt record carries the queue and channel its session came in on, so the funnel can be read per
queue and per channel: from a direct offer, a routed contact, and a transfer; entries journaled before prompts
kept them are written with neither."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assist.auth.principal import Principal, Role
from assist.guidance.interface import Prompt
from assist.sessions.events import handle_event
from assist.sessions.schemas import OfferRequest
from assist.stores.tables import Agent, PromptRecord
from assist.stream.protocol import EventData, HandoffRequestData
from tests.assist.records import add_customer
from tests.assist.test_routing_config import SALES_CONTACT, SALES_QUEUE, as_role, put_sales_agent

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the session path, not SQL


async def open_contact(app, agent_id: str = "A1", **offer) -> tuple[str, list[Prompt]]:
    """An accepted contact for Jane Doe asking for a refund above the agent's limit, with its prompts."""
    service = app.state.session_service
    async with app.state.db.session() as s:
        if await s.get(Agent, agent_id) is None:
            s.add(Agent(id=agent_id, name=agent_id, refund_limit=50, channels={"chat": 3, "phone": 1}))
    agent = Principal(subject=agent_id, role=Role.AGENT)
    state = await service.offer(OfferRequest(agent_id=agent_id, identifiers={"email": "jane.doe@example.com"},
                                             **{"channel": "chat", "reason": "refund", **offer}))
    await service.accept(agent, state.id)
    prompts = list(await handle_event(service, agent, EventData(session_id=state.id, kind="action",
                                                                action="request_refund", fields={"amount": 120})))
    return state.id, prompts


async def recorded(app, session_id: str) -> set[tuple[str | None, str | None]]:
    await app.state.records.flush()
    async with app.state.db.session() as s:
        rows = (await s.exec(select(PromptRecord).where(PromptRecord.session_id == session_id))).all()
    assert rows
    return {(r.queue, r.channel) for r in rows}


async def test_prompts_carry_the_queue_and_channel_the_contact_was_offered_on(app, db):
    await add_customer(db)
    session_id, prompts = await open_contact(app, channel="phone", queue="refunds-vip")
    assert prompts
    assert await recorded(app, session_id) == {("refunds-vip", "phone")}


async def test_a_contact_offered_without_a_queue_records_its_reason_as_the_queue(app, db):
    await add_customer(db)
    session_id, _ = await open_contact(app)
    assert await recorded(app, session_id) == {("refund", "chat")}


async def test_an_offer_with_a_queue_routing_could_not_name_is_refused(client, auth):
    response = await client.post("/v1/contacts/offer", headers=auth("X1", "admin"), json={
        "agent_id": "A1", "channel": "chat", "reason": "refund", "queue": "Refunds VIP"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_routed_contact_is_offered_with_its_routing_queue(app):
    async with as_role(app, "admin") as admin:
        await put_sales_agent(admin)
        assert (await admin.put("/v1/routing/config", json=SALES_QUEUE)).status_code == 200
        assert (await admin.post("/v1/routing/contacts", json=SALES_CONTACT)).status_code == 201
    offered = await app.state.session_service.sessions.for_agent("S1")
    assert [(s.queue, s.reason, s.channel) for s in offered] == [("sales", "sales", "chat")]


async def test_a_contact_transferred_to_an_agent_keeps_its_queue(app, db):
    await add_customer(db)
    service = app.state.session_service
    session_id, _ = await open_contact(app, queue="refunds-vip")
    async with db.session() as s:
        s.add(Agent(id="A2", name="A2", channels={"chat": 3}))
    await service.sessions.set_status("A2", "available")
    offered = await service.handoff(Principal(subject="A1", role=Role.AGENT),
                                    HandoffRequestData(session_id=session_id, channel="chat", to_agent="A2"))
    assert offered is not None and offered.queue == "refunds-vip"


async def test_an_entry_journaled_before_prompts_kept_queues_is_written_without_one(app):
    prompt = Prompt(action="verify_identity", title="Verify", text="Verify first.", confidence=0.9)
    await app.state.records.journal.shown("S-old", None, "A1", False, [prompt])  # no queue, no channel
    assert await recorded(app, "S-old") == {(None, None)}
