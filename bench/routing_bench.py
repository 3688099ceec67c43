"""Routing benchmark against a real Redis (a script that prints figures; not a test).

For each agent count (default 1,000 and 10,000 agents over 50 skills) it measures, in one run:

- ``ping``: a bare Redis round trip (PING) through the same client, one at a time;
- ``decision``: ``RoutingService.route`` on an open contact, one at a time: the local decision on the
  agent mirror plus the one packed round trip that commits it (atomic reservation, contact move,
  expiry schedule, decision log);
- ``submit``: ``RoutingService.submit`` (duplicate guard round trip + decision), one at a time;
- ``throughput``: ``submit`` from many concurrent tasks in one process, decisions per second of wall time;
- ``compute``: the local part alone (``AgentIndex.shortlist`` + ``decide``), no Redis;
- the client's ceiling: bare PINGs per second from as many concurrent tasks.

Reservations are released (untimed) between rounds so agents do not fill up. Usage:
    python bench/routing_bench.py [--redis-url URL] [--agents 1000,10000] [--decisions 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid

from redis.asyncio import Redis

from routing.codec import profile_fields
from routing.engine import AgentStatus, Contact, QueuePolicy, RelaxationStep, decide
from routing.service import RoutingConfig, RoutingService

SKILLS = [f"skill{i:02}" for i in range(50)]
POLICY = QueuePolicy(steps=(RelaxationStep(30, proficiency_delta=1), RelaxationStep(60, drop_preferred=True)))
ROUND = 500


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(name: str, seconds: list[float]) -> str:
    us = [s * 1e6 for s in seconds]
    return (f"  {name:<10} n={len(us):>6}  p50={percentile(us, .5):8.1f} us  p99={percentile(us, .99):8.1f} us"
            f"  mean={statistics.fmean(us):8.1f} us")


async def populate(service: RoutingService, count: int, rng: random.Random) -> None:
    """Register ``count`` agents directly through the store (fast), available, idle for 0..1 h."""
    store, now = service.store, service.clock()
    await store.load_scripts()
    for skill in SKILLS:
        await store.put_skill(skill, "")
    for start in range(0, count, 500):
        commands = []
        for i in range(start, min(count, start + 500)):
            skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 8)}
            languages = {"en"} | ({"es"} if rng.random() < .3 else set()) | ({"fr"} if rng.random() < .1 else set())
            capacity = {"chat": 3} if rng.random() < .6 else {"chat": 2, "voice": 1}
            agent_id = f"A{i:05}"
            commands += store.upsert_agent_cmds(agent_id, profile_fields(skills, languages, set(), capacity),
                                                AgentStatus.AVAILABLE, now)
            commands.append(("HSET", store.agent_key(agent_id), "idle_since", repr(now - rng.uniform(0, 3600))))
        await store.send(commands)
    await service.sync()


def contacts(rng: random.Random, count: int, tag: str, now: float) -> list[Contact]:
    made = []
    for i in range(count):
        required = {s: rng.randint(1, 3) for s in rng.sample(SKILLS, 1 if rng.random() < .7 else 2)}
        preferred = {rng.choice(SKILLS): 1} if rng.random() < .2 else {}
        language = "en" if rng.random() < .85 else rng.choice(["es", "fr"])
        channel = "chat" if rng.random() < .7 else "voice"
        made.append(Contact(f"{tag}-{i}", channel, required, preferred, language, rng.randint(0, 100), None, now))
    return made


async def release(service: RoutingService, reservation_ids: list[str]) -> None:
    """Cancel the reservations of a round and refresh the mirror (untimed)."""
    store, now = service.store, service.clock()
    for start in range(0, len(reservation_ids), 200):
        await store.send([store.settle_cmd("cancel", rid, now, 0)
                          for rid in reservation_ids[start:start + 200]])
    await service.mirror.refresh({rid.rpartition(".")[0] for rid in reservation_ids})


async def timed_rounds(service: RoutingService, items: list[Contact], mode: str
                       ) -> tuple[list[float], list[float], int]:
    """Route ``items`` one at a time (``route`` on pre-opened contacts, or ``submit``), each preceded by a
    timed PING so both see the same machine; returns decision latencies, ping latencies, assigned."""
    latencies: list[float] = []
    pings: list[float] = []
    assigned = 0
    store, client = service.store, service.store.redis
    for start in range(0, len(items), ROUND):
        batch = items[start:start + ROUND]
        if mode == "route":
            await store.send([store.open_contact_cmd(c, "routing", c.arrived_at) for c in batch])
        rids = []
        for contact in batch:
            t0 = time.perf_counter()
            await client.ping()
            t1 = time.perf_counter()
            routed = await (service.route(contact, "routing") if mode == "route" else service.submit(contact))
            latencies.append(time.perf_counter() - t1)
            pings.append(t1 - t0)
            if routed.offer is not None:
                rids.append(routed.offer.reservation_id)
        assigned += len(rids)
        await release(service, rids)
    return latencies, pings, assigned


async def throughput(service: RoutingService, items: list[Contact], tasks: int) -> float:
    """Decisions per second of wall time with ``tasks`` concurrent submitters (releases untimed)."""
    wall = 0.0
    async def submitter(pending: list[Contact], rids: list[str]) -> None:
        while pending:
            routed = await service.submit(pending.pop())
            if routed.offer is not None:
                rids.append(routed.offer.reservation_id)

    for start in range(0, len(items), ROUND * 2):
        pending = items[start:start + ROUND * 2]
        rids: list[str] = []
        t0 = time.perf_counter()
        await asyncio.gather(*(submitter(pending, rids) for _ in range(tasks)))
        wall += time.perf_counter() - t0
        await release(service, rids)
    return len(items) / wall


async def ping_rate(client: Redis, count: int, tasks: int) -> float:
    """PINGs per second from ``tasks`` concurrent tasks through the same client: the client's ceiling."""
    left = [count]

    async def pinger() -> None:
        while left[0] > 0:
            left[0] -= 1
            await client.ping()

    t0 = time.perf_counter()
    await asyncio.gather(*(pinger() for _ in range(tasks)))
    return count / (time.perf_counter() - t0)


