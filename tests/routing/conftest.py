"""Routing fixtures: a Redis client on the real server (``redis_url`` from tests/conftest.py), a key
builder with a random prefix per test (its keys are deleted afterwards), a settable clock, a service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from assist.stores.redis import open_client
from routing.engine import AgentStatus, Contact, QueuePolicy, RelaxationStep
from routing.service import RoutingConfig, RoutingService
from routing.state import KeyBuilder


class Clock:
    """A clock the test moves by hand: ``clock()`` reads it, ``clock.advance(s)`` moves it."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def new_contact(clock: Clock, contact_id: str = "c1", **changes: object) -> Contact:
    """A billing chat contact arriving now; ``changes`` override any field."""
    fields: dict[str, object] = dict(contact_id=contact_id, channel="chat", required_skills={"billing": 2},
                                     preferred_skills={}, language="en", priority=10, customer_id="cust",
                                     arrived_at=clock(), queue="default")
    fields.update(changes)
    return Contact(**fields)  # type: ignore[arg-type]


def key_builder(prefix: str) -> KeyBuilder:
    return lambda scope, tag, *parts: ":".join([prefix, f"{{{scope}:{tag}}}", *parts])


async def delete_prefix(client: Redis, prefix: str) -> None:
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
    for start in range(0, len(keys), 500):
        await client.delete(*keys[start:start + 500])


async def snapshot(client: Redis, prefix: str) -> dict[str, object]:
    """Every key under ``prefix`` with its value (hash, set, sorted set, stream, string)."""
    found: dict[str, object] = {}
    async for k in client.scan_iter(match=f"{prefix}:*", count=1000):
        kind = await client.type(k)
        if kind == "hash":
            found[k] = await client.hgetall(k)
        elif kind == "set":
            found[k] = sorted(await client.smembers(k))
        elif kind == "zset":
            found[k] = await client.zrange(k, 0, -1, withscores=True)
        elif kind == "stream":
            found[k] = await client.xrange(k)
        else:
            found[k] = await client.get(k)
    return found


POLICIES = {
    "default": QueuePolicy(offer_timeout_seconds=20.0),
    "sales": QueuePolicy(name="sales", group="sales", sticky_seconds=30.0, offer_timeout_seconds=20.0,
                         steps=(RelaxationStep(30, proficiency_delta=1), RelaxationStep(60, drop_preferred=True),
                                RelaxationStep(90, overflow_group="overflow"))),
}


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = open_client(redis_url)  # a cluster client for a redis+cluster:// URL (tests/cluster/)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis_client: Redis) -> AsyncIterator[str]:
    name = f"rt{uuid.uuid4().hex[:10]}"
    yield name
    await delete_prefix(redis_client, name)


@pytest.fixture
def key(prefix: str) -> KeyBuilder:
    return key_builder(prefix)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_service(redis_client: Redis, key: KeyBuilder, clock: Clock) -> Callable[..., RoutingService]:
    def make(**overrides: object) -> RoutingService:
        config = RoutingConfig(policies=POLICIES, max_misses=2)
        return RoutingService(redis_client, key, config=config, clock=clock, **overrides)  # type: ignore[arg-type]
    return make


@pytest.fixture
async def service(make_service: Callable[..., RoutingService]) -> RoutingService:
    svc = make_service()
    await svc.sync()
    for skill in ("billing", "tech", "sales", "retention"):
        await svc.agents.put_skill(skill)
    return svc


async def add_agent(service: RoutingService, agent_id: str, *, skills: dict[str, int] | None = None,
                    capacity: dict[str, int] | None = None, languages: tuple[str, ...] = ("en",),
                    groups: tuple[str, ...] = (), status: AgentStatus = AgentStatus.AVAILABLE) -> None:
    await service.agents.put(agent_id, skills=skills or {"billing": 3}, languages=languages,
                             capacity=capacity or {"chat": 2, "voice": 1}, groups=groups, status=status)
