"""HTTP: the supervisor's queue of agents' requests (list, answer) and the live floor view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from assist.auth.principal import Principal, Role
from assist.dependencies import DatabaseDep, require_roles
from assist.sessions.endpoints import ServiceDep
from assist.supervision.requests import decide, list_requests
from assist.supervision.schemas import DecisionIn, RequestList, RequestStatus, SupervisorRequestOut

router = APIRouter(prefix="/v1/supervision", tags=["supervision"])

Supervisor = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR))]
Reader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]


@router.get("/requests", response_model=RequestList,
            summary="Agents' approval and help requests: pending ones oldest first (the queue to work through)")
async def get_requests(
    db: DatabaseDep, _: Reader,
    status: Annotated[RequestStatus, Query(description="which requests (ignored with all=true)")] = "pending",
    all_statuses: Annotated[bool, Query(alias="all", description="every status, newest first")] = False,
    practice: Annotated[bool, Query(description="practice contacts' requests instead of live ones")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RequestList:
    return RequestList(requests=await list_requests(db, None if all_statuses else status, limit, practice))


@router.post("/requests/{request_id}/decision", response_model=SupervisorRequestOut,
             summary="Approve or refuse an approval, or acknowledge a raised hand, once; the agent's panel is told",
             responses={404: {"description": "No request by that id (`unknown_request`)"},
                        409: {"description": "The request was already answered (`already_decided`)"},
                        422: {"description": "A verdict this kind of request does not take (`invalid_verdict`)"}})
async def post_decision(db: DatabaseDep, service: ServiceDep, principal: Supervisor,
                        request_id: Annotated[str, Path(max_length=80)], body: DecisionIn) -> SupervisorRequestOut:
    return await decide(db, service.delivery, principal, request_id, body)
