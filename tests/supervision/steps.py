"""A refund contact brought to the point where the guardrail asks for a supervisor's approval, on the real app."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from assist.auth.principal import Principal, Role
from assist.guidance.interface import Prompt
from assist.sessions.events import handle_event
from assist.sessions.schemas import OfferRequest
from assist.sessions.service import SessionService
from assist.stores.tables import Agent, Customer
from assist.stream.protocol import ApprovalRequestData, Envelope, EventData
from tests.assist.records import add_customer


@dataclass
class RefundContact:
    service: SessionService
    agent: Principal
    session_id: str
    prompt: Prompt
    """The "ask supervisor approval" prompt the guardrail made of the refund."""

    def asking(self) -> ApprovalRequestData:
        return ApprovalRequestData(session_id=self.session_id, prompt_id=self.prompt.id)

    async def messages(self, kind: str) -> list[Envelope]:
        envelopes, _ = await self.service.delivery.outbox.since(self.agent.subject, 0)
        return [e for e in envelopes if e.type == kind]


async def refund_contact(app: FastAPI, amount: float = 120.0, limit: float = 50.0, agent_id: str = "A1",
                         customer_id: str = "C1") -> RefundContact:
    """An open chat with customer ``customer_id`` (Jane Doe) whose agent asked a refund of ``amount`` with
    ``limit`` as their own; the prompt is the first one the refund produced."""
    service: SessionService = app.state.session_service
    await add_customer(app.state.db, customer_id)
    async with app.state.db.session() as s:
        s.add(Agent(id=agent_id, name=f"Agent {agent_id}", refund_limit=limit, channels={"chat": 3}))
    agent = Principal(subject=agent_id, role=Role.AGENT)
    state = await service.offer(OfferRequest(agent_id=agent_id, channel="chat", reason="refund",
                                             identifiers={"email": "jane.doe@example.com"}))
    await service.accept(agent, state.id)
    await handle_event(service, agent, EventData(session_id=state.id, kind="action", action="verify_identity"))
    prompts = await handle_event(service, agent, EventData(session_id=state.id, kind="action",
                                                           action="request_refund", fields={"amount": amount}))
    prompt = next((p for p in prompts if p.action == "escalate_supervisor"), prompts[0] if prompts else None)
    assert prompt is not None, "the refund produced no prompt"
    return RefundContact(service, agent, state.id, prompt)


async def open_chat(app: FastAPI, agent_id: str = "A1", customer_id: str = "C1", practice: bool = False,
                    reason: str = "billing_dispute") -> tuple[SessionService, Principal, str]:
    """An accepted chat of customer ``customer_id`` (Jane Doe) with agent ``agent_id``: the service, the agent
    and the session's id."""
    service: SessionService = app.state.session_service
    async with app.state.db.session() as s:
        known = await s.get(Customer, customer_id) is not None
    if not known:
        await add_customer(app.state.db, customer_id)
    async with app.state.db.session() as s:
        if await s.get(Agent, agent_id) is None:
            s.add(Agent(id=agent_id, name=f"Agent {agent_id}", channels={"chat": 3}))
    agent = Principal(subject=agent_id, role=Role.AGENT)
    state = await service.offer(OfferRequest(agent_id=agent_id, channel="chat", reason=reason, practice=practice,
                                             identifiers={"email": "jane.doe@example.com"}))
    await service.accept(agent, state.id)
    return service, agent, state.id
