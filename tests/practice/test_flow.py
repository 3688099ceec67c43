"""Practice sessions through the real SessionService, Redis and SQL: the persona talks, the log fills,
the debrief lands, the queue moves on. (The websocket end to end is in test_live.py.)"""

from __future__ import annotations

from assist.sessions.events import handle_event
from assist.stream.protocol import CloseData, EventData
from tests.practice.steps import act, add_trainees, as_trainee, say, stream

TRAINER = ("TR1", "trainer")


async def start_run(client, db, auth, trainees=("T1",), scenarios=("angry_billing_dispute",), seed=11):
    await add_trainees(db, *trainees)
    response = await client.post("/v1/practice/runs", headers=auth(*TRAINER), json={
        "name": "week 1", "scenarios": list(scenarios), "trainees": list(trainees), "seed": seed})
    assert response.status_code == 201, response.text
    return response.json()


async def opened(app, client, db, auth, **kw):
    run = await start_run(client, db, auth, **kw)
    first = run["sessions"][0]
    await app.state.session_service.accept(as_trainee(first["trainee_id"]), first["session_id"])
    return run, first["session_id"]


async def watch(client, auth, run_id):
    return (await client.get(f"/v1/practice/runs/{run_id}", headers=auth(*TRAINER))).json()


async def test_a_run_offers_each_trainee_a_practice_contact(app, client, db, auth):
    run = await start_run(client, db, auth, trainees=("T1", "T2"))
    for trainee in ("T1", "T2"):
        [offer] = [m for m in await stream(app, trainee) if m["type"] == "offer"]
        assert offer["data"]["practice"] is True
        assert offer["data"]["reason"] == "billing_dispute" and offer["data"]["channel"] == "phone"
    assert {s["status"] for s in run["sessions"]} == {"offered"}


async def test_on_accept_the_persona_speaks_first_flagged_practice(app, client, db, auth):
    run, session_id = await opened(app, client, db, auth)
    [opening] = [m for m in await stream(app, "T1") if m["type"] == "transcript"]
    assert opening["data"]["speaker"] == "customer" and opening["data"]["practice"] is True
    live = (await watch(client, auth, run["id"]))["sessions"][0]
    assert live["status"] == "open" and live["mood"] == -0.55
    [said] = [e for e in live["log"] if e["source"] == "customer"]
    assert said["text"] == opening["data"]["text"] and said["mood"] == -0.55


async def test_every_message_of_a_practice_session_is_flagged(app, client, db, auth):
    _, session_id = await opened(app, client, db, auth)
    await say(app, "T1", session_id, "I'm so sorry, I understand how frustrating this is.")
    messages = [m for m in await stream(app, "T1") if m["type"] in ("offer", "context", "prompt", "transcript")]
    assert {m["type"] for m in messages} == {"offer", "context", "prompt", "transcript"}
    assert all(m["data"]["practice"] is True for m in messages)


async def test_a_trainee_turn_gets_a_reply_and_moves_the_mood(app, client, db, auth):
    run, session_id = await opened(app, client, db, auth)
    await say(app, "T1", session_id, "I'm so sorry, I understand how frustrating this is.")
    transcripts = [m for m in await stream(app, "T1") if m["type"] == "transcript"]
    live = (await watch(client, auth, run["id"]))["sessions"][0]
    assert len(transcripts) == 2
    assert live["mood"] > -0.55
    assert [e["source"] for e in live["log"] if e["kind"] != "prompt"] == ["customer", "trainee", "customer"]


async def test_prompts_shown_are_logged_for_the_debrief(app, client, db, auth):
    run, _ = await opened(app, client, db, auth)
    live = (await watch(client, auth, run["id"]))["sessions"][0]
    prompts = [e["action"] for e in live["log"] if e["kind"] == "prompt"]
    assert "verify_identity" in prompts and "apologise_acknowledge" in prompts


async def test_customer_utterances_are_not_answered(app, client, db, auth):
    run, session_id = await opened(app, client, db, auth)
    await handle_event(app.state.session_service, as_trainee("T1"),
                       EventData(session_id=session_id, kind="utterance", speaker="customer", text="Hello?"))
    live = (await watch(client, auth, run["id"]))["sessions"][0]
    assert [e["source"] for e in live["log"] if e["kind"] == "utterance"] == ["customer"]


async def test_closing_stores_the_debrief_and_offers_the_next_scenario(app, client, db, auth):
    run, session_id = await opened(app, client, db, auth,
                                   scenarios=("angry_billing_dispute", "repeated_outage"))
    await say(app, "T1", session_id, "I'm so sorry you were charged twice. I understand how frustrating it is.")
    await act(app, "T1", session_id, "verify_identity")
    await act(app, "T1", session_id, "offer_refund_small", amount=35)
    await app.state.session_service.close(as_trainee("T1"), CloseData(session_id=session_id, outcome="resolved"))
    debrief = (await client.get(f"/v1/practice/sessions/{session_id}/debrief", headers=auth("T1", "agent"))).json()
    assert debrief["debrief"]["outcome"] == "resolved" and debrief["debrief"]["claimed_outcome"] == "resolved"
    assert debrief["debrief"]["score"] >= 80
    offers = [m for m in await stream(app, "T1") if m["type"] == "offer"]
    assert [o["data"]["reason"] for o in offers] == ["billing_dispute", "outage"]
    sessions = (await watch(client, auth, run["id"]))["sessions"]
    assert [s["status"] for s in sessions] == ["closed", "offered"]


async def test_the_customer_hanging_up_closes_the_session(app, client, db, auth):
    run, session_id = await opened(app, client, db, auth, scenarios=("abusive_customer",))
    await say(app, "T1", session_id, "Calm down, whatever.")
    closed = [m for m in await stream(app, "T1") if m["type"] == "session_closed"]
    assert closed and closed[0]["data"] == {"session_id": session_id, "outcome": "abandoned"}
    live = await watch(client, auth, run["id"])
    assert live["status"] == "finished"
    assert live["sessions"][0]["outcome"] == "abandoned" and live["sessions"][0]["score"] < 40


async def test_a_stored_session_replays_exactly(app, client, db, auth):
    _, session_id = await opened(app, client, db, auth)
    for text in ("Can you explain the problem from the beginning?", "You should have checked your statement."):
        await say(app, "T1", session_id, text)
    current = await app.state.session_service.sessions.get(session_id)
    if current.status == "open":
        await app.state.session_service.close(as_trainee("T1"), CloseData(session_id=session_id, outcome="resolved"))
    check = (await client.get(f"/v1/practice/sessions/{session_id}/replay", headers=auth(*TRAINER))).json()
    assert check["matches"] is True, check["differences"]


async def test_declining_moves_on_to_the_next_scenario(app, client, db, auth):
    run = await start_run(client, db, auth, scenarios=("angry_billing_dispute", "repeated_outage"))
    await app.state.session_service.decline(as_trainee("T1"), run["sessions"][0]["session_id"], "busy")
    sessions = (await watch(client, auth, run["id"]))["sessions"]
    assert [s["status"] for s in sessions] == ["declined", "offered"]
