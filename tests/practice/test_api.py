"""The trainer API: who may call it (401/403), and bad input refused with a problem body, nothing stored.

These tests share one app (SQLite, see conftest.py), so each uses its own trainee ids and compares what is
stored before and after instead of expecting empty tables.
"""

from __future__ import annotations

import uuid

import pytest

from assist.journeys.state import Turn
from assist.stream.protocol import CloseData
from tests.practice.steps import act, add_trainees, as_trainee, practice_counts, stream

TRAINER = ("TR1", "trainer")
ROUTES = [("post", "/v1/practice/runs"), ("get", "/v1/practice/runs"), ("get", "/v1/practice/runs/PR-x"),
          ("get", "/v1/practice/scenarios"), ("post", "/v1/practice/runs/PR-x/trainees"),
          ("get", "/v1/practice/sessions/PS-x/replay")]


@pytest.fixture
async def trainee(shared_app) -> str:
    agent_id = f"T-{uuid.uuid4().hex[:8]}"
    await add_trainees(shared_app.state.db, agent_id)
    return agent_id


def run_body(trainee: str, **change: object) -> dict[str, object]:
    return {"name": "week 1", "scenarios": ["angry_billing_dispute"], "trainees": [trainee], "seed": 3, **change}


def assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_trainers_list_the_eight_scenarios(shared_client, shared_auth):
    response = await shared_client.get("/v1/practice/scenarios", headers=shared_auth(*TRAINER))
    assert response.status_code == 200
    assert len(response.json()) == 8
    billing = next(s for s in response.json() if s["name"] == "angry_billing_dispute")
    assert billing["reason"] == "billing_dispute" and billing["triggers"][0]["reaction"] == "demand_supervisor"


@pytest.mark.parametrize("who", [("TR1", "trainer"), ("X1", "admin")])
async def test_trainers_and_admins_create_runs(shared_client, shared_auth, trainee, who):
    response = await shared_client.post("/v1/practice/runs", json=run_body(trainee), headers=shared_auth(*who))
    assert response.status_code == 201, response.text
    assert response.json()["created_by"] == who[0] and response.json()["sessions"][0]["status"] == "offered"


async def test_no_credentials_is_401_everywhere(shared_client, shared_app, trainee):
    before = await practice_counts(shared_app.state.db)
    for method, path in ROUTES + [("get", "/v1/practice/sessions/PS-x/debrief")]:
        response = await shared_client.request(method, path, json=run_body(trainee))
        assert_problem(response, 401, "missing_credentials")
    assert await practice_counts(shared_app.state.db) == before


async def test_a_forged_token_is_401(shared_client):
    response = await shared_client.get("/v1/practice/scenarios", headers={"Authorization": "Bearer not-a-token"})
    assert_problem(response, 401, "invalid_token")


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_agents_and_supervisors_are_403_on_every_trainer_route(shared_client, shared_app, shared_auth,
                                                                      trainee, role):
    before = await practice_counts(shared_app.state.db)
    for method, path in ROUTES:
        response = await shared_client.request(method, path, json={"trainees": [trainee], **run_body(trainee)},
                                               headers=shared_auth(trainee, role))
        assert_problem(response, 403, "role_forbidden")
    assert await practice_counts(shared_app.state.db) == before
    assert await stream(shared_app, trainee) == []


@pytest.mark.parametrize(("change", "code"), [
    ({"scenarios": ["angry_billing_dispute", "no_such_scenario"]}, "unknown_scenario"),
    ({"scenarios": ["repeated_outage", "repeated_outage"]}, "duplicate_scenario"),
    ({"trainees": ["{t}", "{t}"]}, "duplicate_trainee"),
    ({"trainees": ["{t}", "GHOST"]}, "unknown_trainee"),
    ({"scenarios": []}, "invalid_input"),
    ({"scenarios": ["Angry Billing"]}, "invalid_input"),
    ({"trainees": ["T 1"]}, "invalid_input"),
    ({"name": ""}, "invalid_input"),
    ({"seed": -1}, "invalid_input"),
])
async def test_bad_runs_are_422_and_store_nothing(shared_client, shared_app, shared_auth, trainee, change, code):
    if "trainees" in change:
        change = {"trainees": [t.format(t=trainee) for t in change["trainees"]]}
    before = await practice_counts(shared_app.state.db)
    response = await shared_client.post("/v1/practice/runs", json=run_body(trainee, **change),
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 422, code)
    assert await practice_counts(shared_app.state.db) == before
    assert await stream(shared_app, trainee) == []


async def test_a_body_that_is_not_json_is_422(shared_client, shared_app, shared_auth):
    before = await practice_counts(shared_app.state.db)
    response = await shared_client.post("/v1/practice/runs", content=b"{nope", headers={
        **shared_auth(*TRAINER), "content-type": "application/json"})
    assert_problem(response, 422, "invalid_input")
    assert await practice_counts(shared_app.state.db) == before


async def test_an_unknown_run_is_404(shared_client, shared_auth):
    response = await shared_client.get("/v1/practice/runs/PR-nope", headers=shared_auth(*TRAINER))
    assert_problem(response, 404, "unknown_practice_run")


