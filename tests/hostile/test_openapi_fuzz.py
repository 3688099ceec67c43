"""Schemathesis over the whole OpenAPI document, as an admin and as an agent, against a real server.

Every check is on, status-code and content-type conformance included: whatever the service answers, the
answer (its status and its ``application/problem+json`` body) is in the document, and nothing answers 5xx.
The server is a real uvicorn process with its own SQLite file and Redis key prefix, seeded with a customer and
agents, so unsafe methods (POST/PUT/DELETE) only touch this module's data.

The document is built from the app factory at import (it opens nothing), so pytest names one test per
operation; the server it is checked against is the same code, started by the fixture.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis import Case, CheckContext, Response

from assist.app import create_app
from assist.settings import Settings
from tests.conftest import TEST_SECRET, LiveServer, free_port, server_env
from tests.stream.seed import seed

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
"""Per operation and phase: both tests together stay around a minute on two shared cores. Set
``FUZZ_MAX_EXAMPLES=100`` for a deeper run (about ten minutes)."""


@schemathesis.check
def schema_valid_request_passes_validation(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A request the document calls valid may be refused by a domain rule (``unknown_trainee``, 422), never by
    the service's own schema validation (``invalid_input``): that would mean the document and the validator
    disagree. (The built-in positive-data check cannot tell the two 422s apart, so it admits 422 below.)"""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = response.json()
    if isinstance(body, dict) and body.get("code") == "invalid_input":
        raise AssertionError(f"a request valid by the document failed the service's validation: {body}")
    return None


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": 18,
        "request-timeout": 10,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True, "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}},
        "phases": {"stateful": {"enabled": False}},
    })


def _document() -> dict[str, object]:
    """The app's OpenAPI document, built without starting it (the app factory opens nothing)."""
    return create_app(Settings(environment="test", jwt_secret=TEST_SECRET)).openapi()


schema = schemathesis.openapi.from_dict(_document(), config=_config())


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """A server of this module's own, seeded with a customer and agents A1 and A2. The fuzz sends thousands of
    requests with one token and many without one: its limits are raised out of the way (the limiter still runs)."""
    tmp: Path = tmp_path_factory.mktemp("openapi-fuzz")
    limits = {"ASSIST_RATE_LIMIT_PER_TOKEN": "1000000", "ASSIST_RATE_LIMIT_PER_ADDRESS": "1000000",
              "ASSIST_RATE_LIMIT_BAD_CREDENTIALS": "1000000"}
    server = LiveServer(server_env(tmp, redis_url, **limits), free_port()).start()
    try:
        asyncio.run(seed(server, customer_id="C000001", phone="+44 7700 900123", email="sam@example.com"))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def admin_headers(fuzz_server: LiveServer) -> dict[str, str]:
    return fuzz_server.headers("ADM1", "admin")


@pytest.fixture(scope="module")
def agent_headers(fuzz_server: LiveServer) -> dict[str, str]:
    return fuzz_server.headers("A1", "agent")


@schema.parametrize()
def test_every_operation_answers_as_documented_for_an_admin(case: Case, fuzz_server: LiveServer,
                                                            admin_headers: dict[str, str]) -> None:
    case.call_and_validate(base_url=fuzz_server.base_url, headers=admin_headers)


@schema.parametrize()
def test_every_operation_answers_as_documented_for_an_agent(case: Case, fuzz_server: LiveServer,
                                                            agent_headers: dict[str, str]) -> None:
    case.call_and_validate(base_url=fuzz_server.base_url, headers=agent_headers)


# ---- what the fuzz found, one behaviour each (fast, against the same server) ----------------------------

def test_every_error_answer_in_the_document_is_a_problem_body() -> None:
    document = _document()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path, status)


def test_every_operation_with_credentials_documents_401_403_429_and_503() -> None:
    document = _document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):
                assert {"401", "403", "429", "503"} <= set(operation["responses"]), (method, path)


def test_a_405_names_every_method_the_path_serves(fuzz_server: LiveServer) -> None:
    response = httpx.request("OPTIONS", fuzz_server.base_url + "/v1/practice/runs",
                             headers=fuzz_server.headers("ADM1", "admin"))
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["allow"].split(",")}


def test_adoption_since_refuses_a_bare_number(fuzz_server: LiveServer) -> None:
    response = httpx.get(fuzz_server.base_url + "/v1/adoption/summary?since=0.5",
                         headers=fuzz_server.headers("ADM1", "admin"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_an_offer_refuses_a_number_as_the_practice_flag(fuzz_server: LiveServer) -> None:
    response = httpx.post(fuzz_server.base_url + "/v1/contacts/offer", headers=fuzz_server.headers("ADM1", "admin"),
                          json={"agent_id": "A1", "channel": "chat", "reason": "refund", "practice": 0})
    assert response.status_code == 422


@pytest.mark.parametrize("level", [True, "3", 2.5])
def test_routing_refuses_a_skill_level_that_is_not_a_json_integer(fuzz_server: LiveServer, level: object) -> None:
    response = httpx.put(fuzz_server.base_url + "/v1/routing/agents/fz1", headers=fuzz_server.headers("ADM1", "admin"),
                         json={"skills": {"billing": level}, "capacity": {"chat": 1}})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_routing_accepts_a_whole_number_written_with_a_fraction(fuzz_server: LiveServer) -> None:
    response = httpx.put(fuzz_server.base_url + "/v1/routing/agents/fz2", headers=fuzz_server.headers("ADM1", "admin"),
                         json={"skills": {}, "capacity": {"chat": 2.0}})
    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == {"chat": 2}


def test_a_practice_run_refuses_true_as_its_seed(fuzz_server: LiveServer) -> None:
    response = httpx.post(fuzz_server.base_url + "/v1/practice/runs", headers=fuzz_server.headers("ADM1", "admin"),
                          json={"name": "r", "scenarios": ["repeated_outage"], "seed": True})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_routing_skill_maps_document_that_other_keys_are_refused() -> None:
    schemas = _document()["components"]["schemas"]
    for model, field in (("AgentIn", "skills"), ("AgentIn", "capacity"), ("ContactIn", "required_skills"),
                         ("ContactIn", "preferred_skills")):
        assert schemas[model]["properties"][field]["additionalProperties"] is False, (model, field)
