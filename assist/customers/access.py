"""Who may read which customer: the need-to-know rule for agents.

Supervisors and admins read any customer by role (coaching, complaints, data-subject requests). An agent
reads a customer only while serving them: an open session of the agent's whose contact resolved to that
customer, or an open journey of the customer's that the agent handled (a callback, a handoff they made).
Anything else, even with a valid token, is a refusal, and every refusal is audited by the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.principal import Principal, Role
from assist.stores.tables import Journey

__all__ = ["BY_ROLE", "OpenSession", "SessionsOf", "serves_customer"]

BY_ROLE = frozenset({Role.SUPERVISOR, Role.ADMIN})
"""Roles that read any customer without a contact of their own."""


class OpenSession(Protocol):
    """What the rule needs of a live session (``assist.sessions.state.SessionState`` has it)."""

    @property
    def status(self) -> str: ...

    @property
    def customer_id(self) -> str | None: ...


SessionsOf = Callable[[str], Awaitable[Sequence[OpenSession]]]
"""An agent's offered and open sessions, from live state (``SessionStore.for_agent``)."""


async def serves_customer(session: AsyncSession, principal: Principal, customer_id: str,
                          sessions_of: SessionsOf | None) -> bool:
    """Whether ``principal`` may read ``customer_id`` now: by role, or (agents) while serving them.

    Live sessions are checked first (a contact being handled right now is the usual case and needs no SQL);
    then the customer's open journeys in SQL, whose ``handled_by`` names every agent that worked on them.
    """
    if principal.role in BY_ROLE:
        return True
    if principal.role is not Role.AGENT:
        return False
    if sessions_of is not None:
        for live in await sessions_of(principal.subject):
            if live.status == "open" and live.customer_id == customer_id:
                return True
    journeys = (await session.exec(select(Journey).where(Journey.customer_id == customer_id,
                                                         Journey.status == "open"))).all()
    return any(handler.get("agent_id") == principal.subject
               for journey in journeys for handler in journey.state.get("handled_by", []) or []
               if isinstance(handler, dict))
