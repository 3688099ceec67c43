"""Typed FastAPI dependencies: the stores made in lifespan, and the authenticated caller."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.apikeys import verify_api_key
from assist.auth.limits import client_address, limiter_for
from assist.auth.principal import Principal, Role
from assist.auth.tokens import verify_token
from assist.errors import Forbidden, Unauthorized
from assist.settings import Settings
from assist.stores.redis import RedisStore
from assist.stores.sql import Database

log = logging.getLogger(__name__)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_redis(request: Request) -> RedisStore:
    return request.app.state.redis  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
RedisDep = Annotated[RedisStore, Depends(get_redis)]


async def get_session(db: DatabaseDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response leaves (rolled back on error)."""
    async with db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="A person's signed token (`assist token create`).")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False,
                        description="A machine client's key (`assist apikey create`).")


BAD_CREDENTIAL_CODES = frozenset({"invalid_token", "invalid_api_key"})
"""What counts against an address as a guess: a forged or garbled credential. An expired token (a shift that
outlived it) or none at all is an honest mistake, and counting those would lock out a whole site behind NAT."""


async def get_principal(
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The caller, from a bearer token or an API key; raises Unauthorized when neither is valid (an invalid
    one is also counted against the caller's address, see ``assist.auth.limits``)."""
    try:
        if bearer is not None:
            return verify_token(settings, bearer.credentials)
        if api_key:
            async with db.session() as session:
                return await verify_api_key(session, api_key)
    except Unauthorized as exc:
        if exc.code in BAD_CREDENTIAL_CODES:
            await _note_bad_credentials(request, settings)
        raise
    raise Unauthorized("missing credentials: send 'Authorization: Bearer <token>' or 'X-API-Key'",
                       code="missing_credentials")


async def _note_bad_credentials(request: Request, settings: Settings) -> None:
    """Count the failure for the address; a Redis that does not answer leaves it uncounted (logged)."""
    if not settings.rate_limit_enabled:
        return
    limiter = limiter_for(request.app.state, settings)
    if limiter is None:
        return
    try:
        await limiter.note_bad_credentials(client_address(request.scope))
    except Exception as exc:  # noqa: BLE001 - the 401 stands whether or not it was counted
        log.warning("bad credential not counted: %s", exc.__class__.__name__)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only ``roles``; others get 403."""
    allowed = frozenset(roles)

    async def _check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"role {principal.role} may not do this", code="role_forbidden")
        return principal

    return _check


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


RequestIdDep = Annotated[str | None, Depends(request_id)]
