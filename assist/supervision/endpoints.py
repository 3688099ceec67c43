"""HTTP: the supervisor's queue of agents' requests (list, answer), detractor follow-ups (list, assign, close) and
the live floor view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from assist.auth.principal import Principal, Role
from assist.dependencies import DatabaseDep, require_roles
from assist.sessions.endpoints import ServiceDep
from assist.supervision.floor import floor_view
from assist.supervision.followups import list_follow_ups, update_follow_up
from assist.supervision.requests import decide, list_requests
from assist.supervision.schemas import (
    DecisionIn,
    FloorView,
    FollowUpList,
    FollowUpOut,
    FollowUpStatus,
    FollowUpUpdate,
    RequestList,
    RequestStatus,
    SupervisorRequestOut,
)

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


@router.get("/floor", response_model=FloorView,
            summary="The live floor: per queue service level, ASA and abandonment, occupancy, agents and contacts")
async def get_floor(
    request: Request, db: DatabaseDep, service: ServiceDep, _: Reader,
    window_seconds: Annotated[float, Query(gt=0, le=86_400, description=(
        "queue figures cover the contacts that arrived this long ago or since"))] = 3600.0,
    sl_seconds: Annotated[float, Query(ge=0, le=3600, description="the service level's answer target")] = 20.0,
) -> FloorView:
    return await floor_view(request.app.state.routing, db, service.sessions, service.journeys,
                            window_seconds, sl_seconds)


@router.get("/follow-ups", response_model=FollowUpList,
            summary="Detractor contacts to follow up, with their journey: open oldest first, done newest first")
async def get_follow_ups(
    db: DatabaseDep, _: Reader,
    status: Annotated[FollowUpStatus, Query(description="open (to do) or done")] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    team: Annotated[str | None, Query(min_length=1, max_length=64, description=(
        "only the items of this team's agents (an agent with no team recorded is in `default`)"))] = None,
    agent_id: Annotated[str | None, Query(min_length=1, max_length=64, description="only this agent's items")] = None,
) -> FollowUpList:
    return FollowUpList(follow_ups=await list_follow_ups(db, status, limit, team=team, agent_id=agent_id))


@router.post("/follow-ups/{follow_up_id}", response_model=FollowUpOut,
             summary="Assign an open follow-up or close it, with a note (audited)",
             responses={404: {"description": "No follow-up by that id (`unknown_follow_up`)"},
                        409: {"description": "The follow-up is already done (`follow_up_done`)"}})
async def post_follow_up(db: DatabaseDep, principal: Reader, follow_up_id: Annotated[str, Path(max_length=80)],
                         body: FollowUpUpdate) -> FollowUpOut:
    return await update_follow_up(db, principal, follow_up_id, body)
