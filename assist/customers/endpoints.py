"""HTTP: read one customer (masked by role, consent-checked, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from assist.customers.schemas import ERASED, CustomerView, Purpose
from assist.customers.service import read_customer
from assist.dependencies import PrincipalDep, RequestIdDep, SessionDep

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.get("/{customer_id}", response_model=CustomerView, response_model_exclude_unset=True, responses=ERASED,
            summary="A customer as the caller's role may see them (agents: only while serving them); audited")
async def get_customer(
    request: Request,
    customer_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    rid: RequestIdDep,
    purpose: Purpose = Purpose.SERVICE,
    reason: Annotated[str, Query(max_length=200)] = "",
) -> Any:
    live = getattr(request.app.state, "session_service", None)
    return await read_customer(session, principal, customer_id, purpose=purpose, reason=reason, request_id=rid,
                               sessions_of=live.sessions.for_agent if live is not None else None)
