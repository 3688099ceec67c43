"""Routing benchmark against a real Redis (a script that prints figures; not a test).

For each agent count (default 1,000 and 10,000 agents over 50 skills) it measures, in one run:

- ``ping``: a bare Redis round trip (PING) through the same client, one at a time;
- ``decision``: ``RoutingService.route`` on an open contact, one at a time: the local decision on the
  agent mirror plus the one round trip that commits it (on one Redis node one script: contact state
  guard, atomic reservation, contact move, expiry schedule, decision log);
- ``submit``: ``RoutingService.submit``, one at a time: on one Redis node a single script also holds the
  duplicate guard (a cluster takes one more round trip);
- ``throughput``: ``submit`` from many concurrent tasks in one process, decisions per second of wall time,
  and the CPU each decision cost this process and the Redis server; then the same from several
  processes at once (each its own ``RoutingService`` and agent mirror, as the service's uvicorn workers
  would be; each round's contacts shared out between them), rounds started together, decisions per
  second of the rounds' wall time (first start to last finish);
- ``compute``: the local part alone (``AgentIndex.decide``, what the service runs), no Redis;
- the client's ceiling: bare PINGs per second from as many concurrent tasks.

Then the same on a Redis Cluster, in the same run (``--cluster-url``, else a local three-master cluster this
script starts and stops; ``--no-cluster`` skips it), with each figure's ratio to the single node's and the load
average beside both. On a cluster a submit opens the contact record first and commits with single-tag commands
sent to each node at once (``routing.cluster.NodeBatchers``).

Reservations are released (untimed) between rounds so agents do not fill up. Usage:
    python bench/routing_bench.py [--redis-url URL] [--agents 1000,10000] [--decisions 4000]
                                  [--tasks 32] [--processes N] [--cluster-url URL | --no-cluster]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from pathlib import Path

from redis.asyncio import Redis, RedisCluster

from assist.stores.local_cluster import LocalRedisCluster
from assist.stores.redis import open_client
from routing.codec import profile_fields
from routing.engine import AgentStatus, Contact, QueuePolicy, RelaxationStep
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


@dataclass
class Rounds:
    """Timed rounds of concurrent submits: each round's (start, end) on the machine's monotonic clock,
    and the CPU seconds spent inside them by this process and (when measured) by the Redis server."""

    spans: list[tuple[float, float]] = field(default_factory=list)
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    def wall(self) -> float:
        return sum(end - start for start, end in self.spans)


async def server_cpu(client: Redis) -> float:
    """CPU seconds the Redis server (every master of a cluster) has used so far (user + system, all threads)."""
    if isinstance(client, RedisCluster):
        by_node = await client.info("cpu", target_nodes=RedisCluster.PRIMARIES)
        return sum(float(i["used_cpu_user"]) + float(i["used_cpu_sys"]) for i in by_node.values())
    info = await client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def throughput_rounds(service: RoutingService, items: list[Contact], tasks: int,
                            barrier: Barrier | None = None, round_size: int = ROUND * 2) -> Rounds:
    """Submit ``items`` from ``tasks`` concurrent tasks in rounds of ``round_size`` (releases untimed
    between them). With a ``barrier`` every process starts a round together and releases only once all
    have finished it, and the server's CPU is not measured (it serves every process)."""
    rounds = Rounds()

    async def submitter(pending: list[Contact], rids: list[str]) -> None:
        while pending:
            routed = await service.submit(pending.pop())
            if routed.offer is not None:
                rids.append(routed.offer.reservation_id)

    for start in range(0, len(items), round_size):
        pending = items[start:start + round_size]
        rids: list[str] = []
        if barrier is not None:
            barrier.wait()
        server0 = await server_cpu(service.store.redis) if barrier is None else 0.0
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(submitter(pending, rids) for _ in range(tasks)))
        rounds.spans.append((t0, time.perf_counter()))
        rounds.client_cpu += time.process_time() - cpu0
        if barrier is None:
            rounds.server_cpu += await server_cpu(service.store.redis) - server0
        else:
            barrier.wait()
        await release(service, rids)
    return rounds


