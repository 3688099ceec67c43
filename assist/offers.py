"""Routing <-> sessions: a routing offer becomes a session offer on the agent's stream, and what the agent
does with it (accept, decline, close, status) settles the reservation in routing.

``routing`` never imports ``assist``; this module is the one place the two meet.
"""

from __future__ import annotations

import logging
import re
import time
from typing import cast

from redis.asyncio import Redis
from sqlmodel import select

from assist.sessions.schemas import Channel, OfferRequest
from assist.sessions.service import SessionService
from assist.sessions.state import SessionState
from assist.sessions.transfer import Transfer
from assist.stores.redis import KeySpace
from assist.stores.sql import Database
from assist.stores.tables import Agent
from routing.engine import AgentStatus, Contact
from routing.errors import RoutingError
from routing.records import Offer, Withdrawal
from routing.service import RoutingService

log = logging.getLogger(__name__)
CHANNELS = ("chat", "phone", "email")
REASON = re.compile(r"[a-z_]{1,64}")
QUEUE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
"""A routing queue's name (``routing.schemas.Name``)."""


class OfferBridge:
    def __init__(self, routing: RoutingService, sessions: SessionService, client: Redis, keys: KeySpace,
                 ttl_seconds: int) -> None:
        self.routing = routing
        self.sessions = sessions
        self.client = client
        self.keys = keys
        self.ttl_seconds = ttl_seconds

    def _session_key(self, reservation_id: str) -> str:
        return self.keys.key("reservation", reservation_id, "session")

    def _transfer_key(self, contact_id: str) -> str:
        return self.keys.key("transfer", contact_id)

    async def has_queue(self, queue: str) -> bool:
        """A transfer's queue is a routing skill: the agent is picked among those who hold it."""
        return queue in await self.routing.agents.load_skills()

    async def queues(self) -> list[str]:
        return list(await self.routing.agents.load_skills())

    async def route_transfer(self, transfer: Transfer) -> None:
        """Submit a transferred contact to routing (needing the queue's skill, not its sender); the offer
        that routing makes (now, or when someone frees up) carries the journey and the note."""
        await self.client.set(self._transfer_key(transfer.contact_id), transfer.model_dump_json(),
                              ex=self.ttl_seconds)
        await self.routing.submit(Contact(
            contact_id=transfer.contact_id, channel=transfer.channel, required_skills={transfer.queue: 1},
            preferred_skills={}, language=None, priority=50, customer_id=transfer.customer_id,
            arrived_at=time.time(), excluded_agents=frozenset({transfer.from_agent})))

    async def _transfer(self, contact_id: str) -> Transfer | None:
        if not contact_id.startswith("T-"):  # only transfers pay the read
            return None
        raw = await self.client.get(self._transfer_key(contact_id))
        return Transfer.model_validate_json(raw) if raw else None

    async def on_offer(self, offer: Offer) -> None:
        """Push the reserved contact to the agent as an ``offer`` that expires with the reservation.

        Routing knows the customer by id; the reason for contact is the one the routing system gave (so the
        session's guidance, first prompts included, follows it), else the queue's name (queues are usually named
        for it), ``general`` for the default queue.
        """
        contact = offer.contact
        identifiers = {"customer_id": contact.customer_id} if contact.customer_id else {}
        reason = contact_reason(contact)
        channel = cast(Channel, contact.channel if contact.channel in CHANNELS else "chat")
        expires_in = min(max(offer.expires_at - time.time(), 1.0), 600.0)
        transfer = await self._transfer(contact.contact_id)
        if transfer is None:
            state = await self.sessions.offer(OfferRequest(
                agent_id=offer.agent_id, channel=channel, reason=reason, queue=queue_name(contact.queue),
                identifiers=identifiers, reservation_id=offer.reservation_id, expires_in_seconds=expires_in))
        else:
            state = await self.sessions.offer(OfferRequest(
                agent_id=offer.agent_id, channel=channel, reason=transfer.reason, queue=queue_name(transfer.queue),
                identifiers=transfer.identifiers, practice=transfer.practice, journey_id=transfer.journey_id,
                reservation_id=offer.reservation_id, expires_in_seconds=expires_in),
                handoff_from=transfer.from_agent, note=transfer.note)
        await self.client.set(self._session_key(offer.reservation_id), state.id, ex=self.ttl_seconds)

    async def on_withdraw(self, withdrawal: Withdrawal) -> None:
        """An unanswered or cancelled offer is taken back from the panel."""
        session_id = cast(str | None, await self.client.get(self._session_key(withdrawal.reservation_id)))
        if session_id is None:
            return
        state = await self.sessions.sessions.claim(session_id, "offered", "expired")
        if state is not None:
            await self.sessions.delivery.send(state.agent_id, "offer_withdrawn", {
                "offer_id": session_id, "reason": withdrawal.reason, "set_away": withdrawal.agent_set_away})

    async def on_session(self, state: SessionState, what: str) -> None:
        """Settle the reservation behind a routed session: accept, reject (decline) or complete (close)."""
        if state.reservation_id is None:
            return
        settle = {"accepted": self.routing.accept, "declined": self.routing.reject,
                  "closed": self.routing.complete}.get(what)
        if settle is None:
            return
        try:
            await settle(state.reservation_id)
        except RoutingError as exc:
            log.warning("reservation %s not settled (%s): %s", state.reservation_id, what, exc.detail)

    async def on_status(self, agent_id: str, status: str) -> None:
        """The panel's status switch is the agent's availability in routing (if routing knows the agent)."""
        try:
            await self.routing.agents.set_status(agent_id, AgentStatus(status))
        except RoutingError as exc:
            log.info("status of %s not set in routing: %s", agent_id, exc.detail)


def contact_reason(contact: Contact) -> str:
    """The session reason of a routed contact: its own, else its queue's name when that reads as a reason, else
    ``general``."""
    if contact.reason and REASON.fullmatch(contact.reason):
        return contact.reason
    return contact.queue if contact.queue != "default" and REASON.fullmatch(contact.queue) else "general"


def queue_name(queue: str) -> str | None:
    """The queue an offer records (on its prompts, for the per-queue funnel): routing's, unless it is not a name
    routing's API would take, when the session's reason stands in rather than the offer being lost."""
    return queue if QUEUE.fullmatch(queue) else None


async def register_agents(db: Database, routing: RoutingService) -> int:
    """Give routing every agent on record it does not know yet (skills, languages, channel capacity), status
    away until they sign in; agents routing already knows keep what the routing API set. Returns how many."""
    async with db.session() as s:
        agents = (await s.exec(select(Agent).where(Agent.active == True))).all()  # noqa: E712
    known = {a.agent_id for a in routing.agents.page(0, 1_000_000)}
    added = 0
    for agent in agents:
        if agent.id in known:
            continue
        for skill in agent.skills:
            await routing.agents.put_skill(skill)
        await routing.agents.put(agent.id, skills=agent.skills, languages=agent.languages or ["en"],
                                 capacity=agent.channels)
        added += 1
    return added
