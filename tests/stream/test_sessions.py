"""A session end to end over the real websocket: offer, accept, context, prompts, feedback, close."""

from __future__ import annotations

import uuid

import httpx
from sqlmodel import select

from assist.journeys.state import JourneyState
from assist.sessions.state import SessionState
from assist.stores.redis import KeySpace, open_client
from assist.stores.sql import Database
from assist.stores.tables import AuditEntry, Interaction, PromptFeedback
from tests.stream.panel import Panel
from tests.stream.seed import api_key, seed


def new_ids() -> tuple[str, str, str]:
    n = uuid.uuid4().hex[:8]
    return f"C-{n}", f"+4411{int(n, 16) % 10**8:08d}", f"{n}@example.com"


def offer(server, agent_id: str, channel: str, identifiers: dict, reason: str = "refund") -> str:
    response = httpx.post(server.base_url + "/v1/contacts/offer",
                          json={"agent_id": agent_id, "channel": channel, "reason": reason,
                                "identifiers": identifiers}, headers=server.headers("X1", "admin"))
    assert response.status_code == 201, response.text
    return response.json()["session_id"]


async def accepted(server, agent: str, identifiers: dict, channel: str = "chat", reason: str = "refund"):
    panel = await Panel.open(server, agent)
    await panel.expect("hello")
    session_id = offer(server, agent, channel, identifiers, reason)
    await panel.expect("offer", offer_id=session_id)
    await panel.send("accept", {"offer_id": session_id})
    context = await panel.expect("context", session_id=session_id)
    return panel, session_id, context


async def rows(server, model, *where):
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            return (await s.exec(select(model).where(*where))).all()
    finally:
        await db.close()


async def test_offer_carries_no_customer_data_before_accept(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel = await Panel.open(live_server, "A1")
    await panel.expect("hello")
    offer(live_server, "A1", "chat", {"email": email})
    message = await panel.expect("offer")
    await panel.close()
    assert email not in str(message) and "Sam" not in str(message)
    assert message["seq"] >= 1


async def test_context_arrives_on_accept_with_masked_profile_history_and_journey(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, context = await accepted(live_server, "A1", {"email": email})
    await panel.close()
    card = context["data"]
    assert card["identity"]["status"] == "resolved"
    assert card["customer"]["id"] == cid
    assert card["customer"]["email"].startswith(email[0] + "***@")
    assert "date_of_birth" not in card["customer"]
    assert card["customer"]["churn_risk"] == 0.62
    assert [h["summary"] for h in card["history"]] == ["explained a charge"]
    assert card["current_journey"]["reason"] == "refund"
    assert card["current_journey"]["handled_by"][0]["agent_id"] == "A1"


async def test_context_push_is_audited(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await panel.close()
    [entry] = await rows(live_server, AuditEntry, AuditEntry.customer_id == cid)
    assert (entry.actor_id, entry.action) == ("A1", "context_push")
    assert session_id in entry.reason


async def test_new_identifier_is_linked_after_an_unambiguous_match(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, _, context = await accepted(live_server, "A1", {"email": email, "visitor_id": f"v-{cid}"})
    await panel.close()
    assert context["data"]["identity"]["linked"] == ["visitor_id"]


async def ambiguous(server):
    """A phone contact whose number two customers share, accepted by A1: (panel, session, context, one of them)."""
    cid1, phone, email1 = new_ids()
    cid2, _, email2 = new_ids()
    await seed(server, customer_id=cid1, phone=phone, email=email1)
    await seed(server, customer_id=cid2, phone=phone, email=email2)
    panel, session_id, context = await accepted(server, "A1", {"phone": phone}, channel="phone")
    return panel, session_id, context, cid2


async def test_ambiguous_identity_shows_no_customer_until_agent_picks_one(live_server):
    panel, session_id, context, cid2 = await ambiguous(live_server)
    identity = context["data"]["identity"]
    assert {k: identity[k] for k in ("status", "matched_on", "linked", "candidates")} == {
        "status": "ambiguous", "matched_on": ["phone"], "linked": [], "candidates": 2}
    assert context["data"]["customer"] is None and context["data"]["history"] == []
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "resolve_identity",
                               "fields": {"customer_id": cid2}})
    resolved = await panel.expect("context", session_id=session_id)
    await panel.close()
    assert resolved["data"]["customer"]["id"] == cid2


async def test_events_after_picking_the_customer_build_on_the_resolved_session(live_server):
    panel, session_id, _, cid2 = await ambiguous(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "resolve_identity",
                               "fields": {"customer_id": cid2}})
    await panel.expect("context", session_id=session_id)
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                               "text": "This is absolutely ridiculous, I am furious!"})
    prompt = await panel.expect("prompt", action="apologise_acknowledge")
    journey = await live_server_journey(live_server, prompt["data"]["journey_id"])
    await panel.close()
    assert journey.customer_id == cid2 and "identity_verified" in journey.steps_done
    assert journey.transcript[-1].text == "This is absolutely ridiculous, I am furious!"


