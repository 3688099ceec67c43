"""HTTP (admin only): the API keys of routing systems, listed, issued, rotated and revoked; each change audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from assist.audit import record_access
from assist.auth.apikeys import ApiKeyView, IssuedApiKey, issue_api_key, list_api_keys, revoke_api_key, rotate_api_key
from assist.auth.principal import Principal, Role
from assist.dependencies import RequestIdDep, SessionDep, require_roles
from assist.json_types import JsonInteger

router = APIRouter(prefix="/v1/admin/api-keys", tags=["api keys"])
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
KEY_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class NewApiKey(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "acd-east", "scopes": ["routing"]}]})

    name: str = Field(pattern=KEY_NAME)
    scopes: list[Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]] = Field(default=["routing"], max_length=8)


class Rotation(BaseModel):
    grace_seconds: JsonInteger = Field(default=3600, ge=0, le=30 * 86400)
    """How long the replaced key keeps working, so the client can switch without a gap (0: stops at once)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"grace_seconds": 3600}]})


@router.get("", summary="Every API key with its last use (never the secret)")
async def list_keys(session: SessionDep, principal: AdminDep) -> list[ApiKeyView]:
    return await list_api_keys(session)


@router.post("", status_code=status.HTTP_201_CREATED,
             summary="Issue an API key; the key is in this answer only; audited")
async def create(body: NewApiKey, session: SessionDep, rid: RequestIdDep, principal: AdminDep) -> IssuedApiKey:
    issued = await issue_api_key(session, body.name, body.scopes)
    await record_access(session, principal, None, "api_key_created", reason=body.name, request_id=rid)
    return issued


@router.post("/{name}/rotate", summary="A new secret for the key; the old one works for the grace period; audited")
async def rotate(name: str, session: SessionDep, rid: RequestIdDep, principal: AdminDep,
                 body: Rotation | None = None) -> IssuedApiKey:
    body = body or Rotation()
    issued = await rotate_api_key(session, name, body.grace_seconds)
    await record_access(session, principal, None, "api_key_rotated",
                        reason=f"{name} (grace {body.grace_seconds} s)", request_id=rid)
    return issued


@router.delete("/{name}", summary="Revoke the key at once; audited")
async def revoke(name: str, session: SessionDep, rid: RequestIdDep, principal: AdminDep) -> ApiKeyView:
    revoked = await revoke_api_key(session, name)
    await record_access(session, principal, None, "api_key_revoked", reason=name, request_id=rid)
    return revoked
