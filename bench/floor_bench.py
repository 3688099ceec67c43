"""What the live floor view costs a supervisor's dashboard refresh (``GET /v1/supervision/floor`` every 5 s).
A benchmark, not a test.

Run: ``.venv/bin/python bench/floor_bench.py [--agents 200] [--busy 0.8] [--log 20000] [--samples 20]``
(``ASSIST_REDIS_URL``, default the local Redis on 6379, under a fresh key prefix deleted at the end; a
temporary SQLite file). It registers ``--agents`` agents with routing, gives ``--busy`` of them an open
contact with a journey and routes as many contacts (so routing holds that many live reservations, which the
per-queue occupancy reads), fills routing's floor log with ``--log`` answered or abandoned contacts, then times
``assist.supervision.floor.floor_view`` and, apart, the per-queue occupancy's read of the reservations
(``queue_work``), and prints p50 / max milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assist.journeys.state import JourneyState, Turn  # noqa: E402
from assist.journeys.store import JourneyStore  # noqa: E402
from assist.sessions.state import SessionState, SessionStore  # noqa: E402
from assist.stores.redis import RedisStore  # noqa: E402
from assist.stores.sql import Database  # noqa: E402
from assist.stores.tables import Agent  # noqa: E402
from assist.supervision.floor import floor_view  # noqa: E402
from assist.supervision.occupancy import queue_work  # noqa: E402
from routing.engine import AgentStatus, Contact  # noqa: E402
from routing.service import RoutingService  # noqa: E402

WORDS = ["thanks that works", "this is ridiculous", "I am still waiting", "ok", "great, thank you"]


async def main(agents: int, busy: float, log: int, samples: int) -> None:
    store = RedisStore(os.environ.get("ASSIST_REDIS_URL", "redis://127.0.0.1:6379/0"), f"bf{uuid.uuid4().hex[:8]}")
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/floor.db")
        await db.upgrade_schema()
        routing = RoutingService(store.client, store.keys.key)
        sessions = SessionStore(store.client, store.keys, 3600)
        journeys = JourneyStore(store.client, store.keys, db, 3600)
        try:
            await routing.sync()
            await routing.agents.put_skill("billing")
            ids = [f"A{i}" for i in range(1, agents + 1)]
            async with db.session() as s:
                for agent_id in ids:
                    s.add(Agent(id=agent_id, name=f"Agent {agent_id}", channels={"chat": 3}))
            rng = random.Random(7)
            for agent_id in ids:
                await routing.agents.put(agent_id, skills={"billing": 3}, languages=["en"], capacity={"chat": 3},
                                         status=AgentStatus.AVAILABLE)
                if rng.random() < busy:
                    said = Turn(channel="chat", speaker="customer", text=rng.choice(WORDS))
                    journey = JourneyState(id=f"J-{agent_id}", customer_id=None, reason="refund", transcript=[said])
                    await journeys.put(journey)
                    await sessions.put(SessionState(agent_id=agent_id, channel="chat", reason="refund", status="open",
                                                    journey_id=journey.id, opened_at=time.time()))
            routed = 0
            for n in range(sum(1 for a in ids if rng.random() < busy)):  # one live reservation per busy agent
                contact = Contact(contact_id=f"r{n}", channel="chat", required_skills={"billing": 1},
                                  preferred_skills={}, language="en", priority=0, customer_id=None,
                                  arrived_at=time.time(), queue="default")
                routed += (await routing.submit(contact)).offer is not None
            now = time.time()
            commands = [routing.store.floor_cmd(
                Contact(contact_id=f"k{n}", channel="chat", required_skills={"billing": 1}, preferred_skills={},
                        language="en", priority=0, customer_id=None, arrived_at=now - 3000 + n * 3000 / log,
                        queue="default"), "answered" if rng.random() < 0.9 else "abandoned",
                now - 3000 + n * 3000 / log + rng.expovariate(1 / 15)) for n in range(log)]
            for start in range(0, len(commands), 1000):
                await routing.store.send(commands[start:start + 1000])
            await floor_view(routing, db, sessions, journeys)  # warm: the simulator's figures are imported once
            took = []
            for _ in range(samples):
                started = time.perf_counter()
                floor = await floor_view(routing, db, sessions, journeys)
                took.append((time.perf_counter() - started) * 1e3)
            reads = []
            for _ in range(samples):
                started = time.perf_counter()
                await queue_work(routing.store, ids)
                reads.append((time.perf_counter() - started) * 1e3)
            default = next(q for q in floor.queues if q.queue == "default")
            print(f"agents {agents}, with a contact {sum(bool(a.contacts) for a in floor.agents)}, floor log {log}, "
                  f"routed reservations {routed}")
            print(f"queue default: offered {default.offered}, service level {default.service_level:.3f}, "
                  f"ASA {default.asa_seconds:.1f} s, occupancy {default.occupancy:.3f} of {default.staffed} staffed")
            print(f"floor_view: p50 {statistics.median(took):.1f} ms, max {max(took):.1f} ms over {samples}")
            print(f"  of which queue_work: p50 {statistics.median(reads):.1f} ms, max {max(reads):.1f} ms")
        finally:
            keys = [k async for k in store.client.scan_iter(match=f"{store.keys.prefix}:*", count=1000)]
            for start in range(0, len(keys), 500):
                await store.client.delete(*keys[start:start + 500])
            await store.close()
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--busy", type=float, default=0.8)
    parser.add_argument("--log", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.agents, args.busy, args.log, args.samples))
