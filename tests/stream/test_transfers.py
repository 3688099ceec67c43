"""Transfers from the panel over the real websocket: to an agent, to a queue (routing picks by skill), to
another channel; the receiving agent gets the journey, the note and guidance on accept; a target that cannot
take the contact is refused with its own code and the contact stays with the first agent."""

from __future__ import annotations

import uuid

import httpx

from tests.stream.panel import Panel
from tests.stream.seed import seed
from tests.stream.test_routed_contacts import routing_client
from tests.stream.test_sessions import accepted, new_ids


def agent_ids(prefix: str) -> tuple[str, str]:
    n = uuid.uuid4().hex[:5]
    return f"{prefix}{n}a", f"{prefix}{n}b"


async def refund_in_progress(server, first: str, second: str):
    """``first`` has verified the customer and taken a 30.00 refund request; ``second`` is signed in."""
    cid, phone, email = new_ids()
    await seed(server, customer_id=cid, phone=phone, email=email, agents=(first, second))
    panel, session_id, _ = await accepted(server, first, {"email": email})
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                               "text": "My order arrived broken, I want my money back"})
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "request_refund",
                               "fields": {"amount": 30}})
    await panel.expect("prompt", action="offer_refund_small")
    return panel, session_id, cid, phone


async def online(server, agent_id: str, status: str = "available") -> Panel:
    panel = await Panel.open(server, agent_id)
    await panel.expect("hello")
    await panel.send("status", {"status": status})
    await panel.expect("status", status=status)
    return panel


async def test_a_transfer_to_an_available_agent_offers_them_the_journey_with_the_note(live_server):
    first, second = agent_ids("TA")
    panel, session_id, cid, _ = await refund_in_progress(live_server, first, second)
    receiver = await online(live_server, second)
    await panel.send("handoff_request", {"session_id": session_id, "channel": "chat", "to_agent": second,
                                         "note": "refund of 30 agreed, issue it"})
    handoff = await panel.expect("handoff")
    await panel.expect("session_closed", session_id=session_id)
    offered = await receiver.expect("offer")
    await receiver.send("accept", {"offer_id": offered["data"]["offer_id"]})
    context = await receiver.expect("context")
    await panel.close()
    await receiver.close()
    assert handoff["data"]["to_agent"] == second and handoff["data"]["note"] == "refund of 30 agreed, issue it"
    assert offered["data"]["handoff_from"] == first and offered["data"]["note"] == "refund of 30 agreed, issue it"
    assert context["data"]["handoff"] == {"from_agent": first, "note": "refund of 30 agreed, issue it"}
    assert context["data"]["current_journey"]["id"] == handoff["data"]["journey_id"]
    assert context["data"]["customer"]["id"] == cid


async def test_the_receiving_agent_is_prompted_on_accept_with_reasons_naming_the_handoff_and_the_note(live_server):
    first, second = agent_ids("TB")
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, agents=(first, second))
    panel, session_id, _ = await accepted(live_server, first, {"email": email})
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"})
    receiver = await online(live_server, second)
    await panel.send("handoff_request", {"session_id": session_id, "channel": "chat", "to_agent": second,
                                         "note": "customer will send the order number"})
    await panel.expect("session_closed", session_id=session_id)
    offered = await receiver.expect("offer")
    await receiver.send("accept", {"offer_id": offered["data"]["offer_id"]})
    prompt = await receiver.expect("prompt", session_id=offered["data"]["session_id"])
    await panel.close()
    await receiver.close()
    reasons = [r["text"] for r in prompt["data"]["reasons"]]
    assert prompt["data"]["action"] == "review_handoff"
    assert f"handed over by {first} from chat" in reasons
    assert "their note: customer will send the order number" in reasons
    assert "already done: identity verified" in reasons


async def test_a_transfer_to_a_queue_is_routed_to_an_agent_with_that_skill(live_server):
    first, second = agent_ids("TC")
    skill = f"xfer{uuid.uuid4().hex[:6]}"
    async with await routing_client(live_server) as acd:
        assert (await acd.put(f"/skills/{skill}", json={})).status_code in (200, 201)
        response = await acd.put(f"/agents/{second}", json={"skills": {skill: 3}, "languages": ["en"],
                                                            "capacity": {"chat": 1, "phone": 1},
                                                            "status": "available"})
        assert response.status_code in (200, 201), response.text
        panel, session_id, _, _ = await refund_in_progress(live_server, first, second)
        receiver = await Panel.open(live_server, second)
        await receiver.expect("hello")
        await panel.send("handoff_request", {"session_id": session_id, "channel": "phone", "to_queue": skill,
                                             "note": "needs a specialist"})
        await panel.expect("session_closed", session_id=session_id)
        offered = await receiver.expect("offer")
        await receiver.send("accept", {"offer_id": offered["data"]["offer_id"]})
        context = await receiver.expect("context")
        detail = (await acd.get(f"/agents/{second}")).json()
    await panel.close()
    await receiver.close()
    assert offered["data"]["handoff_from"] == first and offered["data"]["note"] == "needs a specialist"
    assert offered["data"]["channel"] == "phone" and offered["data"]["reason"] == "refund"
    journey = context["data"]["current_journey"]
    assert journey["channels"] == ["chat", "phone"] and journey["collected"]["refund_amount"] == 30
    assert [r["state"] for r in detail["reservations"]] == ["accepted"]


