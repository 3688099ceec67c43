"""``?batch=1``: a panel that asks gets each step's messages as one frame holding a JSON array, in the order
unbatched frames would have brought them (a real uvicorn server, real Redis)."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from assist.stream.connection import batched_frames
from tests.stream.panel import Panel
from tests.stream.seed import seed
from tests.stream.test_sessions import new_ids, offer

ANGRY = "This is ridiculous, I am furious about this refund!"


async def accepted_panel(server, agent: str, batch: bool) -> tuple[Panel, str]:
    cid, phone, email = new_ids()
    await seed(server, customer_id=cid, phone=phone, email=email)
    panel = await Panel.open(server, agent, batch=batch)
    await panel.expect("hello")
    session_id = offer(server, agent, "chat", {"email": email})
    await panel.expect("offer", offer_id=session_id)
    await panel.send("accept", {"offer_id": session_id})
    await panel.expect("context", session_id=session_id)
    await panel.quiet(0.3)
    return panel, session_id


async def an_event(panel: Panel, session_id: str) -> list[dict]:
    """The messages an angry customer line brings, up to and including its prompt."""
    await panel.send("event", {"session_id": session_id, "kind": "utterance", "speaker": "customer",
                               "text": ANGRY}, message_id="line-1")
    first = len(panel.seen)
    await panel.expect("prompt", session_id=session_id)
    return panel.seen[first:]


async def test_an_events_ack_journey_card_and_prompt_arrive_in_one_frame(live_server):
    panel, session_id = await accepted_panel(live_server, "BF1", batch=True)
    frames_before = len(panel.frames)
    got = await an_event(panel, session_id)
    await panel.close()
    frame = panel.frames[frames_before]
    assert isinstance(frame, list)
    assert len(panel.frames) == frames_before + 1
    assert [m["type"] for m in frame] == [m["type"] for m in got] == ["ack", "journey", "prompt"]
    assert frame[0]["data"]["in_reply_to"] == "line-1"


async def test_batched_and_unbatched_panels_get_the_same_messages_for_an_event(live_server):
    kinds = []
    for agent, batch in (("BF2", False), ("BF3", True)):
        panel, session_id = await accepted_panel(live_server, agent, batch)
        got = await an_event(panel, session_id)
        await panel.close()
        kinds.append([(m["type"], m["seq"] is not None) for m in got])
    assert kinds[0] == kinds[1]


async def test_an_unbatched_panel_gets_one_message_per_frame(live_server):
    panel, session_id = await accepted_panel(live_server, "BF4", batch=False)
    await an_event(panel, session_id)
    await panel.close()
    assert all(isinstance(frame, dict) for frame in panel.frames)


async def test_a_batched_resume_brings_hello_and_the_missed_messages_in_one_frame(live_server):
    panel, session_id = await accepted_panel(live_server, "BF5", batch=True)
    await panel.close()
    resumed = await Panel.open(live_server, "BF5", resume_from=0, batch=True)
    first = await resumed.recv()
    replayed = [await resumed.recv() for _ in range(len(resumed.frames[0]) - 1)]
    await resumed.close()
    assert first["type"] == "hello"
    assert [m["seq"] for m in replayed] == list(range(1, len(replayed) + 1))
    assert {"offer", "context"} <= {m["type"] for m in replayed}
    assert len(resumed.frames) == 1


async def test_a_refusal_to_a_batched_panel_is_an_array_too(live_server):
    async with connect(f"{live_server.ws_url}/v1/agents/BF6/stream?batch=1") as ws:
        frame = json.loads(await ws.recv())
        assert [(m["type"], m["data"]["code"]) for m in frame] == [("error", "unauthorized")]


async def test_a_batch_other_than_0_or_1_gets_invalid_message_and_close_1008(live_server):
    url = f"{live_server.ws_url}/v1/agents/BF7/stream?batch=yes"
    async with connect(url, additional_headers={"Authorization": f"Bearer {live_server.token('BF7')}"}) as ws:
        message = json.loads(await ws.recv())
        assert (message["type"], message["data"]["code"]) == ("error", "invalid_message")
        assert "batch" in message["data"]["detail"]
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 1008


def test_batched_frames_keep_the_order_and_split_at_the_limit():
    texts = [json.dumps({"n": i, "pad": "x" * 40}) for i in range(10)]
    frames = batched_frames(texts, limit=200)
    assert len(frames) > 1
    assert all(len(f) <= 200 + 60 for f in frames)
    assert [m["n"] for f in frames for m in json.loads(f)] == list(range(10))


def test_a_message_larger_than_the_limit_goes_alone():
    big, small = json.dumps({"pad": "x" * 500}), json.dumps({"n": 1})
    assert [len(json.loads(f)) for f in batched_frames([small, big, small], limit=100)] == [1, 1, 1]