async def live_server_journey(server, journey_id: str):
    """The journey's live state, read straight from the server's Redis."""
    client = open_client(server.settings.redis_url)
    try:
        raw = await client.hget(KeySpace(server.settings.redis_prefix).key("journey", journey_id, "live"), "json")
    finally:
        await client.aclose()
    return JourneyState.model_validate_json(raw)


async def test_picking_a_customer_who_was_not_a_candidate_is_refused(live_server):
    panel, session_id, _, _ = await ambiguous(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "resolve_identity",
                               "fields": {"customer_id": "C-someone-else"}})
    message = await panel.expect("error")
    await panel.close()
    assert message["data"]["code"] == "not_a_candidate"


async def test_first_prompt_asks_to_verify_identity_with_reasons(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    prompt = await panel.expect("prompt", session_id=session_id)
    await panel.close()
    assert prompt["data"]["action"] == "verify_identity"
    assert prompt["data"]["source"] == "rules"
    assert prompt["data"]["reasons"][0]["text"] == "identity not verified in this journey"


async def test_angry_utterance_brings_an_apology_prompt(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                               "text": "This is absolutely ridiculous, I am furious!"})
    prompt = await panel.expect("prompt", action="apologise_acknowledge")
    await panel.close()
    assert prompt["data"]["reasons"][0]["feature"] == "sentiment"


async def test_what_an_event_produced_reaches_the_panel_before_the_reply_to_its_next_message(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await panel.quiet(0.3)
    for n in range(5):
        await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "agent",
                                   "text": f"Let me look at that ({n})."}, message_id=f"e{n}")
        await panel.send("ping", message_id=f"p{n}")
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                               "text": "This is absolutely ridiculous, I am furious!"})
    await panel.send("ping", message_id="last")
    pong = await panel.expect("pong", in_reply_to="last")
    await panel.close()
    kinds = [(m["type"], m["data"].get("action")) for m in panel.seen]
    assert ("prompt", "apologise_acknowledge") in kinds
    assert kinds.index(("prompt", "apologise_acknowledge")) < panel.seen.index(pong)


async def test_refund_above_the_agents_limit_becomes_ask_supervisor_with_the_guardrail(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, refund_limit=50, agents=("A3",))
    panel, session_id, _ = await accepted(live_server, "A3", {"email": email})
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "request_refund",
                               "fields": {"amount": 120}})
    prompt = await panel.expect("prompt", action="escalate_supervisor")
    await panel.close()
    assert prompt["data"]["guardrails"] == ["empowerment limit: 120.00 is above your 50.00 refund limit"]


