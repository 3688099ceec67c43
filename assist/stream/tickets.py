"""Stream tickets: a browser opens its stream with a short-lived, single-use ticket instead of its bearer token.

A browser cannot set headers on a websocket, so its credential travels in the URL, and URLs end up in access
logs, proxies and browser history. A bearer token lives for a shift (12 h); a ticket lives ``TTL_SECONDS``
and opens one stream once (GETDEL), so a ticket seen in a log is already spent or about to lapse. Redis keeps
only the ticket's SHA-256, never the ticket, under the ``ticket`` scope of the key space.
"""

from __future__ import annotations

import hashlib
import secrets

from fastapi import APIRouter, Request, status
from pydantic import BaseModel
from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from assist.auth.principal import Principal
from assist.dependencies import PrincipalDep
from assist.errors import Forbidden
from assist.stores.redis import KeySpace

__all__ = ["TTL_SECONDS", "StreamTicket", "StreamTickets", "router"]

TTL_SECONDS = 30
"""Long enough for a page to open its websocket right after asking, even on a slow link; short enough that
a ticket in a log is useless."""


class StreamTicket(BaseModel):
    ticket: str
    """Pass as ``?ticket=`` on ``WS /v1/agents/{agent_id}/stream``; opens one stream, once."""
    agent_id: str
    """The agent whose stream it opens (the caller)."""
    expires_in: int
    """Seconds the ticket stays valid if unused."""


class StreamTickets:
    """Issues and redeems tickets in Redis."""

    def __init__(self, client: Redis, keys: KeySpace, ttl_seconds: int = TTL_SECONDS) -> None:
        self.client = client
        self.keys = keys
        self.ttl_seconds = ttl_seconds

    def _key(self, ticket: str) -> str:
        return self.keys.key("ticket", hashlib.sha256(ticket.encode()).hexdigest())

    async def issue(self, principal: Principal) -> StreamTicket:
        """A new ticket standing for ``principal``."""
        ticket = secrets.token_urlsafe(32)
        await self.client.set(self._key(ticket), principal.model_dump_json(), ex=self.ttl_seconds)
        return StreamTicket(ticket=ticket, agent_id=principal.subject, expires_in=self.ttl_seconds)

    async def redeem(self, ticket: str) -> Principal | None:
        """The principal ``ticket`` stands for, spending it; None when it is unknown, spent or expired."""
        if not ticket or len(ticket) > 128:
            return None
        raw = await self.client.getdel(self._key(ticket))
        return Principal.model_validate_json(raw) if raw else None


def tickets_for(connection: HTTPConnection) -> StreamTickets:
    """The tickets of ``connection``'s app (a request, or the websocket that redeems one)."""
    redis = connection.app.state.redis
    return StreamTickets(redis.client, redis.keys)


router = APIRouter(prefix="/v1", tags=["stream"])


@router.post("/stream-tickets", status_code=status.HTTP_201_CREATED, response_model=StreamTicket,
             summary="A single-use ticket to open the caller's own agent stream (for browsers)")
async def create_stream_ticket(request: Request, principal: PrincipalDep) -> StreamTicket:
    """A person's bearer token in, a ticket out that opens their own stream once within ``expires_in``
    seconds (``?ticket=``), so the long-lived token never goes into a websocket URL."""
    if principal.is_machine:
        raise Forbidden("stream tickets are for people; a machine client has no agent stream",
                        code="role_forbidden")
    return await tickets_for(request).issue(principal)
