"""Practice end to end: a real uvicorn server, real websocket panels, a trainer watching over HTTP.

Two scripted trainees take the same practice contact in the same run (so the same customer seed): the
good one follows the guidance and the policy, the bad one blames and repeats; their debriefs must be far
apart, and every message the panels got for the session must be flagged ``practice``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from assist.stores.sql import Database
from assist.stores.tables import Agent
from simulator.practice.scripts import SCRIPTS, Move
from tests.conftest import LiveServer
from tests.stream.panel import Panel

SCENARIO = "angry_billing_dispute"


async def add_agents(server: LiveServer, *agent_ids: str) -> None:
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            for agent_id in agent_ids:
                s.add(Agent(id=agent_id, name=agent_id, refund_limit=50.0))
    finally:
        await db.close()


def trainer(server: LiveServer) -> dict[str, str]:
    return server.headers("TR1", "trainer")


async def accept_offer(server: LiveServer, agent_id: str) -> tuple[Panel, str]:
    panel = await Panel.open(server, agent_id, resume_from=0)
    await panel.expect("hello")
    offer = await panel.expect("offer", practice=True)
    session_id = offer["data"]["offer_id"]
    await panel.send("accept", {"offer_id": session_id})
    await panel.expect("transcript", session_id=session_id, speaker="customer")
    return panel, session_id


async def answer_prompts(panel: Panel, answered: set[str]) -> None:
    """The good trainee accepts every prompt it has been shown."""
    for message in list(panel.seen):
        if message["type"] == "prompt" and message["data"]["id"] not in answered:
            answered.add(message["data"]["id"])
            await panel.send("prompt_feedback", {"prompt_id": message["data"]["id"], "verdict": "accepted"})


async def reply_or_end(panel: Panel, session_id: str) -> bool:
    """Wait for the customer's answer; False when the session ended instead (the customer hung up)."""
    while True:
        message = await panel.recv()
        data = message["data"]
        if message["type"] == "session_closed" and data.get("session_id") == session_id:
            return False
        if message["type"] == "error" and data["code"] == "session_not_open":
            return False
        if message["type"] == "transcript" and data.get("session_id") == session_id:
            return True


async def play(panel: Panel, session_id: str, moves: tuple[Move, ...], follow_guidance: bool,
               close: bool = True) -> bool:
    """Send each move and wait for the reply; returns False if the customer hung up first."""
    answered: set[str] = set()
    for move in moves:
        if follow_guidance:
            await answer_prompts(panel, answered)
        if move.action:
            event = {"kind": "action", "action": move.action, "fields": dict(move.fields)}
        else:
            event = {"kind": "utterance", "speaker": "agent", "text": move.text}
        await panel.send("event", {"session_id": session_id, **event})
        if not await reply_or_end(panel, session_id):
            return False
    if follow_guidance:
        await answer_prompts(panel, answered)
    if not close:
        return True
    await panel.send("close", {"session_id": session_id, "outcome": "resolved"})
    await panel.expect("session_closed", session_id=session_id)
    return True


async def debrief(server: LiveServer, session_id: str) -> dict[str, Any]:
    """The debrief once it is stored (it is computed right after ``session_closed`` goes out)."""
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        for _ in range(50):
            response = await client.get(f"/v1/practice/sessions/{session_id}/debrief", headers=trainer(server))
            if response.status_code == 200:
                return response.json()["debrief"]  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)
    raise AssertionError(f"no debrief for {session_id}: {response.text}")


def start_run(server: LiveServer, *trainees: str) -> dict[str, Any]:
    response = httpx.post(server.base_url + "/v1/practice/runs", headers=trainer(server), json={
        "name": "cohort", "scenarios": [SCENARIO], "trainees": list(trainees), "seed": 2024})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def session_messages(panel: Panel, session_id: str) -> list[dict[str, Any]]:
    return [m for m in panel.seen if m["type"] in ("offer", "context", "prompt", "transcript")
            and session_id in (m["data"].get("session_id"), m["data"].get("offer_id"))]


async def test_good_and_bad_trainees_score_far_apart_through_the_real_panel(live_server):
    good_id, bad_id = f"G-{uuid.uuid4().hex[:6]}", f"B-{uuid.uuid4().hex[:6]}"
    await add_agents(live_server, good_id, bad_id)
    start_run(live_server, good_id, bad_id)
    good_panel, good_session = await accept_offer(live_server, good_id)
    assert await play(good_panel, good_session, SCRIPTS[SCENARIO]["good"], follow_guidance=True)
    bad_panel, bad_session = await accept_offer(live_server, bad_id)
    closed_by_trainee = await play(bad_panel, bad_session, SCRIPTS[SCENARIO]["bad"], follow_guidance=False)
    good, bad = await debrief(live_server, good_session), await debrief(live_server, bad_session)
    await good_panel.close()
    await bad_panel.close()
    assert good["score"] >= 85 and bad["score"] <= 40, (good["score"], bad["score"])
    assert good["outcome"] == "resolved" and bad["outcome"] == "abandoned" and not closed_by_trainee
    guidance = {c["name"]: c["score"] for c in good["rubric"]}["guidance_use"]
    assert guidance == 1.0


async def test_every_message_of_the_practice_session_is_flagged(live_server):
    trainee = f"F-{uuid.uuid4().hex[:6]}"
    await add_agents(live_server, trainee)
    start_run(live_server, trainee)
    panel, session_id = await accept_offer(live_server, trainee)
    await play(panel, session_id, SCRIPTS[SCENARIO]["good"][:2], follow_guidance=False)
    await panel.close()
    messages = session_messages(panel, session_id)
    assert {m["type"] for m in messages} == {"offer", "context", "prompt", "transcript"}
    assert all(m["data"]["practice"] is True for m in messages)


async def test_the_trainer_watches_mood_and_transcript_live(live_server):
    trainee = f"W-{uuid.uuid4().hex[:6]}"
    await add_agents(live_server, trainee)
    run = start_run(live_server, trainee)
    panel, session_id = await accept_offer(live_server, trainee)
    await play(panel, session_id, SCRIPTS[SCENARIO]["good"][:1], follow_guidance=False, close=False)
    live = httpx.get(f"{live_server.base_url}/v1/practice/runs/{run['id']}", headers=trainer(live_server)).json()
    await panel.close()
    [watched] = live["sessions"]
    said = [(e["source"], e["text"]) for e in watched["log"] if e["kind"] == "utterance"]
    assert watched["status"] == "open" and watched["mood"] > -0.55
    assert [s for s, _ in said] == ["customer", "trainee", "customer"]
    assert said[1][1] == SCRIPTS[SCENARIO]["good"][0].text
    customer_lines = [m["data"]["text"] for m in panel.seen if m["type"] == "transcript"]
    assert [said[0][1], said[2][1]] == customer_lines
