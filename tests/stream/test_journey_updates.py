"""The ``journey`` message: an event that changes what "Journey so far" shows pushes the journey as it is now,
in the same commit as the event's prompts (and ahead of them); one that changes nothing shown pushes none."""

from __future__ import annotations

import uuid

import httpx

from tests.stream.panel import Panel
from tests.stream.seed import api_key, seed
from tests.stream.test_sessions import accepted, new_ids


async def open_contact(server) -> tuple[Panel, str, str]:
    cid, phone, email = new_ids()
    agent = f"J{uuid.uuid4().hex[:6]}"
    await seed(server, customer_id=cid, phone=phone, email=email, agents=(agent,))
    panel, session_id, _ = await accepted(server, agent, {"email": email})
    await panel.expect("prompt", session_id=session_id)   # verify identity first
    return panel, session_id, agent


async def test_an_action_pushes_the_journey_with_the_step_done_and_the_checklist_ticked(live_server):
    panel, session_id, _ = await open_contact(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
    update = (await panel.expect("journey", session_id=session_id))["data"]
    await panel.close()
    assert update["steps_done"] == ["identity_verified"]
    assert update["pending"] == []
    assert update["channels"] == ["chat"]
    assert [h["session_id"] for h in update["handled_by"]] == [session_id]
    assert {i["id"]: i["done"] for i in update["checklist"]}["verify_identity"] is True


async def test_a_refund_request_pushes_the_collected_amount_and_the_pending_refund_before_its_prompt(live_server):
    panel, session_id, _ = await open_contact(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "request_refund",
                               "fields": {"amount": 120}})
    update = await panel.expect("journey", session_id=session_id)
    prompt = await panel.expect("prompt", session_id=session_id)
    await panel.close()
    assert update["data"]["collected"] == {"refund_amount": 120}
    assert update["data"]["pending"] == ["refund_issued"]
    assert prompt["seq"] == update["seq"] + 1


async def test_an_agent_line_that_changes_nothing_shown_pushes_no_journey(live_server):
    panel, session_id, _ = await open_contact(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "agent",
                               "text": "hello there"})
    await panel.send("ping", {}, message_id="p1")
    got = await panel.quiet(0.4)
    await panel.close()
    assert [m["type"] for m in got if m["type"] == "journey"] == []
    assert any(m["type"] == "pong" for m in got)


async def test_an_agent_line_that_ticks_the_checklist_pushes_the_journey(live_server):
    panel, session_id, _ = await open_contact(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "agent",
                               "text": "Could you answer a security question for me?"})
    update = (await panel.expect("journey", session_id=session_id))["data"]
    await panel.close()
    assert update["steps_done"] == []
    assert next(i for i in update["checklist"] if i["id"] == "verify_identity")["evidence"].startswith("said:")


async def test_a_crm_event_posted_by_a_machine_reaches_the_panel_as_collected_fields(live_server):
    panel, session_id, _ = await open_contact(live_server)
    key = await api_key(live_server, f"crm-{uuid.uuid4().hex[:6]}")
    response = httpx.post(f"{live_server.base_url}/v1/sessions/{session_id}/events", headers={"X-API-Key": key},
                          json={"kind": "crm", "fields": {"order_value": 80}})
    assert response.status_code == 200, response.text
    update = (await panel.expect("journey", session_id=session_id))["data"]
    await panel.close()
    assert update["collected"] == {"order_value": 80}


async def test_an_event_with_an_id_is_acknowledged_once_recorded(live_server):
    panel, session_id, _ = await open_contact(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "agent",
                               "text": "one moment please"}, message_id="line-1")
    ack = await panel.expect("ack")
    await panel.close()
    assert ack["data"] == {"in_reply_to": "line-1", "session_id": session_id}
