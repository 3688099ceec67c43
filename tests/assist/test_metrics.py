"""``GET /metrics``: Prometheus figures that move with the work (a routed contact, an open panel, an event that
prompts, records waiting for SQL, a store outage), exempt from rate limits, closed by a token when one is set."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from assist.app import create_app
from assist.auth.tokens import create_token
from tests.conftest import make_settings
from tests.stream.test_routed_contacts import register, routed_and_accepted, routing_client


def sample(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` (0 when the series has not appeared yet)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def scrape(server) -> str:  # type: ignore[no-untyped-def]
    response = httpx.get(server.base_url + "/metrics", timeout=5)
    assert response.status_code == 200, response.text
    return response.text


async def in_process(settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield app, client


def test_metrics_answer_in_the_prometheus_text_format(live_server):
    response = httpx.get(live_server.base_url + "/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"assist_event_to_prompt_seconds", "assist_prompts", "assist_routing_decisions",
            "assist_routing_queue_depth", "assist_websocket_connections", "assist_record_journal_pending",
            "assist_store_errors"} <= names


async def test_a_routed_contact_and_its_open_panel_move_decisions_and_connections(live_server):
    before = scrape(live_server)
    async with await routing_client(live_server) as acd:
        panel, *_ = await routed_and_accepted(live_server, acd, "MA")
        during = scrape(live_server)
        await panel.close()
    assert sample(during, "assist_routing_decisions_total", queue="default", outcome="offered") == \
        sample(before, "assist_routing_decisions_total", queue="default", outcome="offered") + 1
    assert sample(during, "assist_websocket_connections") == sample(before, "assist_websocket_connections") + 1


async def test_an_event_that_prompts_is_timed_and_its_prompts_counted_by_action_and_source(live_server):
    async with await routing_client(live_server) as acd:
        panel, _, _, _, offer, _ = await routed_and_accepted(live_server, acd, "MB")
        before = scrape(live_server)
        session_id = offer["data"]["offer_id"]
        await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                                   "text": "My order O-55 arrived broken, I want my money back"})
        await panel.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
        await panel.send("event", {"session_id": session_id, "kind": "action", "action": "request_refund",
                                   "fields": {"amount": 30}})
        prompt = await panel.expect("prompt", action="offer_refund_small")
        after = scrape(live_server)
        await panel.close()
    source = "degraded" if prompt["data"].get("degraded") else prompt["data"]["source"]
    timed = "assist_event_to_prompt_seconds_count"
    assert sample(after, timed) > sample(before, timed)
    assert sample(after, "assist_prompts_total", action="offer_refund_small", source=source) >= \
        sample(before, "assist_prompts_total", action="offer_refund_small", source=source) + 1


async def test_a_contact_no_agent_can_take_waits_in_the_queue_depth(live_server):
    async with await routing_client(live_server) as acd:
        await register(acd, f"MQ{uuid.uuid4().hex[:4]}", status="away")
        before = scrape(live_server)
        contact_id = f"K-wait-{uuid.uuid4().hex[:8]}"
        routed = (await acd.post("/contacts", json={"contact_id": contact_id, "channel": "chat",
                                                    "required_skills": {"billing": 3}})).json()
        after = scrape(live_server)
        await acd.delete(f"/contacts/{contact_id}")
    assert routed["outcome"] == "queued"
    assert sample(after, "assist_routing_queue_depth", queue="default") == \
        sample(before, "assist_routing_queue_depth", queue="default") + 1
    assert sample(after, "assist_routing_decisions_total", queue="default", outcome="queued") == \
        sample(before, "assist_routing_decisions_total", queue="default", outcome="queued") + 1


async def test_records_waiting_for_sql_show_as_journal_backlog(sqlite_settings):
    async for app, client in in_process(sqlite_settings):
        records = app.state.records
        await records.stop()  # no writer drains: what is journaled waits, as during a database outage
        await records.journal.append("prompts", {"session_id": "S-1", "prompts": []})
        text = (await client.get("/metrics")).text
        await records.journal.client.delete(records.journal.key)
    assert sample(text, "assist_record_journal_pending") == 1
    assert sample(text, "assist_record_journal_oldest_seconds") >= 0


async def test_a_store_unavailable_answer_is_counted_and_metrics_still_answer(tmp_path, private_redis):
    settings = make_settings(tmp_path, private_redis.url, f"sqlite:///{tmp_path / 'assist.db'}")
    async for _, client in in_process(settings):
        before = (await client.get("/metrics")).text
        private_redis.stop()
        token = create_token(settings, "A1", "agent")
        refused = await client.post("/v1/stream-tickets", headers={"Authorization": f"Bearer {token}"})
        scraped = await client.get("/metrics")
        private_redis.start()
    assert refused.status_code == 503
    assert scraped.status_code == 200
    assert sample(scraped.text, "assist_store_errors_total", store="redis", transport="http") >= \
        sample(before, "assist_store_errors_total", store="redis", transport="http") + 1


async def test_metrics_are_exempt_from_rate_limits(tmp_path, redis_url):
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}", rate_limit_per_address=2)
    async for _, client in in_process(settings):
        statuses = [(await client.get("/metrics")).status_code for _ in range(5)]
    assert statuses == [200] * 5


@pytest.mark.parametrize("header, status", [(None, 401), ("Bearer wrong", 401), ("Bearer scrape-me", 200)])
async def test_a_metrics_token_when_set_is_required_as_a_bearer_token(tmp_path, redis_url, header, status):
    settings = make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}", metrics_token="scrape-me")
    async for _, client in in_process(settings):
        response = await client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == status
