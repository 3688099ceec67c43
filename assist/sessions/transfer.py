"""Transfers from the panel: to one agent, to a queue (routing picks the agent by that skill), or to another
channel (the customer comes back through routing there and resumes the journey).

Every target is checked before anything changes, so a transfer to an unknown agent, an agent who is away or
signed out, or a queue that does not exist is refused with its own code and the contact stays with the
agent who asked. The journey (steps done, pending, collected fields, transcript) travels by its id: the
receiving session joins the same journey, so nothing of the transaction is copied or lost.
"""

from __future__ import annotations

import re
from typing import Protocol

from pydantic import BaseModel, Field
from sqlmodel import select

from assist.errors import Conflict, InvalidInput, NotFound
from assist.sessions.state import SessionState, SessionStore
from assist.stores.sql import Database
from assist.stores.tables import Agent
from assist.stream.protocol import ErrorCode, HandoffRequestData

__all__ = ["OFFLINE_STATUSES", "HandoffContext", "QueueRouter", "TargetAgent", "Transfer", "TransferTargets",
           "check_target", "transfer_of", "transfer_targets"]

OFFLINE_STATUSES = frozenset({None, "away"})
"""An agent who never set a status since signing in, or set away, cannot be offered a transfer."""


class Transfer(BaseModel):
    """What routing carries for a transfer to a queue, until an agent is picked and offered it."""

    contact_id: str
    queue: str
    channel: str
    reason: str
    journey_id: str | None
    customer_id: str | None
    identifiers: dict[str, str] = Field(default_factory=dict)
    practice: bool = False
    from_agent: str
    note: str = ""


class HandoffContext(BaseModel):
    """The ``context`` message's ``handoff``: who transferred the contact and what they wrote."""

    from_agent: str
    note: str = ""


class QueueRouter(Protocol):
    """Routing as transfers see it (``assist.offers.OfferBridge``)."""

    async def has_queue(self, queue: str) -> bool:
        """Whether ``queue`` names a queue routing can pick an agent for."""
        ...

    async def queues(self) -> list[str]:
        """Every queue a contact can be transferred to."""
        ...

    async def route_transfer(self, transfer: Transfer) -> None:
        """Submit the transfer to routing; its offer reaches the picked agent with the journey."""
        ...


class TargetAgent(BaseModel):
    id: str
    name: str
    status: str | None
    available: bool
    """Not away and signed in with a status: a transfer to them is accepted."""


class TransferTargets(BaseModel):
    """Whom the panel offers as transfer targets."""

    agents: list[TargetAgent]
    queues: list[str]


MAX_TARGET_AGENTS = 500


def _natural(text: str) -> list[int | str]:
    """A1, A2, A10: numbers inside ids compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


async def transfer_targets(db: Database, sessions: SessionStore, router: QueueRouter | None,
                           agent_id: str) -> TransferTargets:
    """The agents (other than ``agent_id``, in natural order, with their availability) and the queues a
    contact of ``agent_id`` can be transferred to."""
    async with db.session() as s:
        rows = (await s.exec(select(Agent).where(Agent.active == True, Agent.id != agent_id)  # noqa: E712
                             .limit(MAX_TARGET_AGENTS))).all()
    statuses = await sessions.statuses([a.id for a in rows])
    agents = [TargetAgent(id=a.id, name=a.name or a.id, status=statuses.get(a.id),
                          available=statuses.get(a.id) not in OFFLINE_STATUSES) for a in rows]
    agents.sort(key=lambda a: _natural(a.id))
    return TransferTargets(agents=agents, queues=sorted(await router.queues()) if router else [])


def transfer_of(state: SessionState, data: HandoffRequestData) -> Transfer:
    """The queue transfer of ``state``'s contact as ``data`` asks for it."""
    return Transfer(contact_id=f"T-{state.id}", queue=data.to_queue or "", channel=data.channel,
                    reason=state.reason, journey_id=state.journey_id, customer_id=state.customer_id,
                    identifiers=state.identifiers, practice=state.practice, from_agent=state.agent_id,
                    note=data.note)


async def check_target(db: Database, sessions: SessionStore, router: QueueRouter | None, state: SessionState,
                       data: HandoffRequestData) -> None:
    """Raises unless ``data``'s target can take ``state``'s contact now: ``transfer_to_self`` (422),
    ``unknown_agent`` (404), ``agent_offline`` (409) or ``unknown_queue`` (404). A transfer to another
    channel alone always can."""
    if data.to_agent is not None:
        if data.to_agent == state.agent_id:
            raise InvalidInput("you cannot transfer a contact to yourself", code=ErrorCode.TRANSFER_TO_SELF)
        async with db.session() as s:
            agent = await s.get(Agent, data.to_agent)
        if agent is None or not agent.active:
            raise NotFound(f"no agent {data.to_agent!r}", code=ErrorCode.UNKNOWN_AGENT)
        if await sessions.status_of(data.to_agent) in OFFLINE_STATUSES:
            raise Conflict(f"agent {data.to_agent} is not available (away or signed out): pick someone else "
                           "or a queue", code=ErrorCode.AGENT_OFFLINE)
    if data.to_queue is not None and (router is None or not await router.has_queue(data.to_queue)):
        raise NotFound(f"no queue {data.to_queue!r}", code=ErrorCode.UNKNOWN_QUEUE)
