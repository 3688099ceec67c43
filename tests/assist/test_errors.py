"""Every bad request gets a JSON problem body, never a bare 500 or an HTML page."""

from __future__ import annotations


async def test_unknown_route_is_404_problem(client):
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_wrong_method_is_405_problem(client):
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_oversized_body_is_413_before_any_handler(client, settings, auth):
    body = b"x" * (settings.max_request_bytes + 1)
    response = await client.post("/v1/admin/customers/C1/erase", content=body, headers=auth("X1", "admin"))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_every_response_carries_a_request_id(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "req-42"})
    assert response.headers["x-request-id"] == "req-42"


async def test_root_redirects_to_the_panel(client):
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/ui/"
