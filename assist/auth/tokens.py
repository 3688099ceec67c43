"""Signed bearer tokens (JWT, HS256) for people: the token names the agent and the role, nothing else."""

from __future__ import annotations

import time
from typing import Any

import jwt
from pydantic import SecretStr

from assist.auth.principal import PEOPLE_ROLES, Principal, Role
from assist.errors import Unauthorized
from assist.settings import Settings

ALGORITHM = "HS256"


def create_token(settings: Settings, agent_id: str, role: Role | str, ttl_seconds: int | None = None) -> str:
    """A token for ``agent_id`` acting as ``role``; raises ValueError for a machine role or empty id."""
    role = Role(role)
    if role not in PEOPLE_ROLES:
        raise ValueError(f"tokens are for people; {role} uses an API key")
    if not agent_id or len(agent_id) > 64:
        raise ValueError("agent id must be 1-64 characters")
    now = int(time.time())
    claims = {"sub": agent_id, "role": role.value, "iss": settings.jwt_issuer, "iat": now,
              "exp": now + (ttl_seconds or settings.jwt_ttl_seconds)}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def verify_token(settings: Settings, token: str) -> Principal:
    """The principal a token names; raises Unauthorized when it is malformed, forged or expired."""
    try:
        claims = _decode(settings, token)
        role = Role(claims["role"])
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired", code="token_expired") from exc
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if role not in PEOPLE_ROLES:
        raise Unauthorized("invalid token", code="invalid_token")
    return Principal(subject=str(claims["sub"]), role=role)


def _decode(settings: Settings, token: str) -> dict[str, Any]:
    """The claims of a token signed with the current secret or, during a rotation, a fallback one."""
    *earlier, last = (settings.jwt_secret, *settings.jwt_secret_fallbacks)
    for secret in earlier:
        try:
            return _claims(settings, token, secret)
        except jwt.InvalidSignatureError:
            continue
    return _claims(settings, token, last)


def _claims(settings: Settings, token: str, secret: SecretStr) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, secret.get_secret_value(), algorithms=[ALGORITHM],
                                        issuer=settings.jwt_issuer,
                                        options={"require": ["sub", "role", "exp", "iss"]})
    return claims
