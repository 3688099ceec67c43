"""HTTP: who am I, and agent records."""

from __future__ import annotations

from fastapi import APIRouter

from assist.agents.schemas import AgentPublic, Me
from assist.agents.service import get_agent
from assist.dependencies import PrincipalDep, SessionDep
from assist.errors import NotFound

router = APIRouter(prefix="/v1", tags=["agents"])


@router.get("/me", response_model=Me, summary="The caller's identity and, for people, their agent record")
async def me(principal: PrincipalDep, session: SessionDep) -> Me:
    agent = None
    if not principal.is_machine:
        try:
            agent = await get_agent(session, principal, principal.subject)
        except NotFound:
            agent = None
    return Me(subject=principal.subject, role=principal.role.value, agent=agent)


@router.get("/agents/{agent_id}", response_model=AgentPublic, summary="One agent's record")
async def agent(agent_id: str, principal: PrincipalDep, session: SessionDep) -> AgentPublic:
    return await get_agent(session, principal, agent_id)