async def test_a_channel_change_keeps_the_journey_and_its_transaction_state_for_the_next_contact(live_server):
    first, second = agent_ids("TD")
    panel, session_id, _, phone = await refund_in_progress(live_server, first, second)
    await panel.send("handoff_request", {"session_id": session_id, "channel": "phone",
                                         "note": "customer will call back"})
    handoff = await panel.expect("handoff")
    await panel.expect("session_closed", session_id=session_id)
    await panel.close()
    call, _, context = await accepted(live_server, second, {"phone": phone}, channel="phone")
    await call.close()
    journey = context["data"]["current_journey"]
    assert handoff["data"]["to_agent"] is None and handoff["data"]["to_queue"] is None
    assert journey["id"] == handoff["data"]["journey_id"]
    assert journey["steps_done"] == ["identity_verified", "refund_requested"]
    assert journey["pending"] == ["refund_issued"] and journey["collected"]["refund_amount"] == 30
    assert journey["transcript_tail"][-1]["text"] == "handed off to phone: customer will call back"


async def refused(server, data: dict, prefix: str, code: str) -> None:
    """A transfer with ``data`` (``{second}``: a seeded agent who never signed in) is answered ``error``
    ``code``, and the contact still takes events."""
    first, second = agent_ids(prefix)
    cid, phone, email = new_ids()
    await seed(server, customer_id=cid, phone=phone, email=email, agents=(first, second))
    panel, session_id, _ = await accepted(server, first, {"email": email})
    data = {k: v.replace("{second}", second) for k, v in data.items()}
    await panel.send("handoff_request", {"session_id": session_id, "channel": "chat", **data}, message_id="t1")
    error = await panel.expect("error")
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "verify_identity"},
                     message_id="e1")
    ack = await panel.expect("ack", in_reply_to="e1")
    session = httpx.get(f"{server.base_url}/v1/sessions/{session_id}", headers=server.headers(first)).json()
    await panel.close()
    assert error["data"]["code"] == code and error["data"]["in_reply_to"] == "t1"
    assert ack["data"]["session_id"] == session_id
    assert session["status"] == "open" and session["agent_id"] == first
    assert "handoff" not in [m["type"] for m in panel.seen]


async def test_a_transfer_to_an_unknown_agent_is_refused_and_the_contact_stays(live_server):
    await refused(live_server, {"to_agent": "NOBODY-42"}, "TE", "unknown_agent")


async def test_a_transfer_to_an_agent_who_is_away_is_refused_and_the_contact_stays(live_server):
    first, second = agent_ids("TF")
    away = await online(live_server, second, "away")
    await away.close()
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, agents=(first, second))
    panel, session_id, _ = await accepted(live_server, first, {"email": email})
    await panel.send("handoff_request", {"session_id": session_id, "channel": "chat", "to_agent": second})
    error = await panel.expect("error")
    await panel.close()
    assert error["data"]["code"] == "agent_offline"


async def test_a_transfer_to_an_agent_who_never_signed_in_is_refused_as_offline(live_server):
    await refused(live_server, {"to_agent": "{second}"}, "TG", "agent_offline")


async def test_a_transfer_to_an_unknown_queue_is_refused_and_the_contact_stays(live_server):
    await refused(live_server, {"to_queue": "no_such_queue"}, "TH", "unknown_queue")


async def test_a_transfer_to_oneself_is_refused(live_server):
    first, _ = agent_ids("TI")
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, agents=(first,))
    panel, session_id, _ = await accepted(live_server, first, {"email": email})
    await panel.send("handoff_request", {"session_id": session_id, "channel": "chat", "to_agent": first})
    error = await panel.expect("error")
    await panel.close()
    assert error["data"]["code"] == "transfer_to_self"


async def test_naming_both_an_agent_and_a_queue_is_an_invalid_message(live_server):
    await refused(live_server, {"to_agent": "A2", "to_queue": "billing"}, "TJ", "invalid_message")


async def test_transfer_targets_list_other_agents_in_natural_order_with_their_availability(live_server):
    first, second = agent_ids("TK")
    n = uuid.uuid4().hex[:5]
    others = [f"TK{n}-2", f"TK{n}-10"]
    cid, phone, email = new_ids()
    await seed(live_server, customer_id=cid, phone=phone, email=email, agents=(first, second, *others))
    receiver = await online(live_server, second)
    targets = httpx.get(f"{live_server.base_url}/v1/transfer-targets", headers=live_server.headers(first)).json()
    await receiver.close()
    ids = [a["id"] for a in targets["agents"]]
    assert first not in ids
    assert ids.index(others[0]) < ids.index(others[1])
    by_id = {a["id"]: a for a in targets["agents"]}
    assert by_id[second]["available"] is True and by_id[others[0]]["available"] is False
    assert isinstance(targets["queues"], list)
