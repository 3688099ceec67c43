"""Agent records as the caller may see them."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from assist.agents.schemas import AgentPublic
from assist.auth.principal import Principal, Role
from assist.errors import Forbidden, NotFound
from assist.stores.tables import Agent

OVERSEER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.TRAINER})


async def get_agent(session: AsyncSession, principal: Principal, agent_id: str) -> AgentPublic:
    """An agent's record: agents see only their own; overseers see everyone's.

    Raises Forbidden (another agent's record) or NotFound.
    """
    if not principal.may_act_as(agent_id) and principal.role not in OVERSEER_ROLES:
        raise Forbidden("an agent may only see their own record", code="other_agent")
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"no agent {agent_id!r}", code="agent_not_found")
    return AgentPublic.model_validate(agent, from_attributes=True)
