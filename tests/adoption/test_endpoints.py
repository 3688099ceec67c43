"""The adoption endpoints over HTTP: who may read what, the CSV export, bad parameters refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from assist.adoption.rollup import watermark
from assist.stores.tables import PromptRecord
from tests.adoption.events import known_events

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # roles do not depend on SQL


@pytest.mark.parametrize("role", ["supervisor", "trainer", "admin"])
async def test_supervisors_trainers_and_admins_read_every_team(client, db, auth, role):
    await known_events(db)
    response = await client.get("/v1/adoption/funnel?by=team", headers=auth("S1", role))
    assert response.status_code == 200
    assert [r["key"] for r in response.json()["rows"]] == ["red", "blue", "default"]


async def test_an_agent_sees_only_their_own_figures(client, db, auth):
    await known_events(db)
    response = await client.get("/v1/adoption/funnel?by=agent", headers=auth("A2", "agent"))
    assert response.status_code == 200
    body = response.json()
    assert (body["agent_id"], [r["key"] for r in body["rows"]]) == ("A2", ["A2"])
    lift = await client.get("/v1/adoption/lift", headers=auth("A2", "agent"))
    assert lift.json()["agent_id"] == "A2" and lift.json()["overall"]["followed"]["n"] == 1


@pytest.mark.parametrize("query", ["agent_id=A1", "team=red"])
async def test_an_agent_asking_for_someone_else_is_refused(client, auth, query):
    response = await client.get(f"/v1/adoption/adherence?{query}", headers=auth("A2", "agent"))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "own_figures_only"


async def test_a_range_ending_before_it_starts_is_refused(client, auth):
    response = await client.get("/v1/adoption/funnel?start=2030-05-02T00:00:00Z&end=2030-05-01T00:00:00Z",
                                headers=auth("S1", "supervisor"))
    assert response.status_code == 422 and response.json()["code"] == "invalid_range"


async def test_an_unknown_grouping_is_refused(client, auth):
    response = await client.get("/v1/adoption/funnel?by=colour", headers=auth("S1", "supervisor"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_funnel_groups_by_queue_and_narrows_by_queue_and_channel(client, db, auth):
    await known_events(db)
    by_queue = (await client.get("/v1/adoption/funnel?by=queue", headers=auth("S1", "supervisor"))).json()
    assert [(r["key"], r["shown"], r["followed"]) for r in by_queue["rows"]] == [("refunds", 5, 2), ("billing", 2, 0)]
    narrowed = await client.get("/v1/adoption/funnel?by=channel&queue=refunds&channel=phone",
                                headers=auth("S1", "supervisor"))
    body = narrowed.json()
    assert (body["queue"], body["channel"]) == ("refunds", "phone")
    assert [(r["key"], r["shown"], r["accepted"], r["dismissed"]) for r in body["rows"]] == [("phone", 2, 1, 1)]
    lift = (await client.get("/v1/adoption/lift?queue=billing", headers=auth("S1", "supervisor"))).json()
    assert lift["queue"] == "billing" and lift["overall"]["followed"]["n"] == 0  # S3 never closed


async def test_an_agent_filtering_by_queue_still_sees_only_their_own_figures(client, db, auth):
    await known_events(db)
    response = await client.get("/v1/adoption/funnel?by=agent&queue=refunds", headers=auth("A2", "agent"))
    assert [(r["key"], r["shown"]) for r in response.json()["rows"]] == [("A2", 2)]  # not A1's three


@pytest.mark.parametrize("query", ["queue=Billing%20Team", "queue=", "queue=" + "q" * 65, "channel=fax",
                                   "channel=CHAT"])
async def test_an_invalid_queue_or_channel_is_refused(client, auth, query):
    for path in ("/v1/adoption/funnel", "/v1/adoption/funnel.csv", "/v1/adoption/lift"):
        response = await client.get(f"{path}?{query}", headers=auth("S1", "supervisor"))
        assert response.status_code == 422, path
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_funnel_by_queue_exports_as_csv(client, db, auth):
    await known_events(db)
    response = await client.get("/v1/adoption/funnel.csv?by=queue&channel=chat", headers=auth("S1", "supervisor"))
    assert "adoption-funnel-by-queue.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["queue"], r["shown"], r["followed"]) for r in rows] == [("refunds", "3", "1"), ("billing", "2", "0")]


async def test_the_funnel_exports_as_csv(client, db, auth):
    await known_events(db)
    response = await client.get("/v1/adoption/funnel.csv?by=team", headers=auth("S1", "supervisor"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "adoption-funnel-by-team.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["team"], r["shown"], r["followed"], r["resolution_rate"]) for r in rows] == [
        ("red", "3", "1", "1.0"), ("blue", "2", "1", "0.0"), ("default", "2", "0", "")]


async def test_the_reports_are_documented_in_openapi(client):
    spec = (await client.get("/openapi.json")).json()
    for path in ("/v1/adoption/funnel", "/v1/adoption/funnel.csv", "/v1/adoption/lift", "/v1/adoption/adherence"):
        assert path in spec["paths"]
    assert {"FunnelReport", "LiftReport", "AdherenceReport"} <= set(spec["components"]["schemas"])
    for path in ("/v1/adoption/funnel", "/v1/adoption/funnel.csv", "/v1/adoption/lift"):
        params = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        assert "routing queue" in params["queue"]["description"] and "channel" in params["channel"]["description"]
    by = {p["name"]: p for p in spec["paths"]["/v1/adoption/funnel"]["get"]["parameters"]}["by"]
    assert "queue" in by["description"]


async def test_a_report_brings_the_roll_up_forward_after_answering(client, db, auth):
    async with db.session() as s:
        s.add(PromptRecord(id="P-old", session_id="S-old", agent_id="A1", action="verify_identity", confidence=0.8,
                           source="rules", shown_at=datetime.now(UTC) - timedelta(days=5)))
    first = await client.get("/v1/adoption/funnel?by=action", headers=auth("S1", "supervisor"))
    async with db.session() as s:
        assert await watermark(s) is not None  # rolled after the answer was sent
    second = await client.get("/v1/adoption/funnel?by=action", headers=auth("S1", "supervisor"))
    assert first.json()["rows"] == second.json()["rows"]
    assert second.json()["totals"]["ignored"] == 1
