"""HTTP (admin only): data-subject export and erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from assist.auth.principal import Principal, Role
from assist.customers.schemas import ERASED
from assist.dependencies import RequestIdDep, SessionDep, require_roles
from assist.privacy.schemas import CustomerExport, Erasure
from assist.privacy.service import erase_customer, export_customer

router = APIRouter(prefix="/v1/admin/customers", tags=["data subject requests"])
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.get("/{customer_id}/export", responses=ERASED,
            summary="Everything held on one customer (GDPR art. 15); audited")
async def export(customer_id: str, session: SessionDep, rid: RequestIdDep, principal: AdminDep) -> CustomerExport:
    return await export_customer(session, principal, customer_id, request_id=rid)


@router.post("/{customer_id}/erase", responses=ERASED,
             summary="Anonymise one customer everywhere (GDPR art. 17); audited")
async def erase(customer_id: str, request: Request, session: SessionDep, rid: RequestIdDep,
                principal: AdminDep) -> Erasure:
    eraser = getattr(request.app.state, "erase_live_state", None)
    counts = await erase_customer(session, principal, customer_id, erase_live_state=eraser, request_id=rid)
    return Erasure(customer_id=customer_id, erased=True, anonymised=counts)
