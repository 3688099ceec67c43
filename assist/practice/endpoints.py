"""HTTP for trainers: scenarios, runs (create, assign, watch live), debriefs and replay checks.

Thin on purpose: parse, authorize, call one PracticeService method. Trainers and admins run practice;
a trainee may read the debrief of their own session.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from assist.auth.principal import Principal, Role
from assist.dependencies import PrincipalDep, SessionDep, require_roles
from assist.errors import Forbidden
from assist.practice.schemas import (
    AssignRequest,
    DebriefView,
    FromJourneyRequest,
    ReplayCheck,
    RubricView,
    RunCreate,
    RunSummary,
    RunView,
    ScenarioView,
    TraineeHistory,
)
from assist.practice.service import PracticeService
from assist.practice.trend import DEFAULT_WEEKS, TraineeTrend, trainee_trend

router = APIRouter(prefix="/v1/practice", tags=["practice"])


def get_practice_service(request: Request) -> PracticeService:
    return request.app.state.practice_service  # type: ignore[no-any-return]


PracticeDep = Annotated[PracticeService, Depends(get_practice_service)]
TrainerDep = Annotated[Principal, Depends(require_roles(Role.TRAINER, Role.ADMIN))]
TREND_READERS = frozenset({Role.TRAINER, Role.SUPERVISOR, Role.ADMIN})


@router.get("/scenarios", response_model=list[ScenarioView], summary="The scenario library")
async def list_scenarios(service: PracticeDep, _: TrainerDep) -> list[ScenarioView]:
    return await service.scenarios()


@router.post("/scenarios/from-journey", response_model=ScenarioView, status_code=201,
             responses={404: {"description": "No such journey"},
                        409: {"description": "A scenario with that name exists"}},
             summary="Build a scenario from a real closed journey, the customer's words masked")
async def scenario_from_journey(body: FromJourneyRequest, service: PracticeDep,
                                principal: TrainerDep) -> ScenarioView:
    return await service.scenario_from_journey(principal, body.journey_id, body.name)


@router.get("/rubric", response_model=RubricView, summary="The default rubric weights a run starts from")
async def get_rubric(service: PracticeDep, _: TrainerDep) -> RubricView:
    return service.rubric()


@router.post("/runs", response_model=RunView, status_code=201,
             summary="Start a cohort run: every trainee plays every scenario, one at a time")
async def create_run(body: RunCreate, service: PracticeDep, principal: TrainerDep) -> RunView:
    return await service.create_run(principal, body)


@router.get("/runs", response_model=list[RunSummary], summary="The latest runs")
async def list_runs(service: PracticeDep, _: TrainerDep) -> list[RunSummary]:
    return await service.runs()


@router.get("/runs/{run_id}", response_model=RunView,
            summary="Watch a run live: each session's status, customer mood and conversation so far")
async def get_run(run_id: str, service: PracticeDep, _: TrainerDep) -> RunView:
    return await service.run_view(run_id)


@router.post("/runs/{run_id}/trainees", response_model=RunView, summary="Assign more trainees to a run")
async def assign_trainees(run_id: str, body: AssignRequest, service: PracticeDep, _: TrainerDep) -> RunView:
    return await service.assign(run_id, body.trainees)


_UNFINISHED: dict[int | str, dict[str, Any]] = {409: {"description": "The practice session has not finished yet"}}


@router.get("/sessions/{practice_id}/debrief", response_model=DebriefView, responses=_UNFINISHED,
            summary="A finished session's debrief: score, rubric and turning points (trainers, or the trainee)")
async def get_debrief(practice_id: str, service: PracticeDep, principal: PrincipalDep) -> DebriefView:
    return await service.debrief(principal, practice_id)


@router.get("/sessions/{practice_id}/replay", response_model=ReplayCheck, responses=_UNFINISHED,
            summary="Replay a finished session from its stored events and compare")
async def replay_session(practice_id: str, service: PracticeDep, _: TrainerDep) -> ReplayCheck:
    return await service.replay_check(practice_id)


@router.get("/trainees/{trainee_id}/history", response_model=TraineeHistory,
            summary="A trainee's finished practice sessions over time, and progress per scenario (trainers, or "
                    "the trainee)")
async def trainee_history(trainee_id: str, service: PracticeDep, principal: PrincipalDep) -> TraineeHistory:
    return await service.history(principal, trainee_id)


@router.get("/trainees/{trainee_id}/trend", response_model=TraineeTrend,
            summary="A trainee's practice score by run and live follow rate and adherence by week, kept apart "
                    "(trainers, supervisors, or the trainee)")
async def trainee_trend_view(trainee_id: str, session: SessionDep, principal: PrincipalDep,
                             weeks: Annotated[int, Query(ge=1, le=104, description="live weeks to show")]
                             = DEFAULT_WEEKS) -> TraineeTrend:
    if principal.role not in TREND_READERS and not principal.may_act_as(trainee_id):
        raise Forbidden("only trainers, supervisors and the trainee may read this trend", code="not_your_history")
    return await trainee_trend(session, trainee_id, weeks)
