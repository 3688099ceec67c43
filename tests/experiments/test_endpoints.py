"""The experiment endpoints over HTTP: who may do what, bad experiments refused with problem bodies."""

from __future__ import annotations

import pytest

from assist.guidance.tables import ModelVersion
from tests.experiments.events import EXPERIMENT, known_experiment

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # roles do not depend on SQL


def body(**changes):
    experiment = {"name": "rules vs hold-out", "unit": "agent", "queue": "refund",
                  "arms": [{"name": "rules", "kind": "rules", "weight": 1},
                           {"name": "hold-out", "kind": "off", "weight": 1}]}
    return {**experiment, **changes}


def problem(response, status, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if code is not None:
        assert response.json()["code"] == code


@pytest.mark.parametrize("role", ["supervisor", "admin"])
async def test_supervisors_and_admins_create_an_experiment_which_runs_from_now(client, auth, role):
    response = await client.post("/v1/experiments", json=body(), headers=auth("S1", role))
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["created_by"], created["unit"], created["queue"]) == ("running", "S1",
                                                                                          "agent", "refund")
    assert [a["control"] for a in created["arms"]] == [True, False]  # the first arm is the control by default
    listed = await client.get("/v1/experiments", headers=auth("T1", "trainer"))
    assert [e["id"] for e in listed.json()] == [created["id"]]


@pytest.mark.parametrize("role", ["agent", "trainer"])
async def test_agents_and_trainers_may_not_create_or_stop(client, auth, role):
    problem(await client.post("/v1/experiments", json=body(), headers=auth("A1", role)), 403, "role_forbidden")
    created = (await client.post("/v1/experiments", json=body(), headers=auth("S1", "supervisor"))).json()
    problem(await client.post(f"/v1/experiments/{created['id']}/stop", headers=auth("A1", role)), 403)


async def test_agents_may_not_read_experiments_or_their_results(client, db, auth):
    await known_experiment(db)
    problem(await client.get("/v1/experiments", headers=auth("A1", "agent")), 403, "role_forbidden")
    problem(await client.get(f"/v1/experiments/{EXPERIMENT}/results", headers=auth("A1", "agent")), 403)


@pytest.mark.parametrize("role", ["supervisor", "trainer", "admin"])
async def test_supervisors_trainers_and_admins_read_the_results(client, db, auth, role):
    await known_experiment(db)
    response = await client.get(f"/v1/experiments/{EXPERIMENT}/results?min_difference=0.3",
                                headers=auth("S1", role))
    assert response.status_code == 200
    result = response.json()
    assert [(a["arm"], a["contacts"]) for a in result["arms"]] == [("rules", 80), ("model", 70)]
    assert result["comparisons"][0]["needed_per_arm"] == 32


async def test_stopping_ends_it_and_a_second_stop_is_a_conflict(client, auth):
    created = (await client.post("/v1/experiments", json=body(), headers=auth("S1", "supervisor"))).json()
    stopped = await client.post(f"/v1/experiments/{created['id']}/stop", headers=auth("S2", "supervisor"))
    assert stopped.status_code == 200
    assert (stopped.json()["status"], stopped.json()["stopped_by"]) == ("stopped", "S2")
    problem(await client.post(f"/v1/experiments/{created['id']}/stop", headers=auth("S1", "supervisor")), 409,
            "experiment_stopped")


async def test_an_unknown_experiment_is_not_found(client, auth):
    problem(await client.get("/v1/experiments/X-nope/results", headers=auth("S1", "supervisor")), 404,
            "unknown_experiment")


async def test_an_unknown_model_version_is_refused(client, auth):
    arms = [{"name": "old", "kind": "model_version", "model_version": "v-none"}, {"name": "new", "kind": "model"}]
    problem(await client.post("/v1/experiments", json=body(arms=arms), headers=auth("S1", "supervisor")), 422,
            "unknown_model")


async def test_a_registered_model_version_is_accepted(client, db, auth):
    async with db.session() as s:
        s.add(ModelVersion(version="v-2026-12", path="v-2026-12", data_hash="abc"))
    arms = [{"name": "promoted", "kind": "model"}, {"name": "december", "kind": "model_version",
                                                    "model_version": "v-2026-12", "weight": 2}]
    response = await client.post("/v1/experiments", json=body(arms=arms), headers=auth("S1", "supervisor"))
    assert response.status_code == 201 and response.json()["arms"][1]["model_version"] == "v-2026-12"


@pytest.mark.parametrize("arms", [
    [{"name": "a", "kind": "rules", "weight": 0}, {"name": "b", "kind": "off"}],
    [{"name": "a", "kind": "rules", "weight": -1}, {"name": "b", "kind": "off"}],
    [{"name": "a", "kind": "rules"}],
    [{"name": "a", "kind": "rules"}, {"name": "a", "kind": "off"}],
    [{"name": "a", "kind": "rules"}, {"name": "b", "kind": "rules"}],
    [{"name": "a", "kind": "rules", "control": True}, {"name": "b", "kind": "off", "control": True}],
    [{"name": "a", "kind": "model_version"}, {"name": "b", "kind": "off"}],
    [{"name": "a", "kind": "rules", "model_version": "v1"}, {"name": "b", "kind": "off"}],
], ids=["zero-weight", "negative-weight", "one-arm", "same-name", "same-guidance", "two-controls",
        "version-missing", "version-on-rules"])
async def test_a_malformed_experiment_is_refused(client, auth, arms):
    problem(await client.post("/v1/experiments", json=body(arms=arms), headers=auth("S1", "supervisor")), 422,
            "invalid_input")


async def test_an_end_before_the_start_is_refused(client, auth):
    response = await client.post("/v1/experiments", json=body(start_at="2031-02-01T00:00:00Z",
                                                              end_at="2031-01-01T00:00:00Z"),
                                 headers=auth("S1", "supervisor"))
    problem(response, 422, "invalid_range")


@pytest.mark.parametrize(("first", "second"), [("refund", "refund"), (None, "refund"), ("refund", None)])
async def test_a_second_experiment_on_the_same_contacts_at_the_same_time_is_a_conflict(client, auth, first, second):
    assert (await client.post("/v1/experiments", json=body(queue=first),
                              headers=auth("S1", "supervisor"))).status_code == 201
    response = await client.post("/v1/experiments", json=body(queue=second, name="again"),
                                 headers=auth("S1", "supervisor"))
    problem(response, 409, "experiment_overlap")


async def test_experiments_on_other_queues_or_after_one_stopped_may_run(client, auth):
    first = (await client.post("/v1/experiments", json=body(queue="refund"), headers=auth("S1", "supervisor"))).json()
    assert (await client.post("/v1/experiments", json=body(queue="complaint"),
                              headers=auth("S1", "supervisor"))).status_code == 201
    await client.post(f"/v1/experiments/{first['id']}/stop", headers=auth("S1", "supervisor"))
    assert (await client.post("/v1/experiments", json=body(queue="refund"),
                              headers=auth("S1", "supervisor"))).status_code == 201


async def test_one_scheduled_after_another_ends_does_not_overlap(client, auth):
    assert (await client.post("/v1/experiments", json=body(end_at="2031-01-01T00:00:00Z"),
                              headers=auth("S1", "supervisor"))).status_code == 201
    later = await client.post("/v1/experiments", json=body(start_at="2031-01-01T00:00:00Z"),
                              headers=auth("S1", "supervisor"))
    assert later.status_code == 201 and later.json()["status"] == "scheduled"
