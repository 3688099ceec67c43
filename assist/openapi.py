"""The OpenAPI document tells the truth about errors: every problem answer an operation can give is in it.

Errors leave the service as RFC 9457 problem bodies (``application/problem+json``, see ``assist.errors``), from
handlers no route declares. FastAPI's generated document knows none of them, and documents its 422 as an
``application/json`` ``HTTPValidationError`` that the service never sends. Clients generated from the
document, and the contract tests (schemathesis, ``tests/hostile/``), need the real set, so it is added here,
once, by rule rather than route by route:

- every operation the rate limiter sees (all but ``EXEMPT_PATHS``, the health probes): 429;
- with credentials (``security``): 401 (missing, forged or expired), 403 (role, or another agent's data) and
  503 (a store is down: checking the caller already reads one);
- with parameters or a body: 422 (the request does not match the schema, or a domain rule refused it);
- with a body: 400 (not parseable: not JSON, not UTF-8) and 413 (over ``ASSIST_MAX_REQUEST_BYTES``);
- with path parameters: 404 (nothing by that id);
- changing something (not GET) with credentials: 409 (the resource is in another state).

A route that can answer something else (a GET that answers 409, a 410) declares it in its own ``responses``;
every 4xx/5xx answer in the document, declared or added, gets the ``Problem`` body.

Operation ids are the endpoint functions' names (``list_skills``, ``get_customer``), so a generated client reads
``client.get_customer(...)``, not ``get_customer_v1_customers__customer_id__get``; a function named only by
its verb (``submit`` in ``routing.api``) is given its resource in ``OPERATION_IDS``. Ids stay stable while a
function keeps its name, whatever happens to its path.

The 405 answer's ``Allow`` header lists the document's methods for the path: Starlette's named only the
methods of the route that answered, none at all for GET and POST ``/v1/practice/runs`` (two routes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from assist.auth.limits import EXEMPT_PATHS
from assist.errors import problem_response

__all__ = ["OPERATION_IDS", "PROBLEM_MEDIA_TYPE", "PROBLEM_SCHEMA", "allowed_methods", "document_problems",
           "install_contract", "operation_id"]

OPERATION_IDS = {
    ("assist.adoption.endpoints", "summary"): "get_adoption_summary",
    ("assist.agents.endpoints", "me"): "get_me",
    ("assist.agents.endpoints", "agent"): "get_agent_profile",
    ("assist.auth.endpoints", "list_keys"): "list_api_keys",
    ("assist.auth.endpoints", "create"): "create_api_key",
    ("assist.auth.endpoints", "rotate"): "rotate_api_key",
    ("assist.auth.endpoints", "revoke"): "revoke_api_key",
    ("assist.privacy.endpoints", "export"): "export_customer_data",
    ("assist.privacy.endpoints", "erase"): "erase_customer",
    ("routing.api", "submit"): "submit_contact",
    ("routing.api", "accept"): "accept_reservation",
    ("routing.api", "reject"): "reject_reservation",
    ("routing.api", "complete"): "complete_reservation",
    ("routing.api", "decisions"): "list_routing_decisions",
    ("routing.api", "put_status"): "put_agent_status",
}
"""Operation ids for endpoint functions named by a verb or a noun alone, by (module, function name)."""

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PROBLEM_REF = "#/components/schemas/Problem"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document. `code` is the machine code (the last segment of `type`); "
                   "some problems carry extra members (`errors` on 422, `failed` and `checks` on 503...).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "a URI naming the problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "code": {"type": "string", "description": "the machine code, e.g. `invalid_input`, `unknown_agent`"},
        "errors": {
            "type": "array",
            "description": "on 422 from schema validation: each field that failed",
            "items": {"type": "object", "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"},
                "type": {"type": "string"},
            }},
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    400: "The body could not be parsed (not JSON, not UTF-8)",
    401: "Missing, forged or expired credentials",
    403: "The caller's role, or the agent the data belongs to, does not allow this",
    404: "Nothing by that id",
    409: "The resource is in another state (taken, expired, closed, already done)",
    410: "The resource existed and was erased",
    413: "The request body is too large",
    422: "The request does not match the schema, or a domain rule refused it",
    429: "Too many requests: wait for `Retry-After` seconds",
    503: "A store (Redis, the database) does not answer: retry later",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying",
                                "schema": {"type": "integer", "minimum": 0}}}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, by the rules in the module docstring."""
    statuses = set() if path in EXEMPT_PATHS else {429}
    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    if parameters or has_body:
        statuses.add(422)
    if has_body:
        statuses |= {400, 413}
    if operation.get("security"):
        statuses |= {401, 403, 503}
        if method != "get":
            statuses.add(409)
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    return statuses


def _problem_response(status: int, described: dict[str, Any] | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": (described or {}).get("description") or _DESCRIPTIONS.get(status, "A problem"),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _PROBLEM_REF}}},
    }
    headers = dict((described or {}).get("headers") or {})
    if status in (429, 503):
        headers = {**_RETRY_AFTER, **headers}
    if headers:
        response["headers"] = headers
    return response


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Problem`` schema and each operation's error answers to ``schema`` (changed in place, returned).

    FastAPI's ``HTTPValidationError``/``ValidationError`` schemas are dropped when nothing refers to them any
    more: the service never answers them.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(declared | _statuses(path, method, operation)):
                responses[str(status)] = _problem_response(status, responses.get(str(status)))
            operation["responses"] = dict(sorted(responses.items()))
    text = json.dumps(schema["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in text:
            components.pop(unused, None)
    return schema


def allowed_methods(schema: dict[str, Any], path: str) -> list[str]:
    """The methods the document gives the paths ``path`` matches (HEAD with GET, as Starlette serves it)."""
    methods: set[str] = set()
    for template, item in schema.get("paths", {}).items():
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"(\{[^}]+\})", template))
        if re.fullmatch(pattern, path):
            methods |= {method.upper() for method in item if method in _METHODS}
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


def operation_id(route: APIRoute) -> str:
    """The app's ``generate_unique_id_function``: the endpoint's name, or its entry in ``OPERATION_IDS``."""
    return OPERATION_IDS.get((route.endpoint.__module__, route.name), route.name)


def install_contract(app: FastAPI) -> None:
    """Make ``app.openapi()`` (``/openapi.json``, ``/docs``) document the problems, and 405 name every method."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        http = exc if isinstance(exc, StarletteHTTPException) else StarletteHTTPException(405)
        allow = ", ".join(allowed_methods(app.openapi(), request.url.path)) or (http.headers or {}).get("Allow", "")
        return problem_response(405, "method_not_allowed", str(http.detail), headers={"Allow": allow})

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(405, method_not_allowed)
