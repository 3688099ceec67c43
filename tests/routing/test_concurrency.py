"""The capacity proof: many tasks, several workers with stale mirrors, and two OS processes hammer one
Redis, and no agent is ever above capacity, while every slot is still used."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

from redis.asyncio import Redis

from routing.engine import AgentStatus, Contact
from routing.service import RoutingService
from tests.routing.conftest import add_agent

CAPACITY = {f"A{i}": {"chat": 1 + i % 3, "voice": 1} for i in range(12)}
TOTAL_SLOTS = sum(sum(c.values()) for c in CAPACITY.values())
WIDE = {f"W{i}": {"chat": 10 + i % 5, "voice": 1} for i in range(40)}  # 520 slots for 2 x 400 contacts
WIDE_SLOTS = sum(sum(c.values()) for c in WIDE.values())


async def register_agents(service: RoutingService, capacities: dict[str, dict[str, int]] = CAPACITY) -> None:
    for agent_id, capacity in capacities.items():
        await add_agent(service, agent_id, skills={"billing": 2}, capacity=capacity, status=AgentStatus.AVAILABLE)


class LoadWatch:
    """Samples every agent's stored load and live reservations while the hammering runs."""

    def __init__(self, client: Redis, service: RoutingService,
                 capacities: dict[str, dict[str, int]] = CAPACITY) -> None:
        self.client, self.service, self.capacities = client, service, capacities
        self.samples = 0
        self.over: list[tuple[str, str, int]] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            await self.check()
            await asyncio.sleep(0)

    async def check(self) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for agent_id in self.capacities:
                pipe.hgetall(self.service.store.agent_key(agent_id))
            stored = await pipe.execute()
        self.samples += 1
        for agent_id, fields in zip(self.capacities, stored, strict=True):
            for channel, cap in self.capacities[agent_id].items():
                load = int(fields.get(f"n:{channel}", 0))
                if load > cap:
                    self.over.append((agent_id, channel, load))

    def stop(self) -> None:
        self._stop.set()


async def assert_consistent(client: Redis, service: RoutingService,
                            capacities: dict[str, dict[str, int]] = CAPACITY) -> int:
    """Every stored load within capacity and equal to the agent's live reservations; returns the total."""
    total = 0
    for agent_id, capacity in capacities.items():
        fields = await client.hgetall(service.store.agent_key(agent_id))
        loads = {ch: int(fields.get(f"n:{ch}", 0)) for ch in capacity}
        assert all(loads[ch] <= cap for ch, cap in capacity.items()), (agent_id, loads)
        assert await client.scard(service.store.live_key(agent_id)) == sum(loads.values())
        total += sum(loads.values())
    return total


async def test_one_agent_hammered_by_many_reservations_takes_exactly_its_capacity(
        service: RoutingService, redis_client: Redis) -> None:
    await add_agent(service, "A1", capacity={"chat": 3})
    store, now = service.store, service.clock()
    contacts = [Contact(f"c{i}", "chat", {"billing": 1}, {}, "en", 0, None, now) for i in range(300)]

    async def reserve_all(batch: list[Contact]) -> list[list[str]]:
        return [await store.call(store.reserve_cmd(store.new_reservation_id("A1"), c, {"billing": 1}, now,
                                                   now + 20)) for c in batch]

    batches = await asyncio.gather(*(reserve_all(contacts[t::60]) for t in range(60)))
    replies = [reply for batch in batches for reply in batch]
    assert sum(r[0] == "ok" for r in replies) == 3
    assert {r[0] for r in replies} == {"ok", "capacity"}
    assert await redis_client.hget(store.agent_key("A1"), "n:chat") == "3"


async def test_many_tasks_on_four_workers_never_exceed_capacity(
        service: RoutingService, make_service: Callable[..., RoutingService], redis_client: Redis) -> None:
    await register_agents(service)
    workers = [make_service() for _ in range(4)]
    for worker in workers:
        await worker.sync()  # each mirror is loaded once and then only learns from its own commits
    watch = LoadWatch(redis_client, service)
    watcher = asyncio.create_task(watch.run())
    pending = list(range(600))
    offers: list[str] = []

    async def submitter(worker: RoutingService) -> None:
        while pending:
            i = pending.pop()
            contact = Contact(f"c{i}", "voice" if i % 4 == 0 else "chat", {"billing": 1}, {}, "en", i % 100,
                              None, worker.clock())
            routed = await worker.submit(contact)
            if routed.offer is not None:
                offers.append(routed.offer.reservation_id)

    await asyncio.gather(*(submitter(workers[t % 4]) for t in range(80)))
    for worker in workers:
        await worker.mirror.load_all()
        offers_from_queue = await worker.dispatch()
        assert offers_from_queue >= 0
    watch.stop()
    await watcher
    await watch.check()
    assert watch.samples > 3 and watch.over == []
    assert len(set(offers)) == len(offers)
    assert await assert_consistent(redis_client, service) == TOTAL_SLOTS


async def test_two_processes_never_exceed_capacity(service: RoutingService, redis_client: Redis,
                                                   redis_url: str, prefix: str) -> None:
    await register_agents(service, WIDE)
    root = Path(__file__).parents[2]  # run as a module from the checkout, so it imports this checkout's code
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.routing.concurrency_worker", redis_url, prefix, name, "400",
        stdout=asyncio.subprocess.PIPE, cwd=root)
        for name in ("p1", "p2")]
    try:
        for proc in procs:
            assert (await asyncio.wait_for(proc.stdout.readline(), 90)).strip() == b"ready"  # type: ignore[union-attr]
        watch = LoadWatch(redis_client, service, WIDE)
        watcher = asyncio.create_task(watch.run())
        await redis_client.rpush(f"{prefix}:go", "go", "go")
        outputs = [await asyncio.wait_for(proc.communicate(), 120) for proc in procs]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
    watch.stop()
    await watcher
    assert [proc.returncode for proc in procs] == [0, 0]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    offers = [rid for r in results for rid in r["offers"]]
    queued = [cid for r in results for cid in r["queued"]]
    assert watch.samples > 3 and watch.over == []
    assert len(offers) + len(queued) == 800 and len(set(offers)) == len(offers)
    assert len(offers) == await assert_consistent(redis_client, service, WIDE) <= WIDE_SLOTS
    assert all(r["offers"] for r in results), "both processes won some slots"
    await service.mirror.load_all()
    await service.dispatch()  # contacts queued after losing races take the slots left
    assert await assert_consistent(redis_client, service, WIDE) == WIDE_SLOTS