def submitter_process(url: str, prefix: str, tag: str, count: int, tasks: int, processes: int, barrier: Barrier,
                      results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One worker of the multi-process round: its own client, service and mirror on the shared agents.

    Each round's contacts are shared out between the processes, so that the agents are as full at the
    end of a round as in the one-process rounds. As there, no background loop runs (its refreshes after
    the untimed releases would fall into the timed rounds), so a worker learns of the others'
    reservations only when one of its own is refused: the stalest a worker's mirror can be, paid for in
    refusals and retries."""
    async def run() -> Rounds:
        client = open_client(url)
        service = RoutingService(client, bench_keys(prefix), config=RoutingConfig(policies={"default": POLICY}))
        try:
            await service.sync()
            items = contacts(random.Random(tag), count, tag, service.clock())
            return await throughput_rounds(service, items, tasks, barrier, ROUND * 2 // processes)
        finally:
            await client.aclose()

    results.put(asyncio.run(run()))


def throughput_processes(url: str, prefix: str, processes: int, per_process: int,
                         tasks: int) -> tuple[float, float]:
    """Decisions per second with ``processes`` submitter processes, each round's wall time running from
    the first process's start to the last one's finish, and the mean client CPU per decision."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes, timeout=300), context.Queue()
    workers = [context.Process(target=submitter_process,
                               args=(url, prefix, f"mp{i}", per_process, tasks, processes, barrier, results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    outcomes: list[Rounds] = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    wall = sum(max(end for _, end in spans) - min(start for start, _ in spans)
               for spans in zip(*(o.spans for o in outcomes), strict=True))
    decisions = processes * per_process
    return decisions / wall, sum(o.client_cpu for o in outcomes) / decisions


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


def bench_keys(prefix: str) -> Callable[..., str]:
    return lambda scope, tag, *parts: ":".join([prefix, f"{{{scope}:{tag}}}", *parts])


async def bench(url: str, agents: int, decisions: int, tasks: int, processes: int) -> dict[str, float]:
    """Run every measurement on ``url`` and print it; returns the headline figures for the comparison."""
    rng = random.Random(agents)
    client = open_client(url)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    service = RoutingService(client, bench_keys(prefix), config=RoutingConfig(policies={"default": POLICY}))
    try:
        await populate(service, agents, rng)
        now = service.clock()
        await timed_rounds(service, contacts(rng, 500, "warm", now), "submit")
        compute = []
        for contact in contacts(rng, decisions, "cmp", now):
            t0 = time.perf_counter()
            service.mirror.index.decide(contact, POLICY, now)
            compute.append(time.perf_counter() - t0)
        cpu0 = time.process_time()
        routes, pings, assigned = await timed_rounds(
            service, contacts(rng, decisions, "route", service.clock()), "route")
        cpu_per_pair = (time.process_time() - cpu0) / decisions
        submits, submit_pings, _ = await timed_rounds(
            service, contacts(rng, decisions, "sub", service.clock()), "submit")
        one = await throughput_rounds(service, contacts(rng, decisions, "tp", service.clock()), tasks)
        pings_per_second = await ping_rate(client, decisions, tasks)
        parallel, parallel_cpu = await asyncio.to_thread(
            throughput_processes, url, prefix, processes, decisions, tasks)
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
        print(f"  throughput, {tasks} concurrent submitters in one process: {decisions / one.wall():,.0f} "
              f"decisions/s (target >= 5,000); CPU per decision: client {one.client_cpu / decisions * 1e6:,.0f} us, "
              f"Redis {one.server_cpu / decisions * 1e6:,.0f} us; bare PINGs from {tasks} tasks: "
              f"{pings_per_second:,.0f}/s")
        print(f"  throughput, {processes} processes x {tasks} submitters: {parallel:,.0f} decisions/s "
              f"(target >= 5,000); client CPU per decision {parallel_cpu * 1e6:,.0f} us")
        return {"ping p50 us": percentile(pings, .5) * 1e6, "decision p50 us": percentile(routes, .5) * 1e6,
                "decision p99 us": percentile(routes, .99) * 1e6, "submit p50 us": percentile(submits, .5) * 1e6,
                "submit p99 us": percentile(submits, .99) * 1e6,
                "decisions/s, 1 process": decisions / one.wall(),
                f"decisions/s, {processes} processes": parallel,
                "client CPU us/decision": one.client_cpu / decisions * 1e6,
                "Redis CPU us/decision": one.server_cpu / decisions * 1e6,
                "load average": os.getloadavg()[0]}
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
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                        help="submitter processes in the multi-process round (default: one per core)")
    parser.add_argument("--cluster-url", default="",
                        help="a redis+cluster:// URL to measure too (default: start a local 3-master cluster)")
    parser.add_argument("--no-cluster", action="store_true", help="measure the single node only")
    args = parser.parse_args()
    counts = [int(n) for n in args.agents.split(",")]
    print(f"routing benchmark: Redis {args.redis_url}, {os.cpu_count()} cores")
    single = {n: asyncio.run(bench(args.redis_url, n, args.decisions, args.tasks, args.processes)) for n in counts}
    if args.no_cluster:
        return
    local: LocalRedisCluster | None = None
    cluster_url = args.cluster_url
    if not cluster_url:
        if LocalRedisCluster.missing_binaries():
            print(f"no cluster figures: {', '.join(LocalRedisCluster.missing_binaries())} not installed")
            return
        local = LocalRedisCluster(Path(tempfile.mkdtemp(prefix="bench-redis-cluster-"))).start()
        cluster_url = local.url
    try:
        print(f"\nrouting benchmark on a Redis Cluster: {cluster_url}"
              f"{' (local, 3 masters, no replicas)' if local else ''}")
        clustered = {n: asyncio.run(bench(cluster_url, n, args.decisions, args.tasks, args.processes))
                     for n in counts}
    finally:
        if local is not None:
            local.stop()
            shutil.rmtree(local.directory, ignore_errors=True)
    for n in counts:
        print(f"\ncluster vs single node, {n} agents (ratio = cluster / single node):")
        for name, value in single[n].items():
            print(f"  {name:<28} single {value:>10,.1f}   cluster {clustered[n][name]:>10,.1f}   "
                  f"ratio {clustered[n][name] / value if value else float('nan'):.2f}")


if __name__ == "__main__":
    main()
