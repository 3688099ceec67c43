"""HTTP for the routing configuration: admins replace it (validated, applied at once, audited), supervisors read
it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from assist.auth.principal import Principal, Role
from assist.dependencies import RequestIdDep, SessionDep, require_roles
from assist.queues.service import QueueConfigs
from routing.config import RoutingFile

router = APIRouter(prefix="/v1/routing", tags=["routing"])

AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
ReaderDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR))]


class RoutingConfigOut(BaseModel):
    """The configuration in force: ``version`` 0 is the file's (``source`` file) or the built-in default."""

    version: int
    source: Literal["default", "file", "admin"]
    config: RoutingFile


def get_queue_configs(request: Request) -> QueueConfigs:
    return request.app.state.queue_configs  # type: ignore[no-any-return]


QueueConfigsDep = Annotated[QueueConfigs, Depends(get_queue_configs)]


def _out(configs: QueueConfigs) -> RoutingConfigOut:
    return RoutingConfigOut(version=configs.version, source=configs.source, config=configs.document)


@router.get("/config", response_model=RoutingConfigOut, summary="The routing queues in force")
async def read_routing_config(_: ReaderDep, configs: QueueConfigsDep) -> RoutingConfigOut:
    return _out(configs)


@router.put("/config", response_model=RoutingConfigOut,
            summary="Replace the routing queues: validated, in force on every worker within seconds, audited")
async def replace_routing_config(body: RoutingFile, principal: AdminDep, configs: QueueConfigsDep,
                                 session: SessionDep, request_id: RequestIdDep) -> RoutingConfigOut:
    await configs.replace(body, session, principal, request_id)
    return _out(configs)