async def bench(url: str, agents: int, decisions: int, tasks: int) -> None:
    rng = random.Random(agents)
    client = Redis.from_url(url, decode_responses=True)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    key = lambda scope, tag, *parts: ":".join([prefix, f"{{{scope}:{tag}}}", *parts])  # noqa: E731
    service = RoutingService(client, key, config=RoutingConfig(policies={"default": POLICY}))
    try:
        await populate(service, agents, rng)
        now = service.clock()
        await timed_rounds(service, contacts(rng, 500, "warm", now), "submit")
        compute = []
        for contact in contacts(rng, decisions, "cmp", now):
            t0 = time.perf_counter()
            shortlist, _ = service.mirror.index.shortlist(contact, POLICY, now)
            decide(contact, shortlist, POLICY, now)
            compute.append(time.perf_counter() - t0)
        cpu0 = time.process_time()
        routes, pings, assigned = await timed_rounds(
            service, contacts(rng, decisions, "route", service.clock()), "route")
        cpu_per_pair = (time.process_time() - cpu0) / decisions
        submits, submit_pings, _ = await timed_rounds(
            service, contacts(rng, decisions, "sub", service.clock()), "submit")
        rate = await throughput(service, contacts(rng, decisions, "tp", service.clock()), tasks)
        pings_per_second = await ping_rate(client, decisions, tasks)
        print(f"{agents} agents, {len(SKILLS)} skills: {assigned / len(routes):.0%} of decisions assigned, "
              f"the rest queued; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name, samples in (("ping", pings), ("compute", compute), ("decision", routes), ("submit", submits)):
            print(summary(name, samples))
        p99_ratio = percentile(routes, .99) / percentile(pings, .99)
        p50_ratio = percentile(routes, .5) / percentile(pings, .5)
        submit_ratio = percentile(submits, .99) / percentile(submit_pings, .99)
        print(f"  decision/ping: p99 {p99_ratio:.2f}x, p50 {p50_ratio:.2f}x (target p99 <= 4x); "
              f"submit/ping p99 {submit_ratio:.2f}x")
        print(f"  sequential decisions/s: {len(routes) / sum(routes):,.0f}; process CPU per ping + decision "
              f"{cpu_per_pair * 1e6:,.0f} us")
        print(f"  throughput, {tasks} concurrent submitters in one process: {rate:,.0f} decisions/s "
              f"(target >= 5,000); bare PINGs from {tasks} tasks: {pings_per_second:,.0f}/s")
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=2000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start:start + 1000])
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", default=os.environ.get("ASSIST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--agents", default="1000,10000")
    parser.add_argument("--decisions", type=int, default=4000)
    parser.add_argument("--tasks", type=int, default=32)
    args = parser.parse_args()
    print(f"routing benchmark: Redis {args.redis_url}, {os.cpu_count()} cores")
    for count in (int(n) for n in args.agents.split(",")):
        asyncio.run(bench(args.redis_url, count, args.decisions, args.tasks))


if __name__ == "__main__":
    main()
