"""``GET /v1/adoption/panel-use`` over HTTP: the same role rules as the other adoption reports."""

from __future__ import annotations

import pytest

from tests.adoption.panel_events import known_panel_events

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # roles do not depend on SQL


@pytest.mark.parametrize("role", ["supervisor", "trainer", "admin"])
async def test_supervisors_trainers_and_admins_read_every_agent(client, db, auth, role):
    await known_panel_events(db)
    response = await client.get("/v1/adoption/panel-use", headers=auth("S1", role))
    assert response.status_code == 200
    body = response.json()
    assert [r["key"] for r in body["by_agent"]] == ["A1", "A2"]
    assert body["totals"]["panel_seconds"] == 460.0


async def test_an_agent_reads_their_own_panel_use(client, db, auth):
    await known_panel_events(db)
    response = await client.get("/v1/adoption/panel-use", headers=auth("A2", "agent"))
    assert response.status_code == 200
    body = response.json()
    assert (body["agent_id"], [r["key"] for r in body["by_agent"]]) == ("A2", ["A2"])


@pytest.mark.parametrize("query", ["agent_id=A1", "team=red"])
async def test_an_agent_asking_for_someone_elses_panel_use_is_refused(client, auth, query):
    response = await client.get(f"/v1/adoption/panel-use?{query}", headers=auth("A2", "agent"))
    assert response.status_code == 403 and response.json()["code"] == "own_figures_only"
