"""The simulated agents of ``bench/capacity_bench.py``: one client process's share of them.

A client process runs its own event loop (uvloop when installed) and is driven by the bench over a pipe:
``("add", agents)`` opens each new agent's panel (``/v1/agents/{id}/stream``, an agent token, its ``hello``),
offers it a chat contact (POST /v1/contacts/offer with an admin token), accepts it on the panel and waits for
the contact's context and first prompt (untimed). ``("run", start, window, interval, seed)`` then makes every
agent it holds send a customer event every ``interval`` seconds from a jittered first send (uniform over the
first interval, so agents never fire in lockstep) until ``window`` seconds after ``start`` (wall clock,
shared by every client process), and times each event from just before ``send`` to the frame that answers it:
the ``prompt`` of that session when the event produced one (it must come from the guidance measured: a
prompt from anything else stops the bench, as in ``stream_bench.py``), else the session's ``journey`` update
that follows the event's ``ack`` (the event was recorded and guided, and there was nothing new to show: an
action is never shown twice on a session, so the rules are often silent; the model suggests on every event). An
``error`` frame or no answer within the interval is an error. ``("stop",)`` closes everything.

The client's own CPU over each window (``time.process_time``) goes back with the latencies, so the reader can
see whether the load generator, which shares the cores with the server, was the limit.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from bench.panel_frames import BATCH, PanelReader, expect

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
SETUP_CONCURRENCY = 3
"""Accepts in flight at once per client process (see ``stream_bench.SETUP_CONCURRENCY``: an accept holds a
pooled SQL connection; two client processes keep the service at 6)."""
JOURNEY_TO_PROMPT_S = 0.05
"""How long after the journey update its prompt may follow (they are one write; only an event with nothing new
to show, the rules' usual case, waits this out: untimed, it delays only that agent's next read)."""
TEXTS = ("This is ridiculous, I am furious!", "I was charged twice for the same order.",
         "Can I get a refund for this?", "It still has not arrived and I need it this week.",
         "Nobody called me back last time.", "I want to cancel my account.")
"""What the customers say, in turn: the model's input moves on with every event, as on a real call."""


@dataclass
class Agent:
    agent_id: str
    email: str
    ws: Any = None
    reader: Any = None
    session_id: str = ""
    sent: int = 0


@dataclass
class Window:
    latencies_ms: list[float] = field(default_factory=list)
    by_prompt: int = 0
    by_journey: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    slow: list[tuple[float, float]] = field(default_factory=list)
    """(send time in the window in s, ms) of the answers over 100 ms: when in the window they bunch."""
    begin: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class NotMeasured(RuntimeError):
    """A prompt the guidance measured did not give."""


