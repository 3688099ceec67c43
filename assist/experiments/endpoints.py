"""HTTP: experiments. Supervisors and admins create and stop them; supervisors, trainers and admins read them
and their results; agents neither (an agent in an experiment should not know their arm)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assist.auth.principal import Principal, Role
from assist.dependencies import SessionDep, require_roles
from assist.experiments import service
from assist.experiments.results import results
from assist.experiments.schemas import ExperimentCreate, ExperimentResults, ExperimentView

router = APIRouter(prefix="/v1/experiments", tags=["experiments"])

Manager = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.TRAINER, Role.ADMIN))]


@router.post("", response_model=ExperimentView, status_code=201,
             summary="Start an experiment: arms (model version, promoted model, rules, guidance off) with weights")
async def create_experiment(request: ExperimentCreate, session: SessionDep, principal: Manager) -> ExperimentView:
    row = await service.create(session, principal, request)
    return service.view(row)


@router.get("", response_model=list[ExperimentView], summary="Every experiment, newest first")
async def list_experiments(session: SessionDep, _: Reader) -> list[ExperimentView]:
    return [service.view(row) for row in await service.list_all(session)]


@router.get("/{experiment_id}", response_model=ExperimentView, summary="One experiment")
async def get_experiment(experiment_id: str, session: SessionDep, _: Reader) -> ExperimentView:
    return service.view(await service.get(session, experiment_id))


@router.post("/{experiment_id}/stop", response_model=ExperimentView,
             summary="Stop an experiment: new contacts get the normal guidance, contacts in progress keep their arm")
async def stop_experiment(experiment_id: str, session: SessionDep, principal: Manager) -> ExperimentView:
    return service.view(await service.stop(session, principal, experiment_id))


@router.get("/{experiment_id}/results", response_model=ExperimentResults,
            summary="Per arm: contacts, resolution, CSAT, handle time with 95% intervals; differences with the "
                    "control and the sample size needed")
async def experiment_results(
    experiment_id: str, session: SessionDep, _: Reader,
    min_difference: Annotated[float | None, Query(gt=-1, lt=1, description=(
        "the smallest resolution difference worth detecting, for the sample size (default: the observed one)"))]
        = None,
) -> ExperimentResults:
    return await results(session, await service.get(session, experiment_id), min_difference=min_difference)
