"""What only a cluster has: URLs that name one, commands placed by hash slot, a slot that moves, a worker whose
client knows no cluster. Against the run's real three-master cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis as sync_redis
from fastapi import FastAPI
from redis.asyncio import RedisCluster
from redis.crc import key_slot
from redis.exceptions import MovedError

from assist.stores.redis import RedisStore, cluster_node_url, open_client
from routing.cluster import NodeBatchers
from tests.conftest import key_prefix, make_settings
from tests.routing.conftest import delete_prefix


def test_a_cluster_url_names_the_node_to_discover_it_from():
    assert cluster_node_url("redis+cluster://10.0.0.5:7000") == "redis://10.0.0.5:7000"
    assert cluster_node_url("rediss+cluster://u:p@h:7000/0?ssl_cert_reqs=none") == \
        "rediss://u:p@h:7000?ssl_cert_reqs=none"
    assert cluster_node_url("redis://h:7000/0", cluster=True) == "redis://h:7000"
    assert cluster_node_url("redis://h:6379/0") is None


@pytest.mark.parametrize("url", ["redis+cluster://h:7000/3", "unix:///tmp/redis.sock"])
def test_a_cluster_url_that_cannot_name_a_cluster_is_refused(url):
    with pytest.raises(ValueError):
        cluster_node_url(url, cluster=True)


@pytest.fixture
async def cluster(redis_url: str) -> AsyncIterator[RedisCluster]:
    client = open_client(redis_url)
    assert isinstance(client, RedisCluster)
    yield client
    await client.aclose()


async def test_commands_for_three_nodes_go_out_together_and_reply_in_order(cluster: RedisCluster, redis_url: str):
    prefix = key_prefix(redis_url)
    keys = [f"{prefix}:{{k{i}}}" for i in range(30)]
    nodes = NodeBatchers(cluster)
    await cluster.initialize()
    assert len({cluster.nodes_manager.get_node_from_slot(key_slot(k.encode())).name for k in keys}) == 3
    replies = await nodes.send([*(("SET", k, str(i)) for i, k in enumerate(keys)), *(("GET", k) for k in keys)])
    assert replies == ["OK"] * 30 + [str(i) for i in range(30)]
    assert nodes.exchanges == 1
    await delete_prefix(cluster, prefix)


def _node_ids(port: int) -> dict[int, str]:
    """Port -> node id of every master, as the node on ``port`` sees them."""
    client = sync_redis.Redis(port=port, decode_responses=True)
    try:
        nodes = client.cluster("NODES")
    finally:
        client.close()
    return {int(address.split("@")[0].rpartition(":")[2]): node["node_id"] for address, node in nodes.items()
            if "master" in node["flags"]}


def _assign(slot: int, to_port: int, ports: list[int]) -> None:
    """``CLUSTER SETSLOT <slot> NODE`` on every master, the new owner first (as redis-cli's resharding does)."""
    ids = _node_ids(ports[0])
    for port in sorted(ports, key=lambda p: p != to_port):
        client = sync_redis.Redis(port=port)
        try:
            client.execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[to_port])
        finally:
            client.close()


async def test_a_command_whose_slot_moved_is_followed_and_the_next_goes_straight_to_the_new_node(
        cluster: RedisCluster, redis_url: str):
    key = f"{key_prefix(redis_url)}:{{moving}}:probe"
    slot = key_slot(key.encode())
    nodes = NodeBatchers(cluster)
    await nodes.send([("GET", key)])  # reads the slot map
    owner = cluster.nodes_manager.get_node_from_slot(slot)
    ports = sorted(_node_ids(int(owner.port)))
    target = next(p for p in ports if p != int(owner.port))
    _assign(slot, target, ports)
    try:
        before = nodes.exchanges
        assert await nodes.send([("SET", key, "here"), ("GET", key)]) == ["OK", "here"]
        assert nodes.exchanges - before == 2  # the stale node's MOVED, then the new node (after reading the map)
        assert int(cluster.nodes_manager.get_node_from_slot(slot).port) == target
        before = nodes.exchanges
        assert await nodes.send([("GET", key)]) == ["here"]
        assert nodes.exchanges - before == 1
        direct = sync_redis.Redis(port=int(owner.port))
        try:
            with pytest.raises(MovedError):
                direct.get(key)
        finally:
            direct.close()
    finally:
        await cluster.delete(key)
        _assign(slot, int(owner.port), ports)


@pytest.fixture
async def app_on_a_plain_node_url(tmp_path: Path, redis_url: str) -> AsyncIterator[FastAPI]:
    from asgi_lifespan import LifespanManager

    from assist.app import create_app

    node_url = cluster_node_url(redis_url)
    settings = make_settings(tmp_path, str(node_url), f"sqlite:///{tmp_path / 'assist.db'}", redis_cluster=True)
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30):
        yield application


async def test_assist_redis_cluster_makes_a_plain_node_url_a_cluster(app_on_a_plain_node_url: FastAPI):
    store: RedisStore = app_on_a_plain_node_url.state.redis
    assert store.cluster and not store.commands.single_node
    assert not app_on_a_plain_node_url.state.routing.store.single_node_scripts
    assert await store.ping()