async def test_machine_can_post_events_over_rest_and_prompt_reaches_the_panel(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    key = await api_key(live_server, f"telephony-{cid}")
    response = httpx.post(f"{live_server.base_url}/v1/sessions/{session_id}/events",
                          json={"kind": "utterance", "speaker": "customer", "text": "I want a manager now"},
                          headers={"X-API-Key": key})
    turn = await panel.expect("transcript")
    prompt = await panel.expect("prompt", action="escalate_supervisor")
    await panel.close()
    assert response.status_code == 200
    assert (turn["data"]["speaker"], turn["data"]["text"]) == ("customer", "I want a manager now")
    assert prompt["data"]["title"] == "Customer asked for a supervisor"


async def test_prompt_feedback_is_recorded_once(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    prompt = await panel.expect("prompt", session_id=session_id)
    await panel.send("prompt_feedback", {"prompt_id": prompt["data"]["id"], "verdict": "accepted"}, "f1")
    ack = await panel.expect("ack")
    await panel.send("prompt_feedback", {"prompt_id": prompt["data"]["id"], "verdict": "dismissed"}, "f2")
    again = await panel.expect("error")
    await panel.close()
    [feedback] = await rows(live_server, PromptFeedback, PromptFeedback.prompt_id == prompt["data"]["id"])
    assert ack["data"]["in_reply_to"] == "f1"
    assert again["data"]["code"] == "already_answered"
    assert (feedback.verdict, feedback.agent_id) == ("accepted", "A1")


async def test_close_records_the_interaction_and_tells_the_panel(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await panel.send("close", {"session_id": session_id, "outcome": "resolved", "csat": 5,
                               "summary": "refund issued"})
    closed = await panel.expect("session_closed")
    await panel.close()
    [interaction] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert closed["data"] == {"session_id": session_id, "outcome": "resolved"}
    assert (interaction.outcome, interaction.csat, interaction.channel) == ("resolved", 5, "chat")


async def test_events_on_a_closed_session_are_refused(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await panel.send("close", {"session_id": session_id, "outcome": "unresolved"})
    await panel.expect("session_closed")
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "text": "hello?"})
    message = await panel.expect("error")
    await panel.close()
    assert message["data"]["code"] == "session_not_open"


async def test_event_for_unknown_session_over_rest_is_404_problem(live_server):
    key = await api_key(live_server, f"crm-{uuid.uuid4().hex[:6]}")
    response = httpx.post(f"{live_server.base_url}/v1/sessions/S-missing/events",
                          json={"kind": "crm", "fields": {"order": "O-1"}}, headers={"X-API-Key": key})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_session"


async def test_another_agent_cannot_post_events_into_a_session(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    panel, session_id, _ = await accepted(live_server, "A1", {"email": email})
    await panel.close()
    response = httpx.post(f"{live_server.base_url}/v1/sessions/{session_id}/events",
                          json={"kind": "utterance", "speaker": "agent", "text": "hi"},
                          headers=live_server.headers("A2"))
    assert response.status_code == 403


async def journeyless_session(server, agent_id: str, customer_id: str) -> str:
    """An open session without a journey, as an accept that failed half-way left one before that was fixed."""
    state = SessionState(agent_id=agent_id, channel="chat", reason="refund", status="open", customer_id=customer_id)
    client = open_client(server.settings.redis_url)
    try:
        await client.set(KeySpace(server.settings.redis_prefix).key("session", state.id, "state"),
                         state.model_dump_json(), ex=600)
    finally:
        await client.aclose()
    return state.id


async def test_an_open_session_without_a_journey_can_be_closed(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    session_id = await journeyless_session(live_server, "A1", cid)
    panel = await Panel.open(live_server, "A1")
    await panel.expect("hello")
    await panel.send("close", {"session_id": session_id, "outcome": "unresolved"})
    closed = await panel.expect("session_closed", session_id=session_id)
    await panel.close()
    [interaction] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert closed["data"]["outcome"] == "unresolved"
    assert (interaction.outcome, interaction.journey_id) == ("unresolved", None)


async def test_an_event_on_a_session_without_a_journey_says_so(live_server):
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email)
    session_id = await journeyless_session(live_server, "A1", cid)
    panel = await Panel.open(live_server, "A1")
    await panel.expect("hello")
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "text": "hello?"}, "e1")
    refused = await panel.expect("error", in_reply_to="e1")
    await panel.send("close", {"session_id": session_id, "outcome": "unresolved"})
    await panel.expect("session_closed", session_id=session_id)
    await panel.close()
    assert refused["data"]["code"] == "journey_gone"
