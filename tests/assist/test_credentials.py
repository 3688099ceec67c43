"""Credential lifecycle: API keys are listed with their last use, rotated with a grace period and revoked by
an admin (audited); the JWT secret rotates with fallbacks so tokens already handed out keep working."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from assist.auth.apikeys import issue_api_key, rotate_api_key, verify_api_key
from assist.auth.tokens import create_token, verify_token
from assist.errors import Unauthorized
from assist.settings import Settings
from assist.stores.tables import AuditEntry
from tests.conftest import make_settings

OLD_SECRET = "an-old-signing-secret-of-at-least-32-chars"
NEW_SECRET = "the-new-signing-secret-of-at-least-32-chars"


async def _me(client, key: str) -> int:
    return (await client.get("/v1/me", headers={"X-API-Key": key})).status_code


async def _issue(client, auth, name: str) -> str:
    response = await client.post("/v1/admin/api-keys", json={"name": name}, headers=auth("X1", "admin"))
    assert response.status_code == 201, response.text
    return response.json()["key"]


async def test_an_issued_key_is_shown_once_and_listed_without_its_secret(client, auth):
    key = await _issue(client, auth, "acd-list")
    listed = (await client.get("/v1/admin/api-keys", headers=auth("X1", "admin"))).json()
    (entry,) = [k for k in listed if k["name"] == "acd-list"]
    assert "key" not in entry and "key_hash" not in entry
    secret = key.split("_", 2)[2]  # the secret itself may hold "_" (URL-safe base64)
    assert secret not in str(listed)
    assert entry["last_used_at"] is None


async def test_using_a_key_records_its_last_use(client, auth):
    key = await _issue(client, auth, "acd-used")
    assert await _me(client, key) == 200
    listed = (await client.get("/v1/admin/api-keys", headers=auth("X1", "admin"))).json()
    (entry,) = [k for k in listed if k["name"] == "acd-used"]
    assert entry["last_used_at"] is not None


async def test_a_rotated_key_keeps_the_old_secret_working_for_the_grace_period(client, auth):
    old = await _issue(client, auth, "acd-rotate")
    response = await client.post("/v1/admin/api-keys/acd-rotate/rotate", json={"grace_seconds": 3600},
                                 headers=auth("X1", "admin"))
    assert response.status_code == 200, response.text
    new = response.json()["key"]
    assert new != old and response.json()["previous_valid_until"] is not None
    assert await _me(client, new) == 200
    assert await _me(client, old) == 200


async def test_a_rotation_without_grace_stops_the_old_secret_at_once(client, auth):
    old = await _issue(client, auth, "acd-rotate-now")
    response = await client.post("/v1/admin/api-keys/acd-rotate-now/rotate", json={"grace_seconds": 0},
                                 headers=auth("X1", "admin"))
    assert await _me(client, response.json()["key"]) == 200
    assert await _me(client, old) == 401


async def test_the_old_secret_stops_when_the_grace_period_ends(db):
    async with db.session() as s:
        old = (await issue_api_key(s, "acd-grace")).key
    async with db.session() as s:
        await rotate_api_key(s, "acd-grace", grace_seconds=1)
    async with db.session() as s:
        await verify_api_key(s, old)
    await asyncio.sleep(1.2)
    async with db.session() as s:
        with pytest.raises(Unauthorized):
            await verify_api_key(s, old)


async def test_a_revoked_key_is_refused_and_cannot_be_revoked_or_rotated_again(client, auth):
    key = await _issue(client, auth, "acd-revoke")
    admin = auth("X1", "admin")
    assert (await client.delete("/v1/admin/api-keys/acd-revoke", headers=admin)).status_code == 200
    assert await _me(client, key) == 401
    again = await client.delete("/v1/admin/api-keys/acd-revoke", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "api_key_revoked"
    rotate = await client.post("/v1/admin/api-keys/acd-revoke/rotate", json={}, headers=admin)
    assert rotate.status_code == 409


async def test_an_unknown_key_name_is_404(client, auth):
    response = await client.delete("/v1/admin/api-keys/nobody", headers=auth("X1", "admin"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "api_key_not_found"


async def test_a_duplicate_name_is_409_and_the_first_key_still_works(client, auth):
    key = await _issue(client, auth, "acd-twice")
    response = await client.post("/v1/admin/api-keys", json={"name": "acd-twice"}, headers=auth("X1", "admin"))
    assert response.status_code == 409
    assert await _me(client, key) == 200


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "has space"}, {"name": "x" * 200}, {}])
async def test_a_bad_key_name_is_422(client, auth, body):
    response = await client.post("/v1/admin/api-keys", json=body, headers=auth("X1", "admin"))
    assert response.status_code == 422


async def test_a_negative_grace_period_is_422(client, auth):
    await _issue(client, auth, "acd-negative")
    response = await client.post("/v1/admin/api-keys/acd-negative/rotate", json={"grace_seconds": -5},
                                 headers=auth("X1", "admin"))
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["agent", "supervisor", "trainer"])
async def test_only_admins_manage_keys(client, auth, role):
    assert (await client.get("/v1/admin/api-keys", headers=auth("P1", role))).status_code == 403
    assert (await client.post("/v1/admin/api-keys", json={"name": "acd-nope"},
                              headers=auth("P1", role))).status_code == 403


async def test_key_changes_are_audited(client, auth, db):
    await _issue(client, auth, "acd-audit")
    await client.post("/v1/admin/api-keys/acd-audit/rotate", json={}, headers=auth("X1", "admin"))
    await client.delete("/v1/admin/api-keys/acd-audit", headers=auth("X1", "admin"))
    async with db.session() as s:
        rows = (await s.exec(select(AuditEntry).where(AuditEntry.actor_id == "X1"))).all()
    actions = [(r.action, r.reason.split(" ")[0]) for r in rows if r.reason.startswith("acd-audit")]
    assert actions == [("api_key_created", "acd-audit"), ("api_key_rotated", "acd-audit"),
                       ("api_key_revoked", "acd-audit")]


def test_fallback_secrets_read_from_a_comma_separated_variable(monkeypatch):
    monkeypatch.setenv("ASSIST_JWT_SECRET_FALLBACKS", f"{OLD_SECRET}, another-{OLD_SECRET}")
    settings = Settings(jwt_secret=NEW_SECRET)
    assert [s.get_secret_value() for s in settings.jwt_secret_fallbacks] == [OLD_SECRET, f"another-{OLD_SECRET}"]


def test_a_token_signed_with_a_fallback_secret_is_still_accepted(tmp_path, redis_url):
    before = make_settings(tmp_path, redis_url, "sqlite://", jwt_secret=OLD_SECRET)
    after = make_settings(tmp_path, redis_url, "sqlite://", jwt_secret=NEW_SECRET, jwt_secret_fallbacks=[OLD_SECRET])
    token = create_token(before, "A1", "agent")
    assert verify_token(after, token).subject == "A1"


def test_new_tokens_are_signed_with_the_current_secret_only(tmp_path, redis_url):
    before = make_settings(tmp_path, redis_url, "sqlite://", jwt_secret=OLD_SECRET)
    after = make_settings(tmp_path, redis_url, "sqlite://", jwt_secret=NEW_SECRET, jwt_secret_fallbacks=[OLD_SECRET])
    with pytest.raises(Unauthorized) as refused:
        verify_token(before, create_token(after, "A2", "agent"))
    assert refused.value.code == "invalid_token"


def test_a_token_of_a_retired_secret_is_refused(tmp_path, redis_url):
    before = make_settings(tmp_path, redis_url, "sqlite://", jwt_secret=OLD_SECRET)
    retired = make_settings(tmp_path, redis_url, "sqlite://", jwt_secret=NEW_SECRET)
    with pytest.raises(Unauthorized) as refused:
        verify_token(retired, create_token(before, "A1", "agent"))
    assert refused.value.code == "invalid_token"