async def new_run(shared_client, shared_auth, trainee: str, **change: object) -> dict:
    response = await shared_client.post("/v1/practice/runs", json=run_body(trainee, **change),
                                        headers=shared_auth(*TRAINER))
    assert response.status_code == 201, response.text
    return response.json()


async def test_assigning_more_trainees_offers_them_the_first_scenario(shared_client, shared_app, shared_auth,
                                                                      trainee):
    run = await new_run(shared_client, shared_auth, trainee)
    other = f"T-{uuid.uuid4().hex[:8]}"
    await add_trainees(shared_app.state.db, other)
    response = await shared_client.post(f"/v1/practice/runs/{run['id']}/trainees", json={"trainees": [other]},
                                        headers=shared_auth(*TRAINER))
    assert response.status_code == 200
    assert response.json()["trainees"] == sorted([trainee, other])
    assert [m["type"] for m in await stream(shared_app, other)] == ["offer"]


async def test_assigning_a_trainee_twice_is_409_and_changes_nothing(shared_client, shared_app, shared_auth,
                                                                    trainee):
    run = await new_run(shared_client, shared_auth, trainee)
    before = await practice_counts(shared_app.state.db)
    response = await shared_client.post(f"/v1/practice/runs/{run['id']}/trainees", json={"trainees": [trainee]},
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 409, "already_assigned")
    assert await practice_counts(shared_app.state.db) == before
    assert [m["type"] for m in await stream(shared_app, trainee)] == ["offer"]


async def test_assigning_to_an_unknown_run_is_404(shared_client, shared_app, shared_auth, trainee):
    before = await practice_counts(shared_app.state.db)
    response = await shared_client.post("/v1/practice/runs/PR-nope/trainees", json={"trainees": [trainee]},
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 404, "unknown_practice_run")
    assert await practice_counts(shared_app.state.db) == before


async def finished_session(shared_app, shared_client, shared_auth, trainee: str) -> str:
    run = await new_run(shared_client, shared_auth, trainee)
    session_id = run["sessions"][0]["session_id"]
    service = shared_app.state.session_service
    await service.accept(as_trainee(trainee), session_id)
    await service.close(as_trainee(trainee), CloseData(session_id=session_id, outcome="unresolved"))
    return session_id


async def test_the_trainee_reads_their_own_debrief(shared_app, shared_client, shared_auth, trainee):
    session_id = await finished_session(shared_app, shared_client, shared_auth, trainee)
    response = await shared_client.get(f"/v1/practice/sessions/{session_id}/debrief",
                                       headers=shared_auth(trainee, "agent"))
    assert response.status_code == 200
    names = [c["name"] for c in response.json()["debrief"]["rubric"]]
    assert names == ["resolution", "de_escalation", "communication", "policy_compliance", "guidance_use",
                     "handle_time", "customer_effort"]


async def test_another_agent_may_not_read_a_debrief(shared_app, shared_client, shared_auth, trainee):
    session_id = await finished_session(shared_app, shared_client, shared_auth, trainee)
    response = await shared_client.get(f"/v1/practice/sessions/{session_id}/debrief",
                                       headers=shared_auth("someone-else", "agent"))
    assert_problem(response, 403, "not_your_session")


async def test_a_debrief_before_the_session_ends_is_409(shared_client, shared_auth, trainee):
    run = await new_run(shared_client, shared_auth, trainee)
    response = await shared_client.get(f"/v1/practice/sessions/{run['sessions'][0]['id']}/debrief",
                                       headers=shared_auth(*TRAINER))
    assert_problem(response, 409, "practice_not_finished")


async def test_an_unknown_practice_session_is_404(shared_client, shared_auth):
    response = await shared_client.get("/v1/practice/sessions/PS-nope/debrief", headers=shared_auth(*TRAINER))
    assert_problem(response, 404, "unknown_practice_session")


async def test_a_run_scores_its_debriefs_with_the_trainers_rubric(shared_app, shared_client, shared_auth, trainee):
    weights = {"resolution": 2, "de_escalation": 1, "communication": 4, "policy_compliance": 1,
               "guidance_use": 1, "handle_time": 0, "customer_effort": 1}
    run = await new_run(shared_client, shared_auth, trainee, weights=weights)
    assert run["weights"]["communication"] == pytest.approx(0.4)
    session_id = run["sessions"][0]["session_id"]
    service = shared_app.state.session_service
    await service.accept(as_trainee(trainee), session_id)
    await service.close(as_trainee(trainee), CloseData(session_id=session_id, outcome="unresolved"))
    response = await shared_client.get(f"/v1/practice/sessions/{session_id}/debrief", headers=shared_auth(*TRAINER))
    rubric = {c["name"]: c["weight"] for c in response.json()["debrief"]["rubric"]}
    assert rubric["communication"] == pytest.approx(0.4) and rubric["handle_time"] == 0
    check = await shared_client.get(f"/v1/practice/sessions/{session_id}/replay", headers=shared_auth(*TRAINER))
    assert check.json()["matches"], check.json()["differences"]


