"""REST routes for routing systems (ACD, chat platform): thin, parse -> service -> payload.

(No ``from __future__ import annotations`` here: FastAPI must see the dependency alias built inside
``build_router`` as a real object, not as a string it cannot resolve.)

Every route depends on the caller's ``require_client`` (API-key auth is the app's); a refused request
raises ``RoutingError``, which the app answers as an RFC 9457 problem body.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from routing.engine import Contact
from routing.schemas import (
    AgentDetail,
    AgentIn,
    AgentOut,
    ContactIn,
    ContactOut,
    DecisionLogOut,
    Identifier,
    Name,
    QueueOut,
    ReservationOut,
    RoutedOut,
    SkillIn,
    SkillOut,
    StatusIn,
)
from routing.service import RoutingService

__all__ = ["build_router"]

AgentId = Annotated[Identifier, Path(description="agent id")]
ReservationId = Annotated[str, Path(max_length=200, description="reservation id from an assignment")]


def build_router(get_service: Callable[..., RoutingService], require_client: Callable[..., Any]) -> APIRouter:
    """The ``/v1/routing`` router; ``get_service`` and ``require_client`` are FastAPI dependencies."""
    router = APIRouter(prefix="/v1/routing", tags=["routing"], dependencies=[Depends(require_client)])
    Service = Annotated[RoutingService, Depends(get_service)]

    @router.put("/skills/{skill}", response_model=SkillOut, summary="Add or describe a skill")
    async def put_skill(skill: Annotated[Name, Path()], body: SkillIn, service: Service) -> SkillOut:
        await service.agents.put_skill(skill, body.description)
        return SkillOut(name=skill, description=body.description)

    @router.get("/skills", response_model=list[SkillOut], summary="The skill catalog")
    async def list_skills(service: Service) -> list[SkillOut]:
        catalog = await service.agents.load_skills()
        return [SkillOut(name=n, description=d) for n, d in sorted(catalog.items())]

    @router.put("/agents/{agent_id}", response_model=AgentOut, summary="Register or update an agent")
    async def put_agent(agent_id: AgentId, body: AgentIn, service: Service) -> AgentOut:
        agent = await service.agents.put(agent_id, skills=body.skills, languages=body.languages,
                                         capacity=body.capacity, groups=body.groups, status=body.status)
        return AgentOut.of(agent)

    @router.get("/agents", response_model=list[AgentOut], summary="Agents snapshot (by id)")
    async def list_agents(service: Service, offset: Annotated[int, Query(ge=0)] = 0,
                          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AgentOut]:
        return [AgentOut.of(a) for a in service.agents.page(offset, limit)]

    @router.get("/agents/{agent_id}", response_model=AgentDetail, summary="One agent with its reservations")
    async def get_agent(agent_id: AgentId, service: Service) -> AgentDetail:
        view = await service.agents.view(agent_id)
        return AgentDetail(**AgentOut.of(view.state).model_dump(), misses=view.misses,
                           reservations=[ReservationOut.of(r) for r in view.reservations])

    @router.delete("/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an agent")
    async def delete_agent(agent_id: AgentId, service: Service) -> None:
        await service.agents.remove(agent_id)

    @router.put("/agents/{agent_id}/status", response_model=AgentOut, summary="Set an agent's status")
    async def put_status(agent_id: AgentId, body: StatusIn, service: Service) -> AgentOut:
        return AgentOut.of(await service.agents.set_status(agent_id, body.status))

    @router.post("/contacts", response_model=RoutedOut, status_code=status.HTTP_201_CREATED,
                 summary="Submit a contact: assigned (201) or queued (202)",
                 responses={202: {"model": RoutedOut, "description": "queued"}})
    async def submit(body: ContactIn, service: Service, response: Response,
                     explain: Annotated[bool, Query(description="include the decision's reasons")] = False,
                     ) -> RoutedOut:
        contact = Contact(
            contact_id=body.contact_id, channel=body.channel, required_skills=body.required_skills,
            preferred_skills=body.preferred_skills, language=body.language, priority=body.priority,
            customer_id=body.customer_id, arrived_at=service.clock(), last_agent_id=body.last_agent_id,
            queue=body.queue, reason=body.reason)
        routed = await service.submit(contact)
        if routed.offer is None:
            response.status_code = status.HTTP_202_ACCEPTED
        return RoutedOut.of(routed, explain)

    @router.get("/contacts/{contact_id}", response_model=ContactOut, summary="A contact's routing state")
    async def get_contact(contact_id: Annotated[Identifier, Path()], service: Service) -> ContactOut:
        record = await service.contact(contact_id)
        return ContactOut(contact_id=contact_id, state=record["state"], queue=record["queue"],
                          agent_id=record["agent"] or None, reservation_id=record["rid"] or None,
                          excluded_agents=record["excluded"].split(), created_at=float(record["created_at"]),
                          updated_at=float(record["updated_at"]))

    @router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT,
                   summary="Cancel a waiting or offered contact")
    async def cancel_contact(contact_id: Annotated[Identifier, Path()], service: Service) -> None:
        await service.cancel(contact_id)

    @router.post("/reservations/{reservation_id}/accept", response_model=ReservationOut,
                 summary="Accept an offer")
    async def accept(reservation_id: ReservationId, service: Service) -> ReservationOut:
        return ReservationOut.of(await service.accept(reservation_id))

    @router.post("/reservations/{reservation_id}/reject", response_model=ReservationOut,
                 summary="Decline an offer (the contact is re-routed)")
    async def reject(reservation_id: ReservationId, service: Service) -> ReservationOut:
        return ReservationOut.of(await service.reject(reservation_id))

    @router.post("/reservations/{reservation_id}/complete", response_model=ReservationOut,
                 summary="End an accepted contact")
    async def complete(reservation_id: ReservationId, service: Service) -> ReservationOut:
        return ReservationOut.of(await service.complete(reservation_id))

    @router.get("/queues/{queue}", response_model=QueueOut, summary="Waiting contacts of a queue")
    async def get_queue(queue: Annotated[Name, Path()], service: Service,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> QueueOut:
        return QueueOut(**await service.queue_snapshot(queue, limit))

    @router.get("/decisions", response_model=list[DecisionLogOut], summary="Recent decisions, newest first")
    async def decisions(service: Service,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[DecisionLogOut]:
        entries = await service.store.recent_decisions(limit)
        return [DecisionLogOut(
            id=e["id"], ts=e["ts"], contact_id=e["contact"], queue=e["queue"], agent_id=e["agent"],
            reservation_id=e["reservation"], step=e["step"], eligible=e["eligible"], reason=e["reason"],
            candidates=e["candidates"], refused=e.get("refused"),
        ) for e in entries]

    return router
