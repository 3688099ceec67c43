"""HTTP for machines and admins: offer a contact to an agent, post live events, read a session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from assist.auth.principal import Principal, Role
from assist.dependencies import PrincipalDep, require_roles
from assist.errors import Forbidden, NotFound
from assist.sessions.events import handle_event
from assist.sessions.schemas import EventAnswer, MachineEvent, OfferRequest, OfferResponse, SessionView
from assist.sessions.service import SessionService
from assist.sessions.state import SERVER_ONLY
from assist.sessions.transfer import TransferTargets, transfer_targets
from assist.stream.protocol import EventData

router = APIRouter(prefix="/v1", tags=["sessions"])


def get_session_service(request: Request) -> SessionService:
    return request.app.state.session_service  # type: ignore[no-any-return]


ServiceDep = Annotated[SessionService, Depends(get_session_service)]
OffererDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SERVICE))]


@router.post("/contacts/offer", response_model=OfferResponse, status_code=201,
             summary="Offer a contact straight to one agent (admin/test; routing does this in production)")
async def offer_contact(request: OfferRequest, service: ServiceDep, _: OffererDep) -> OfferResponse:
    state = await service.offer(request)
    return OfferResponse(session_id=state.id, agent_id=state.agent_id, status=state.status,
                         expires_at=state.expires_at)


@router.post("/sessions/{session_id}/events", summary="A live event from a channel system or CRM")
async def post_event(session_id: str, event: MachineEvent, service: ServiceDep,
                     principal: PrincipalDep) -> EventAnswer:
    prompts = await handle_event(service, principal, EventData(session_id=session_id, **event.model_dump()))
    return EventAnswer(session_id=session_id, prompts=prompts)


@router.get("/sessions/{session_id}", response_model=SessionView,
            summary="A live session (its agent, supervisors, admins)")
async def get_session(session_id: str, service: ServiceDep, principal: PrincipalDep) -> BaseModel:
    state = await service.sessions.get(session_id)
    if state is None:
        raise NotFound(f"no session {session_id!r}", code="unknown_session")
    if not principal.may_act_as(state.agent_id) and principal.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("that session belongs to another agent", code="other_agent")
    return SessionView.model_validate(state.model_dump(exclude=set(SERVER_ONLY)))


@router.get("/transfer-targets", response_model=TransferTargets,
            summary="Agents (with their availability) and queues the caller's contacts can be transferred to")
async def get_transfer_targets(service: ServiceDep, principal: PrincipalDep) -> TransferTargets:
    if principal.is_machine:
        raise Forbidden("transfers are made by people in the panel", code="role_forbidden")
    return await transfer_targets(service.db, service.sessions, service.queue_router, principal.subject)
