"""A customer's temperament remembered across contacts: what one contact's words showed is recorded on its
interaction (with the customer's profiling consent), and the customer's next contact, on any channel, starts
from it; a CRM temperament wins; the panel shows it as a detection with its confidence, never as a fact."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction, PromptRecord
from tests.stream.seed import api_key, seed
from tests.stream.test_sessions import accepted, new_ids, rows

ANGRY = "this is an absolute disgrace, third time I've rung about this"


async def customer(server, *, profiling: bool = True, earlier: str | None = None) -> tuple[str, str, str, str]:
    """A seeded customer (ids, phone, email) and a fresh agent; ``earlier``: a temperament an earlier contact's
    words showed, recorded on an interaction that ended yesterday."""
    cid, phone, email = new_ids()
    agent = f"T{uuid.uuid4().hex[:6]}"
    await seed(server, customer_id=cid, phone=phone, email=email, agents=(agent,))
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            row = await s.get(Customer, cid)
            assert row is not None
            row.consent = {**row.consent, "profiling": profiling}
            s.add(row)
            if earlier is not None:
                yesterday = datetime.now(UTC) - timedelta(days=1)
                s.add(Interaction(id=f"I-earlier-{cid}", customer_id=cid, channel="chat", agent_id=agent,
                                  started_at=yesterday - timedelta(minutes=9), ended_at=yesterday,
                                  intent="refund", outcome="resolved", temperament=earlier,
                                  temperament_confidence=0.83))
    finally:
        await db.close()
    return cid, phone, email, agent


async def heard_angry(panel, session_id: str) -> dict:
    """Say angry lines until the journey shows the temperament served (the server trains its detector in the
    background at startup and reads no words until it is ready)."""
    for _ in range(40):
        await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                                   "text": ANGRY})
        update = (await panel.expect("journey", session_id=session_id))["data"]
        if update["temperament"] is not None and update["temperament"]["served"]:
            return update["temperament"]
        await asyncio.sleep(0.5)
    raise AssertionError("the customer's words never showed a temperament")


async def angry_contact(server, agent: str, identifiers: dict, channel: str = "chat",
                        outcome: str = "resolved") -> str:
    panel, session_id, _ = await accepted(server, agent, identifiers, channel=channel)
    await heard_angry(panel, session_id)
    await panel.send("close", {"session_id": session_id, "outcome": outcome})
    await panel.expect("session_closed")
    await panel.close()
    return session_id


async def test_what_a_contacts_words_showed_is_recorded_on_its_interaction(live_server):
    _, _, email, agent = await customer(live_server)
    session_id = await angry_contact(live_server, agent, {"email": email})
    [interaction] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    assert interaction.temperament == "angry"
    assert interaction.temperament_confidence >= live_server.settings.temperament_threshold


async def test_the_next_contact_starts_with_the_temperament_the_last_ones_words_showed(live_server):
    _, _, email, agent = await customer(live_server)
    await angry_contact(live_server, agent, {"email": email})
    panel, session_id, context = await accepted(live_server, agent, {"email": email})
    await panel.close()
    card = context["data"]
    assert card["current_journey"]["transcript_tail"] == []  # a new journey: nothing said on it yet
    heard = card["current_journey"]["temperament"]
    assert heard["temperament"] == "angry" and heard["earlier_contacts"] == 1
    for _ in range(50):  # the prompt log is written behind the event path
        if records := await rows(live_server, PromptRecord, PromptRecord.session_id == session_id):
            break
        await asyncio.sleep(0.1)
    assert records and all(r.context["temperament"] == "angry" for r in records)  # guidance used it


async def test_the_memory_crosses_channels(live_server):
    _, phone, email, agent = await customer(live_server)
    await angry_contact(live_server, agent, {"email": email}, channel="chat")
    panel, _, context = await accepted(live_server, agent, {"phone": phone}, channel="phone")
    await panel.close()
    card = context["data"]
    assert card["channel"] == "phone" and card["current_journey"]["temperament"]["temperament"] == "angry"


async def test_the_card_shows_it_as_a_detection_with_its_confidence_never_as_a_fact_of_the_record(live_server):
    _, _, email, agent = await customer(live_server, earlier="anxious")
    panel, _, context = await accepted(live_server, agent, {"email": email})
    await panel.close()
    card = context["data"]
    assert card["current_journey"]["temperament"] == {"temperament": "anxious", "confidence": 0.83, "served": True,
                                                      "earlier_contacts": 1, "share": 1.0}
    assert "temperament" not in card["customer"]


async def test_a_crm_temperament_wins_over_the_remembered_one(live_server):
    _, _, email, agent = await customer(live_server, earlier="angry")
    panel, session_id, _ = await accepted(live_server, agent, {"email": email})
    key = await api_key(live_server, f"crm-{uuid.uuid4().hex[:6]}")
    response = httpx.post(f"{live_server.base_url}/v1/sessions/{session_id}/events", headers={"X-API-Key": key},
                          json={"kind": "crm", "fields": {"temperament": "calm"}})
    assert response.status_code == 200, response.text
    update = (await panel.expect("journey", session_id=session_id))["data"]
    await panel.close()
    assert update["collected"] == {"temperament": "calm"} and update["temperament"] is None


async def test_without_profiling_consent_a_contacts_temperament_is_neither_recorded_nor_remembered(live_server):
    _, _, email, agent = await customer(live_server, profiling=False, earlier="analytical")
    session_id = await angry_contact(live_server, agent, {"email": email})
    [interaction] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    panel, _, context = await accepted(live_server, agent, {"email": email})
    await panel.close()
    assert interaction.temperament is None and interaction.temperament_confidence is None
    assert context["data"]["current_journey"]["temperament"] is None


async def test_a_follow_up_on_the_open_journey_hears_the_earlier_contacts_words_without_profiling_consent(
        live_server):
    _, phone, email, agent = await customer(live_server, profiling=False)
    await angry_contact(live_server, agent, {"email": email}, outcome="unresolved")
    panel, _, context = await accepted(live_server, agent, {"phone": phone}, channel="phone")
    await panel.close()
    journey = context["data"]["current_journey"]
    assert journey["transcript_tail"]  # the case's transcript, not a profile of the customer
    assert journey["temperament"]["temperament"] == "angry" and journey["temperament"]["earlier_contacts"] == 0


async def test_the_open_journeys_own_contacts_count_once_not_again_from_their_records(live_server):
    _, phone, email, agent = await customer(live_server, earlier="calm")
    await angry_contact(live_server, agent, {"email": email}, outcome="unresolved")
    panel, _, context = await accepted(live_server, agent, {"phone": phone}, channel="phone")
    await panel.close()
    heard = context["data"]["current_journey"]["temperament"]
    assert heard["earlier_contacts"] == 1  # yesterday's calm contact; the angry one is heard in the transcript
    assert heard["temperament"] == "angry" and 0.5 <= heard["share"] < 0.51  # twice counted: 2 in 3
