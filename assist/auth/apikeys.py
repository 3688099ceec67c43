"""API keys for machine clients. A key is ``ak_<id>_<secret>``; only its SHA-256 is stored.

A key's life: created (shown once), used (last use noted), rotated (a new secret under the same id and name;
the replaced one keeps working for a grace period so the client switches without a gap), revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.principal import Principal, Role
from assist.errors import Conflict, NotFound, Unauthorized
from assist.stores.tables import ApiKey, utcnow

LAST_USE_RESOLUTION_SECONDS = 60.0
"""A key's last use is written at most this often per process: a routing system sends thousands a second."""

_noted: dict[str, float] = {}


class ApiKeyView(BaseModel):
    """A key as an admin sees it: never its secret or hash."""

    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    previous_valid_until: datetime | None
    """Set while the key replaced by the last rotation still works."""


class IssuedApiKey(ApiKeyView):
    key: str
    """The key itself: shown this once, stored only as a hash."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(key_id: str) -> str:
    return f"ak_{key_id}_{secrets.token_urlsafe(24)}"


def view(record: ApiKey) -> ApiKeyView:
    return ApiKeyView(id=record.id, name=record.name, scopes=record.scopes, created_at=record.created_at,
                      last_used_at=record.last_used_at, revoked_at=record.revoked_at,
                      previous_valid_until=record.previous_valid_until)


async def create_api_key(session: AsyncSession, name: str, scopes: list[str] | None = None) -> str:
    """Store a new key for client ``name`` and return it (the only time it is visible).

    Raises Conflict when a key with that name exists (revoked keys keep their name: the audit trail names it).
    """
    return (await issue_api_key(session, name, scopes)).key


async def issue_api_key(session: AsyncSession, name: str, scopes: list[str] | None = None) -> IssuedApiKey:
    if (await session.exec(select(ApiKey).where(ApiKey.name == name))).first():
        raise Conflict(f"an API key named {name!r} exists", code="api_key_exists")
    key_id = secrets.token_hex(6)
    key = _new_key(key_id)
    record = ApiKey(id=key_id, name=name, key_hash=_digest(key), scopes=scopes or ["routing"])
    session.add(record)
    await session.flush()
    return IssuedApiKey(**view(record).model_dump(), key=key)


async def verify_api_key(session: AsyncSession, key: str) -> Principal:
    """The machine principal for ``key``; raises Unauthorized for an unknown, revoked, replaced (after its
    grace period) or malformed key."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "ak":
        raise Unauthorized("invalid API key", code="invalid_api_key")
    record = await session.get(ApiKey, parts[1])
    if record is None or record.revoked_at is not None or not _matches(record, _digest(key)):
        raise Unauthorized("invalid API key", code="invalid_api_key")
    _note_use(record)
    return Principal(subject=record.name, role=Role.SERVICE)


def _matches(record: ApiKey, digest: str) -> bool:
    if hmac.compare_digest(record.key_hash, digest):
        return True
    return (record.previous_key_hash is not None and record.previous_valid_until is not None
            and utcnow() < record.previous_valid_until
            and hmac.compare_digest(record.previous_key_hash, digest))


def _note_use(record: ApiKey) -> None:
    """Mark the key used in the caller's transaction, unless this process did so within the resolution."""
    now = time.monotonic()
    if now - _noted.get(record.id, -LAST_USE_RESOLUTION_SECONDS) < LAST_USE_RESOLUTION_SECONDS:
        return
    _noted[record.id] = now
    record.last_used_at = utcnow()


async def list_api_keys(session: AsyncSession) -> list[ApiKeyView]:
    records = (await session.exec(select(ApiKey).order_by(col(ApiKey.name)))).all()
    return [view(r) for r in records]


async def _live(session: AsyncSession, name: str) -> ApiKey:
    record = (await session.exec(select(ApiKey).where(ApiKey.name == name))).first()
    if record is None:
        raise NotFound(f"no API key named {name!r}", code="api_key_not_found")
    if record.revoked_at is not None:
        raise Conflict(f"the API key {name!r} is revoked", code="api_key_revoked")
    return record


async def rotate_api_key(session: AsyncSession, name: str, grace_seconds: int) -> IssuedApiKey:
    """A new secret for ``name``; the current one keeps working for ``grace_seconds`` (0: stops at once).
    A key still in the grace period of an earlier rotation loses that older secret now."""
    if grace_seconds < 0:
        raise ValueError("the grace period cannot be negative")
    record = await _live(session, name)
    key = _new_key(record.id)
    record.previous_key_hash = record.key_hash if grace_seconds > 0 else None
    record.previous_valid_until = utcnow() + timedelta(seconds=grace_seconds) if grace_seconds > 0 else None
    record.key_hash = _digest(key)
    session.add(record)
    await session.flush()
    return IssuedApiKey(**view(record).model_dump(), key=key)


async def revoke_api_key(session: AsyncSession, name: str) -> ApiKeyView:
    """Revoke ``name`` (and a secret it replaced in a rotation); NotFound, or Conflict when already revoked."""
    record = await _live(session, name)
    record.revoked_at = utcnow()
    record.previous_key_hash = None
    record.previous_valid_until = None
    session.add(record)
    await session.flush()
    return view(record)
