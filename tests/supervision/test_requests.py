"""Approval and help requests in the domain: made from the guardrail's prompt through the record journal,
answered once, audited, and the answer sent to the agent's stream."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assist.auth.principal import Principal, Role
from assist.errors import Conflict, Forbidden, InvalidInput, NotFound
from assist.stores.tables import AuditEntry
from assist.stream.protocol import ApprovalRequestData, RaiseHandData
from assist.supervision.requests import ask_approval, decide, list_requests, raise_hand
from assist.supervision.schemas import DecisionIn
from assist.supervision.tables import SupervisorRequest
from tests.supervision.steps import refund_contact

SUPERVISOR = Principal(subject="S1", role=Role.SUPERVISOR)


@pytest.fixture(autouse=True)
async def drop_keys(app):
    yield
    redis = app.state.redis
    async for key in redis.client.scan_iter(match=f"{redis.keys.prefix}:*", count=500):
        await redis.client.delete(key)


async def test_the_refund_above_the_limit_gives_the_ask_approval_prompt_with_its_guardrail(app):
    contact = await refund_contact(app, amount=120, limit=50)
    assert contact.prompt.action == "escalate_supervisor"
    assert contact.prompt.guardrails == ["empowerment limit: 120.00 is above your 50.00 refund limit"]


async def test_asking_approval_from_the_guardrail_prompt_stores_a_pending_request(app, db):
    contact = await refund_contact(app, amount=120, limit=50)
    request = await ask_approval(contact.service, contact.agent, contact.asking())
    async with db.session() as s:
        row = await s.get(SupervisorRequest, request.id)
    assert row is not None
    assert (row.kind, row.status, row.agent_id, row.session_id, row.prompt_id) == (
        "approval", "pending", "A1", contact.session_id, contact.prompt.id)
    assert (row.action, row.amount) == ("issue_refund", 120.0)
    assert row.reason == "empowerment limit: 120.00 is above your 50.00 refund limit"
    assert row.customer_id == "C1"


async def test_the_request_shows_the_customer_masked_as_a_supervisor_may_see_them(app):
    contact = await refund_contact(app)
    request = await ask_approval(contact.service, contact.agent, contact.asking())
    assert request.customer == {"id": "C1", "name": "Jane Doe", "account_number": "***4567", "withheld": []}


async def test_the_agent_is_told_the_request_is_pending(app):
    contact = await refund_contact(app)
    request = await ask_approval(contact.service, contact.agent, contact.asking())
    [message] = await contact.messages("supervisor_request")
    assert message.seq is not None
    assert (message.data["id"], message.data["status"], message.data["amount"]) == (request.id, "pending", 120.0)


async def test_asking_twice_for_one_prompt_stores_one_request(app):
    contact = await refund_contact(app)
    first = await ask_approval(contact.service, contact.agent, contact.asking())
    second = await ask_approval(contact.service, contact.agent, contact.asking())
    assert first.id == second.id
    assert [r.id for r in await list_requests(app.state.db)] == [first.id]


async def test_a_refund_within_the_limit_needs_no_approval(app):
    contact = await refund_contact(app, amount=30, limit=50)
    with pytest.raises(InvalidInput) as refused:
        await ask_approval(contact.service, contact.agent, contact.asking())
    assert refused.value.code == "no_approval_needed"


async def test_a_prompt_never_shown_on_the_contact_is_refused(app):
    contact = await refund_contact(app)
    with pytest.raises(NotFound) as refused:
        await ask_approval(contact.service, contact.agent,
                           ApprovalRequestData(session_id=contact.session_id, prompt_id="P-never"))
    assert refused.value.code == "unknown_prompt"


async def test_another_agent_cannot_ask_approval_on_the_contact(app):
    contact = await refund_contact(app)
    with pytest.raises(Forbidden):
        await ask_approval(contact.service, Principal(subject="A2", role=Role.AGENT), contact.asking())


async def test_a_request_is_decided_once_and_a_second_decision_conflicts(app, db):
    contact = await refund_contact(app)
    request = await ask_approval(contact.service, contact.agent, contact.asking())
    delivery = contact.service.delivery
    decided = await decide(db, delivery, SUPERVISOR, request.id, DecisionIn(verdict="approved", note="ok, loyal"))
    assert (decided.status, decided.decided_by, decided.note) == ("approved", "S1", "ok, loyal")
    with pytest.raises(Conflict) as again:
        await decide(db, delivery, SUPERVISOR, request.id, DecisionIn(verdict="refused"))
    assert again.value.code == "already_decided"
    async with db.session() as s:
        row = await s.get(SupervisorRequest, request.id)
    assert (row.status, row.note) == ("approved", "ok, loyal")


async def test_an_unknown_request_is_not_found(app, db):
    with pytest.raises(NotFound) as missing:
        await decide(db, app.state.session_service.delivery, SUPERVISOR, "AP-nothing", DecisionIn(verdict="approved"))
    assert missing.value.code == "unknown_request"


async def test_every_decision_is_audited_with_who_what_and_the_note(app, db):
    contact = await refund_contact(app)
    request = await ask_approval(contact.service, contact.agent, contact.asking())
    await decide(db, contact.service.delivery, SUPERVISOR, request.id, DecisionIn(verdict="refused", note="too much"))
    async with db.session() as s:
        audit = (await s.exec(select(AuditEntry).where(AuditEntry.action == "approval_refused"))).all()
    assert [(a.actor_id, a.actor_role, a.customer_id) for a in audit] == [("S1", "supervisor", "C1")]
    assert audit[0].reason == f"{request.id} for A1: too much"


async def test_the_agent_gets_the_answer_on_their_stream(app, db):
    contact = await refund_contact(app)
    request = await ask_approval(contact.service, contact.agent, contact.asking())
    await decide(db, contact.service.delivery, SUPERVISOR, request.id, DecisionIn(verdict="approved", note="go"))
    pending, answered = await contact.messages("supervisor_request")
    assert answered.seq == pending.seq + 1
    assert (answered.data["id"], answered.data["status"], answered.data["note"], answered.data["decided_by"]) == (
        request.id, "approved", "go", "S1")


async def test_a_raised_hand_is_acknowledged_not_approved(app, db):
    contact = await refund_contact(app)
    hand = await raise_hand(contact.service, contact.agent,
                            RaiseHandData(session_id=contact.session_id, note="customer is shouting"))
    delivery = contact.service.delivery
    with pytest.raises(InvalidInput) as wrong:
        await decide(db, delivery, SUPERVISOR, hand.id, DecisionIn(verdict="approved"))
    assert wrong.value.code == "invalid_verdict"
    done = await decide(db, delivery, SUPERVISOR, hand.id, DecisionIn(verdict="acknowledged", note="on my way"))
    assert (done.kind, done.status, done.reason) == ("help", "acknowledged", "customer is shouting")


async def test_pending_requests_are_listed_oldest_first_and_leave_the_list_once_decided(app, db):
    contact = await refund_contact(app)
    approval = await ask_approval(contact.service, contact.agent, contact.asking())
    hand = await raise_hand(contact.service, contact.agent, RaiseHandData(session_id=contact.session_id))
    assert [r.id for r in await list_requests(db)] == [approval.id, hand.id]
    await decide(db, contact.service.delivery, SUPERVISOR, approval.id, DecisionIn(verdict="approved"))
    assert [r.id for r in await list_requests(db)] == [hand.id]
    assert [r.id for r in await list_requests(db, status=None)] == [hand.id, approval.id]
