"""Who may call what: 401 without valid credentials, 403 for the wrong role or another agent."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assist.auth.apikeys import create_api_key, revoke_api_key
from assist.auth.tokens import create_token, verify_token
from assist.errors import Unauthorized
from assist.settings import Settings
from tests.assist.records import add_agent, add_customer
from tests.conftest import TEST_SECRET


async def test_request_without_credentials_is_401_with_problem_body(client):
    response = await client.get("/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "missing_credentials"


async def test_forged_token_is_401(client, settings):
    forged = create_token(Settings(jwt_secret="another-secret-0123456789abcdef0123456789"), "A1", "admin")
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_expired_token_is_401(client, settings):
    expired = create_token(settings, "A1", "agent", ttl_seconds=-120)
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


async def test_token_names_the_agent_and_role(client, db, auth):
    await add_agent(db, "A1")
    response = await client.get("/v1/me", headers=auth("A1", "agent"))
    assert response.status_code == 200
    assert response.json()["subject"] == "A1"
    assert response.json()["role"] == "agent"
    assert response.json()["agent"]["skills"] == {"billing": 4}


async def test_agent_cannot_read_another_agents_record(client, db, auth):
    await add_agent(db, "A2")
    response = await client.get("/v1/agents/A2", headers=auth("A1", "agent"))
    assert response.status_code == 403
    assert response.json()["code"] == "other_agent"


async def test_supervisor_can_read_an_agents_record(client, db, auth):
    await add_agent(db, "A2")
    response = await client.get("/v1/agents/A2", headers=auth("S1", "supervisor"))
    assert response.status_code == 200
    assert response.json()["id"] == "A2"


async def test_trainer_role_is_403_on_customer_records(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/customers/C1", headers=auth("T1", "trainer"))
    assert response.status_code == 403
    assert response.json()["code"] == "role_forbidden"


async def test_non_admin_is_403_on_data_subject_export(client, db, auth):
    await add_customer(db, "C1")
    response = await client.get("/v1/admin/customers/C1/export", headers=auth("S1", "supervisor"))
    assert response.status_code == 403


async def test_api_key_authenticates_a_machine_client(client, db):
    async with db.session() as s:
        key = await create_api_key(s, "acd-east")
    response = await client.get("/v1/me", headers={"X-API-Key": key})
    assert response.status_code == 200
    assert response.json() == {"subject": "acd-east", "role": "service", "agent": None}


async def test_revoked_api_key_is_401(client, db):
    async with db.session() as s:
        key = await create_api_key(s, "acd-west")
    async with db.session() as s:
        assert await revoke_api_key(s, "acd-west")
    response = await client.get("/v1/me", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


async def test_tampered_api_key_is_401(client, db):
    async with db.session() as s:
        key = await create_api_key(s, "acd-north")
    tampered = key[:-1] + ("a" if key[-1] != "a" else "b")
    response = await client.get("/v1/me", headers={"X-API-Key": tampered})
    assert response.status_code == 401


async def test_machine_client_cannot_read_customers(client, db):
    await add_customer(db, "C1")
    async with db.session() as s:
        key = await create_api_key(s, "acd-south")
    response = await client.get("/v1/customers/C1", headers={"X-API-Key": key})
    assert response.status_code == 403


def test_tokens_are_for_people_only():
    with pytest.raises(ValueError):
        create_token(Settings(jwt_secret=TEST_SECRET), "acd", "service")


def test_cli_token_create_prints_a_token_the_service_accepts():
    env = {"ASSIST_JWT_SECRET": TEST_SECRET, "PATH": ""}
    out = subprocess.run([sys.executable, "-m", "assist.cli", "token", "create", "--agent", "A1", "--role", "agent"],
                         capture_output=True, text=True, check=True, env=env).stdout.strip()
    principal = verify_token(Settings(jwt_secret=TEST_SECRET), out)
    assert (principal.subject, principal.role.value) == ("A1", "agent")


def test_token_for_unknown_role_is_rejected_by_cli():
    result = subprocess.run([sys.executable, "-m", "assist.cli", "token", "create", "--agent", "A1",
                             "--role", "root"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_verify_rejects_garbage():
    with pytest.raises(Unauthorized):
        verify_token(Settings(jwt_secret=TEST_SECRET), "not-a-jwt")
