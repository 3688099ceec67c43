"""Every operation in the OpenAPI document has a stable, readable id a generated client can name its method by:
the endpoint's name (``submit_contact``), never FastAPI's default of name, path and method
(``submit_v1_routing_contacts_post``)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from assist.app import create_app
from assist.settings import Settings

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = create_app(Settings(environment="test", log_json=False)).openapi()
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def test_every_operation_has_a_snake_case_id_without_its_path_or_method(operations):
    ids = {f"{method.upper()} {path}": operation.get("operationId", "") for method, path, operation in operations}
    unreadable = {where: given for where, given in ids.items()
                  if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", given) or "v1" in given.split("_")
                  or given.endswith(tuple(f"_{m}" for m in METHODS))}
    assert operations and unreadable == {}


def test_no_two_operations_share_an_id(operations):
    counts = Counter(operation["operationId"] for _, _, operation in operations)
    assert [given for given, n in counts.items() if n > 1] == []


def test_submitting_a_contact_is_submit_contact(operations):
    found = {(method, path): operation["operationId"] for method, path, operation in operations}
    assert found[("post", "/v1/routing/contacts")] == "submit_contact"
