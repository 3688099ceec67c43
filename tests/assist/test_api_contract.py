"""The OpenAPI document is a contract a client can be generated from: every operation the service serves is in
it, grouped by tag, with typed answers (no free-form objects) whose references all resolve, and request bodies
with examples that the body's own schema accepts."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from assist.app import create_app
from assist.settings import Settings

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(environment="test", log_json=False))


@pytest.fixture(scope="module")
def document(app) -> dict[str, Any]:
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a reference names; for an optional body (``anyOf`` it or null), the body's own."""
    if "anyOf" in schema:
        (schema,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def _free_form(schema: dict[str, Any]) -> bool:
    """An object a client cannot type: no properties, no typed values (``additionalProperties`` true or absent)."""
    if not schema:
        return True
    if schema.get("type") == "array":
        return _free_form(schema.get("items", {}))
    if schema.get("type") != "object" or "$ref" in schema:
        return False
    values = schema.get("additionalProperties", True)
    return not schema.get("properties") and (values is True or values == {})


def test_every_route_the_service_serves_is_an_operation_of_the_document(app, document):
    served = {(method.lower(), context.path_format) for context in iter_route_contexts(app.router.routes)
              if isinstance(context.original_route, APIRoute) and context.original_route.include_in_schema
              for method in context.methods or () if method.lower() in METHODS}
    documented = {(method, path) for method, path, _ in _operations(document)}
    assert served and served == documented


def test_every_operation_has_a_tag_and_a_summary(document):
    missing = [f"{method.upper()} {path}" for method, path, operation in _operations(document)
               if not operation.get("tags") or not operation.get("summary")]
    assert missing == []


def test_no_successful_answer_is_a_free_form_object(document):
    untyped = [f"{method.upper()} {path} {status} {media}"
               for method, path, operation in _operations(document)
               for status, answer in operation["responses"].items() if status.startswith("2")
               for media, content in answer.get("content", {}).items()
               if _free_form(content.get("schema", {}))]
    assert untyped == []


def test_every_reference_in_the_document_resolves(document):
    names = set(document["components"]["schemas"])
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.append(node["$ref"].removeprefix("#/components/schemas/"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert found and sorted(set(found) - names) == []


def test_every_json_request_body_has_an_example_its_schema_accepts(document):
    without, rejected = [], []
    for method, path, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        schema = _resolve(document, content["schema"])
        examples = schema.get("examples") or []
        if not examples:
            without.append(f"{method.upper()} {path}")
        full = {**schema, "components": document["components"]}
        validator = jsonschema_rs.Draft202012Validator(full)
        rejected += [f"{method.upper()} {path}: {error.message}" for example in examples
                     for error in validator.iter_errors(example)]
    assert without == [] and rejected == []