class Client:
    def __init__(self, port: int, kind: str, model_version: str | None, batched: bool = True) -> None:
        from pydantic import SecretStr

        from assist.auth.tokens import create_token
        from assist.settings import Settings

        self.settings = Settings(jwt_secret=SecretStr(SECRET), environment="test")
        self.token = create_token
        self.port, self.kind, self.model_version = port, kind, model_version
        self.query = f"?{BATCH}" if batched else ""
        self.agents: list[Agent] = []

    def check(self, prompt: dict[str, Any]) -> None:
        source, version = prompt.get("source"), prompt.get("model_version")
        if self.kind == "model" and (source != "model" or version != self.model_version):
            raise NotMeasured(f"prompt from {source!r} {version!r}, expected the model {self.model_version!r}")
        if self.kind == "rules" and source != "rules":
            raise NotMeasured(f"prompt from {source!r}, expected the rules")

    async def add(self, agents: list[tuple[str, str]]) -> dict[str, Any]:
        import httpx
        from websockets.asyncio.client import connect

        started = time.perf_counter()
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)
        admin = {"Authorization": f"Bearer {self.token(self.settings, 'X1', 'admin')}"}
        fresh = [Agent(a, e) for a, e in agents]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", headers=admin, timeout=60,
                                     limits=httpx.Limits(max_connections=8)) as http:

            async def one(agent: Agent) -> None:
                auth = {"Authorization": f"Bearer {self.token(self.settings, agent.agent_id, 'agent')}"}
                async with gate:
                    agent.ws = await connect(
                        f"ws://127.0.0.1:{self.port}/v1/agents/{agent.agent_id}/stream{self.query}",
                        additional_headers=auth, open_timeout=60, ping_interval=None, max_size=2**22,
                        compression=None)
                    agent.reader = PanelReader(agent.ws)
                    await expect(agent.reader, "hello")
                    response = await http.post("/v1/contacts/offer", json={
                        "agent_id": agent.agent_id, "channel": "chat", "reason": "refund",
                        "identifiers": {"email": agent.email}, "expires_in_seconds": 600})
                    response.raise_for_status()
                    agent.session_id = response.json()["session_id"]
                    await expect(agent.reader, "offer", offer_id=agent.session_id)
                    await agent.ws.send(json.dumps({"type": "accept", "data": {"offer_id": agent.session_id}}))
                    await expect(agent.reader, "context", session_id=agent.session_id)
                    self.check((await expect(agent.reader, "prompt", session_id=agent.session_id))["data"])

            await asyncio.gather(*(one(a) for a in fresh))
        self.agents += fresh
        return {"setup_s": time.perf_counter() - started, "agents": len(self.agents)}

    async def run(self, start: float, window: float, interval: float, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)
        result = Window()
        loop = asyncio.get_running_loop()
        begin = loop.time() + (start - time.time())
        end = begin + window
        cpu = time.process_time()
        result.begin = time.perf_counter() + (begin - loop.time())

        async def agent_loop(agent: Agent, first: float) -> None:
            at = begin + first
            while at < end:
                delay = at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                await self.one_event(agent, interval, result)
                at += interval

        await asyncio.gather(*(agent_loop(a, rng.uniform(0, interval)) for a in self.agents))
        return {"latencies_ms": result.latencies_ms, "by_prompt": result.by_prompt,
                "by_journey": result.by_journey, "errors": result.errors, "slow": result.slow,
                "cpu_s": time.process_time() - cpu, "agents": len(self.agents)}

    async def one_event(self, agent: Agent, timeout: float, result: Window) -> None:
        """One timed event. The service acks it, then sends the journey update and, in the same outbox append
        (consecutive seqs, one write), the prompt when there is one: the answer is that prompt, else the
        journey update. Frames before the ack belong to earlier events and are skipped."""
        agent.sent += 1
        event_id = f"{agent.agent_id}-{agent.sent}"
        text = TEXTS[agent.sent % len(TEXTS)]
        payload = json.dumps({"type": "event", "id": event_id,
                              "data": {"session_id": agent.session_id, "kind": "utterance", "speaker": "customer",
                                       "text": text}}, separators=(",", ":"))
        t0 = time.perf_counter()
        acked = False
        try:
            await agent.ws.send(payload)
            async with asyncio.timeout(timeout):
                while True:
                    kind, data = unpack(await agent.reader.next())
                    if kind == "error":
                        result.error(f"error {data.get('code')}")
                        return
                    if kind == "ack" and data.get("in_reply_to") == event_id:
                        acked = True
                    elif acked and data.get("session_id") == agent.session_id and kind in ("journey", "prompt"):
                        at = time.perf_counter()
                        if kind == "journey":
                            try:
                                async with asyncio.timeout(JOURNEY_TO_PROMPT_S):
                                    kind, data = unpack(await agent.reader.next())
                                    at = time.perf_counter() if kind == "prompt" else at
                            except TimeoutError:
                                pass
                        if kind == "prompt" and data.get("session_id") == agent.session_id:
                            self.check(data)
                            result.by_prompt += 1
                        else:
                            result.by_journey += 1
                        result.latencies_ms.append((at - t0) * 1000)
                        if at - t0 > 0.1:
                            result.slow.append((round(t0 - result.begin, 3), round((at - t0) * 1000, 1)))
                        return
        except TimeoutError:
            result.error("no answer within the interval")
        except NotMeasured:
            raise
        except Exception as exc:  # noqa: BLE001 - a dropped connection is an error of the step, counted
            result.error(type(exc).__name__)

    async def stop(self) -> None:
        await asyncio.gather(*(a.ws.close() for a in self.agents if a.ws is not None), return_exceptions=True)


def unpack(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return message["type"], message.get("data") or {}


def client_main(pipe: Connection, port: int, kind: str, model_version: str | None, batched: bool = True) -> None:
    """A client process: answers the bench's commands until ``stop`` (exceptions go back as ``("failed", ..)``)."""
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    runner(_serve(pipe, port, kind, model_version, batched))


async def _serve(pipe: Connection, port: int, kind: str, model_version: str | None, batched: bool) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # one socket per panel
    client = Client(port, kind, model_version, batched)
    loop = asyncio.get_running_loop()
    try:
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            try:
                if command[0] == "add":
                    pipe.send(("ok", await client.add(command[1])))
                elif command[0] == "run":
                    pipe.send(("ok", await client.run(*command[1:])))
                else:
                    pipe.send(("ok", None))
                    return
            except Exception as exc:  # noqa: BLE001 - reported to the bench, which stops
                pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
                return
    finally:
        await client.stop()