@pytest.mark.parametrize("weights", [{"resolution": 1.0}, dict.fromkeys(
    ["resolution", "de_escalation", "communication", "policy_compliance", "guidance_use", "handle_time",
     "customer_effort", "charm"], 1.0), dict.fromkeys(
    ["resolution", "de_escalation", "communication", "policy_compliance", "guidance_use", "handle_time",
     "customer_effort"], 0.0)])
async def test_rubric_weights_that_are_not_a_full_rubric_are_422_and_nothing_is_stored(
        shared_client, shared_app, shared_auth, trainee, weights):
    before = await practice_counts(shared_app.state.db)
    response = await shared_client.post("/v1/practice/runs", json=run_body(trainee, weights=weights),
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 422, "invalid_weights")
    assert await practice_counts(shared_app.state.db) == before


async def test_a_trainee_reads_their_runs_over_time(shared_app, shared_client, shared_auth, trainee):
    await finished_session(shared_app, shared_client, shared_auth, trainee)
    await finished_session(shared_app, shared_client, shared_auth, trainee)
    response = await shared_client.get(f"/v1/practice/trainees/{trainee}/history",
                                       headers=shared_auth(trainee, "agent"))
    assert response.status_code == 200
    history = response.json()
    assert [s["scenario"] for s in history["sessions"]] == ["angry_billing_dispute"] * 2
    assert "communication" in history["sessions"][0]["criteria"]
    progress = history["progress"][0]
    assert progress["runs"] == 2 and progress["change"] == pytest.approx(progress["latest"] - progress["first"])


async def test_another_agent_may_not_read_a_trainees_history(shared_client, shared_auth, trainee):
    response = await shared_client.get(f"/v1/practice/trainees/{trainee}/history",
                                       headers=shared_auth("someone-else", "agent"))
    assert_problem(response, 403, "not_your_history")


async def closed_journey(app, **change: object) -> str:
    journeys = app.state.session_service.journeys
    state = await journeys.create(None, "billing_dispute")
    state.status = "closed"
    state.channels = ["phone"]
    state.steps_done = ["verify_identity", "offer_refund_small"]
    state.transcript = [Turn(channel="phone", speaker="customer",
                             text="This is Jane Doe, you charged me 35.00 twice again, call me on 07700 900123."),
                        Turn(channel="phone", speaker="agent", text="I'm sorry, let me look.")]
    for key, value in change.items():
        setattr(state, key, value)
    await journeys.put(state)
    return state.id


async def test_a_trainer_builds_a_masked_scenario_from_a_closed_journey_and_runs_it(
        shared_app, shared_client, shared_auth, trainee):
    journey_id = await closed_journey(shared_app)
    name = f"journey_{uuid.uuid4().hex[:8]}"
    response = await shared_client.post("/v1/practice/scenarios/from-journey",
                                        json={"journey_id": journey_id, "name": name}, headers=shared_auth(*TRAINER))
    assert response.status_code == 201, response.text
    assert response.json()["resolves"] == ["offer_refund_small"]
    listed = await shared_client.get("/v1/practice/scenarios", headers=shared_auth(*TRAINER))
    assert name in [s["name"] for s in listed.json()]
    run = await new_run(shared_client, shared_auth, trainee, scenarios=[name])
    session_id = run["sessions"][0]["session_id"]
    await shared_app.state.session_service.accept(as_trainee(trainee), session_id)
    opening = [m for m in await stream(shared_app, trainee) if m["type"] == "transcript"]
    assert "35.00 twice" in str(opening) and "07700" not in str(opening) and "Jane" not in str(opening)
    await act(shared_app, trainee, session_id, "verify_identity")
    await act(shared_app, trainee, session_id, "offer_refund_small", amount=35)
    await shared_app.state.session_service.close(as_trainee(trainee), CloseData(session_id=session_id,
                                                                               outcome="resolved"))
    debrief = await shared_client.get(f"/v1/practice/sessions/{session_id}/debrief", headers=shared_auth(*TRAINER))
    assert debrief.json()["debrief"]["outcome"] == "resolved"


async def test_an_open_journey_cannot_become_a_scenario(shared_app, shared_client, shared_auth):
    journey_id = await closed_journey(shared_app, status="open")
    response = await shared_client.post("/v1/practice/scenarios/from-journey", json={"journey_id": journey_id},
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 422, "journey_not_usable")


async def test_an_unknown_journey_is_404(shared_client, shared_auth):
    response = await shared_client.post("/v1/practice/scenarios/from-journey", json={"journey_id": "J-nope"},
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 404, "unknown_journey")


async def test_a_taken_scenario_name_is_409(shared_app, shared_client, shared_auth):
    journey_id = await closed_journey(shared_app)
    response = await shared_client.post("/v1/practice/scenarios/from-journey",
                                        json={"journey_id": journey_id, "name": "angry_billing_dispute"},
                                        headers=shared_auth(*TRAINER))
    assert_problem(response, 409, "scenario_exists")
