"""What the customer says reaches the journey card: the sentiment trend of their last turns, and for a routed
contact that arrived as ``general``, the reason their words name (with its confidence), which guidance and
the checklist then follow."""

from __future__ import annotations

from assist.stores.tables import Interaction, Journey
from tests.stream.test_journey_updates import open_contact
from tests.stream.test_routed_contacts import routed_and_accepted, routing_client
from tests.stream.test_sessions import rows


async def say(panel, session_id: str, text: str) -> None:
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer", "text": text})


async def test_each_customer_line_pushes_the_journey_with_its_sentiment_trend(live_server):
    panel, session_id, _ = await open_contact(live_server)
    await say(panel, session_id, "thanks, you have been really helpful")
    first = (await panel.expect("journey", session_id=session_id))["data"]
    await say(panel, session_id, "this is not good, I am really disappointed")
    second = (await panel.expect("journey", session_id=session_id))["data"]
    await panel.close()
    assert len(first["sentiment_trend"]) == 1 and first["sentiment_trend"][0] > 0.3
    assert second["sentiment_trend"][0] == first["sentiment_trend"][0] and second["sentiment_trend"][1] < -0.3


async def test_a_contact_offered_with_a_reason_keeps_it_whatever_is_said(live_server):
    panel, session_id, _ = await open_contact(live_server)   # offered as a refund
    await say(panel, session_id, "nobody on my street has had any internet since this morning")
    update = (await panel.expect("journey", session_id=session_id))["data"]
    await panel.close()
    assert update["reason"] == "refund" and update["intent"] is None


async def test_a_routed_general_contact_takes_its_reason_from_the_customers_words(live_server):
    async with await routing_client(live_server) as acd:
        panel, _, _, _, offer, context = await routed_and_accepted(live_server, acd, "IN")
    session_id = offer["data"]["offer_id"]
    await say(panel, session_id, "hello")
    greeting = (await panel.expect("journey", session_id=session_id))["data"]
    await say(panel, session_id, "the bill you sent this month has a charge on it I never agreed to")
    named = (await panel.expect("journey", session_id=session_id))["data"]
    prompt = (await panel.expect("prompt", session_id=session_id))["data"]
    await panel.close()
    assert context["data"]["reason"] == "general"
    assert greeting["reason"] == "general" and greeting["intent"]["adopted"] is False
    assert named["reason"] == "billing_dispute"
    assert named["intent"]["reason"] == "billing_dispute" and named["intent"]["adopted"] is True
    assert named["intent"]["confidence"] >= live_server.settings.intent_threshold and named["intent"]["turns"] == 2
    assert "record_reason" in {i["id"] for i in named["checklist"]}    # the billing dispute's checklist
    assert prompt["action"] == "verify_identity"                       # an account reason: verify first


async def test_the_interaction_of_a_routed_general_contact_is_recorded_under_the_reason_its_words_named(live_server):
    async with await routing_client(live_server) as acd:
        panel, _, _, _, offer, _ = await routed_and_accepted(live_server, acd, "IR")
    session_id = offer["data"]["offer_id"]
    await say(panel, session_id, "my parcel was due on Monday and the tracking has not moved since")
    journey_id = (await panel.expect("journey", session_id=session_id))["data"]["journey_id"]
    await panel.send("close", {"session_id": session_id, "outcome": "resolved"})
    await panel.expect("session_closed")
    await panel.close()
    [interaction] = await rows(live_server, Interaction, Interaction.id == f"I-{session_id}")
    [journey] = await rows(live_server, Journey, Journey.id == journey_id)
    assert interaction.intent == "order_status" and journey.reason == "order_status"
