"""API keys for machine clients. A key is ``ak_<id>_<secret>``; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.principal import Principal, Role
from assist.errors import Conflict, Unauthorized
from assist.stores.tables import ApiKey, utcnow


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(session: AsyncSession, name: str, scopes: list[str] | None = None) -> str:
    """Store a new key for client ``name`` and return it (the only time it is visible).

    Raises Conflict when a key with that name exists.
    """
    if (await session.exec(select(ApiKey).where(ApiKey.name == name))).first():
        raise Conflict(f"an API key named {name!r} exists")
    key_id = secrets.token_hex(6)
    key = f"ak_{key_id}_{secrets.token_urlsafe(24)}"
    session.add(ApiKey(id=key_id, name=name, key_hash=_digest(key), scopes=scopes or ["routing"]))
    await session.flush()
    return key


async def verify_api_key(session: AsyncSession, key: str) -> Principal:
    """The machine principal for ``key``; raises Unauthorized for an unknown, revoked or malformed key."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "ak":
        raise Unauthorized("invalid API key", code="invalid_api_key")
    record = await session.get(ApiKey, parts[1])
    if record is None or record.revoked_at is not None or not hmac.compare_digest(record.key_hash, _digest(key)):
        raise Unauthorized("invalid API key", code="invalid_api_key")
    return Principal(subject=record.name, role=Role.SERVICE)


async def revoke_api_key(session: AsyncSession, name: str) -> bool:
    record = (await session.exec(select(ApiKey).where(ApiKey.name == name))).first()
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    session.add(record)
    return True
