"""Real servers for the tests: Redis and SQL (SQLite and PostgreSQL), never imitations.

Under CI (CI=true) the machine's Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) must answer, or
the run stops loudly. Elsewhere a missing Redis is replaced by a private embedded server, and the
PostgreSQL half of the store tests is skipped, so ``make test`` passes on a laptop with neither.

``redis_cluster_url`` starts a real three-master Redis Cluster of the run's own (tests/cluster/ runs the
stream, routing and session tests on it); it needs ``redis-server`` and ``redis-cli``, is skipped without them
outside CI and fails the run without them under CI (``ASSIST_TEST_REDIS_CLUSTER_URL`` names a running one
instead; the run's keys on it are deleted by prefix at the end).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Self

import httpx
import psycopg
import pytest
import redis as sync_redis
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from redis.cluster import RedisCluster as SyncRedisCluster

from assist.app import create_app
from assist.auth.tokens import create_token
from assist.settings import Settings
from assist.stores.local_cluster import LocalRedisCluster
from assist.stores.redis import EmbeddedRedis, cluster_node_url
from assist.stores.sql import Database

UNDER_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("ASSIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLUSTER_URL = os.environ.get("ASSIST_TEST_REDIS_CLUSTER_URL", "")
POSTGRES_URL = os.environ.get("ASSIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"


_PREFIXES: set[tuple[str, str]] = set()
"""(Redis URL, key prefix) of every prefix a test made, for ``_delete_test_keys`` to clean up at the end."""


def key_prefix(redis_url: str) -> str:
    """A fresh key prefix on ``redis_url`` for one test's app or store; its keys are deleted when the run ends."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    _PREFIXES.add((redis_url, prefix))
    return prefix


@pytest.fixture(scope="session", autouse=True)
def _delete_test_keys() -> Iterator[None]:
    """Delete every key the run made under its prefixes (servers, apps and stores alike), so the shared Redis
    keeps nothing of the tests; a private server that is gone already took its keys with it."""
    yield
    by_url: dict[str, list[str]] = {}
    for url, prefix in _PREFIXES:
        by_url.setdefault(url, []).append(prefix)
    for url, prefixes in by_url.items():
        if not _redis_answers(url):
            continue
        try:
            client = sync_client(url)
            for prefix in prefixes:
                delete_prefix_keys(client, prefix)
            client.close()
        except sync_redis.RedisError:
            continue


def sync_client(url: str) -> sync_redis.Redis:
    """A blocking client for ``url``: a cluster client (scans and deletes on every node) for a cluster URL."""
    node_url = cluster_node_url(url)
    if node_url is not None:
        return SyncRedisCluster.from_url(node_url, socket_connect_timeout=1)  # type: ignore[return-value]
    return sync_redis.Redis.from_url(url, socket_connect_timeout=1)


def delete_prefix_keys(client: sync_redis.Redis, prefix: str) -> None:
    """Delete every key under ``prefix`` (on every node of a cluster)."""
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])


def _redis_answers(url: str) -> bool:
    try:
        return bool(sync_client(url).ping())
    except Exception:  # noqa: BLE001
        return False


def _postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The machine's Redis if it answers (required under CI), else a private embedded server."""
    if _redis_answers(REDIS_URL):
        yield REDIS_URL
        return
    if UNDER_CI:
        pytest.exit(f"CI requires Redis at {REDIS_URL}, and it does not answer", returncode=3)
    server = EmbeddedRedis()
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this run, dropped at the end; None when there is no server."""
    if not _postgres_answers(POSTGRES_URL):
        if UNDER_CI:
            pytest.exit(f"CI requires PostgreSQL at {POSTGRES_URL}, and it does not answer", returncode=3)
        yield None
        return
    name = f"assist_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_server_url: str | None) -> str:
    """Each store test runs on both backends: a new SQLite file, or the run's PostgreSQL emptied first."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assist.db'}"
    if postgres_server_url is None:
        pytest.skip("no PostgreSQL server here (required under CI)")
    _truncate_all(postgres_server_url)
    return postgres_server_url


def _truncate_all(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).fetchall()]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


def make_settings(tmp_path: Path, redis_url: str, database_url: str, **overrides: object) -> Settings:
    """Settings for one test: its own Redis key prefix, so tests never see each other's keys."""
    values: dict[str, object] = {
        "environment": "test", "data_dir": tmp_path, "database_url": database_url, "redis_url": redis_url,
        "redis_prefix": key_prefix(redis_url), "jwt_secret": TEST_SECRET, "log_json": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A store on the test's SQL backend with the schema created, without the app around it."""
    db = Database(database_url)
    await db.create_schema()
    yield db
    await db.close()


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, database_url: str) -> Settings:
    return make_settings(tmp_path, redis_url, database_url)


@pytest.fixture
def sqlite_settings(tmp_path: Path, redis_url: str) -> Settings:
    """For tests about behaviour that does not depend on the SQL backend."""
    return make_settings(tmp_path, redis_url, f"sqlite:///{tmp_path / 'assist.db'}")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The real app with its lifespan run (stores opened, schema created)."""
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest.fixture
def db(app: FastAPI) -> Database:
    return app.state.db  # type: ignore[no-any-return]


@pytest.fixture
def auth(settings: Settings) -> Callable[[str, str], dict[str, str]]:
    """Headers carrying a bearer token for ``(agent_id, role)``."""

    def headers(agent_id: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(settings, agent_id, role)}"}

    return headers


_PORT_BLOCK = 1500
"""Ports each pytest-xdist worker hands out, below the kernel's ephemeral range (32768 and up)."""
_PORT_BASE = 18000 + _PORT_BLOCK * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_next_port = _PORT_BASE + random.randrange(_PORT_BLOCK)


def free_port() -> int:
    """A port no one listens on now, for a server a test is about to start.

    Asking the kernel for port 0 races between parallel workers (two get the same port between the probe and
    the server's bind) and with outgoing connections; each worker takes its own block below the ephemeral range
    instead, in turn from a random start (another run on the machine is unlikely to be at the same place)."""
    global _next_port
    for _ in range(_PORT_BLOCK):
        port, _next_port = _next_port, _PORT_BASE + (_next_port + 1 - _PORT_BASE) % _PORT_BLOCK
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_PORT_BASE}-{_PORT_BASE + _PORT_BLOCK}")


async def wait_for_http(url: str, timeout: float = 60.0) -> httpx.Response:
    """Poll ``url`` until it answers 200; raises TimeoutError with the last failure."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: object = None
    async with httpx.AsyncClient() as c:
        while asyncio.get_running_loop().time() < deadline:
            try:
                response = await c.get(url, timeout=2)
                if response.status_code == 200:
                    return response
                last = response.status_code
            except httpx.HTTPError as exc:
                last = exc
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s (last: {last!r})")


class LiveServer:
    """A real uvicorn process serving the app (the way production runs it), stopped by the fixture."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path | None = None,
                 log_level: str = "warning") -> None:
        """``log_path``: a file that gets the process's stdout and stderr (its log lines), else discarded."""
        self.port = port
        self.log_path = log_path
        self.log_level = log_level
        self.base_url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.env = env
        self.settings = Settings(**{k[len("ASSIST_"):].lower(): v for k, v in env.items()
                                    if k.startswith("ASSIST_")})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT if self.log_path else subprocess.DEVNULL)
        if not isinstance(log, int):
            log.close()  # the process holds its own copy
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError("server did not become ready in 60 s")

    def command(self) -> list[str]:
        """One uvicorn worker, as production ran before ``assist serve --workers``."""
        return [sys.executable, "-m", "uvicorn", "assist.app:create_app", "--factory", "--host", "127.0.0.1",
                "--port", str(self.port), "--ws-max-size", self.env.get("ASSIST_WS_MAX_MESSAGE_BYTES", "65536"),
                "--ws-per-message-deflate", "false", "--log-level", self.log_level]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def token(self, agent_id: str, role: str = "agent") -> str:
        return create_token(self.settings, agent_id, role)

    def headers(self, agent_id: str, role: str = "agent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(agent_id, role)}"}


def server_env(tmp: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """Environment for a server process: shared Redis and SQLite file under ``tmp``, a fresh key prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
    env.update({"ASSIST_ENVIRONMENT": "test", "ASSIST_REDIS_URL": redis_url,
                "ASSIST_DATABASE_URL": f"sqlite:///{tmp / 'assist.db'}", "ASSIST_DATA_DIR": str(tmp),
                "ASSIST_REDIS_PREFIX": key_prefix(redis_url), "ASSIST_JWT_SECRET": TEST_SECRET,
                "ASSIST_LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    server = LiveServer(server_env(tmp_path_factory.mktemp("live"), redis_url), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


class PrivateRedis:
    """A redis-server of the test's own on a free port, to stop, kill and restart under load; never the shared
    one. ``persistent`` keeps an append-only file (a restart keeps the data), otherwise a restart empties it."""

    def __init__(self, directory: Path, persistent: bool = False) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> PrivateRedis:
        self.directory.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else \
            ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [EmbeddedRedis.executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             *persistence, "--dir", str(self.directory), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not _redis_answers(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"private redis-server on {self.port} did not start")
            time.sleep(0.05)
        return self

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM (a clean shutdown), or SIGKILL (a crash) with ``kill``."""
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def restart(self, down_seconds: float = 0.0, kill: bool = False) -> None:
        self.stop(kill=kill)
        time.sleep(down_seconds)
        self.start()


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """A Redis Cluster for the whole run (a ``redis+cluster://`` URL): ``ASSIST_TEST_REDIS_CLUSTER_URL`` if set,
    else a real local three-master cluster started here and stopped at the end.

    Skipped, saying why, where redis-server or redis-cli is missing; under CI that fails the run instead."""
    if CLUSTER_URL:
        yield CLUSTER_URL
        return
    missing = LocalRedisCluster.missing_binaries()
    if missing:
        if UNDER_CI:
            pytest.exit(f"CI requires a local Redis Cluster, and this machine lacks {', '.join(missing)} "
                        "(or set ASSIST_TEST_REDIS_CLUSTER_URL)", returncode=3)
        pytest.skip(f"no local Redis Cluster: this machine lacks {', '.join(missing)} (required under CI)")
    directory = Path(tempfile.mkdtemp(prefix="assist-redis-cluster-"))
    cluster = LocalRedisCluster(directory)
    try:
        yield cluster.start().url
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (``initdb`` + ``pg_ctl``) on a free port, for outages; the shared
    server on 5432 is never touched. Runs as the ``postgres`` user when the tests run as root."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def binaries() -> Path | None:
        """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed here."""
        found = shutil.which("initdb") or shutil.which("pg_ctl")
        if found:
            return Path(found).resolve().parent
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        return candidates[-1].parent if candidates else None

    def _run(self, *args: str) -> None:
        binaries = self.binaries()
        assert binaries is not None
        command = [str(binaries / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def init(self) -> PrivatePostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        return self.start()

    def start(self) -> PrivatePostgres:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends sessions cleanly; ``immediate`` is a crash (recovery on the next start)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private redis-server without persistence (a restart loses everything), stopped by the fixture."""
    server = PrivateRedis(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_on_private_redis(tmp_path: Path, private_redis: PrivateRedis) -> Iterator[LiveServer]:
    """One worker (a uvicorn process) on a private redis-server without persistence, for Redis faults."""
    server = LiveServer(server_env(tmp_path, private_redis.url), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private redis-server with an fsync-always append-only file (a restart keeps every write)."""
    server = PrivateRedis(tmp_path / "redis-aof", persistent=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL cluster for outage tests; skipped where PostgreSQL is not installed. Tests that
    stop it start it again before they end. Its folder is outside pytest's (root-only) temporary tree, which
    the ``postgres`` user could not enter."""
    if PrivatePostgres.binaries() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed here")
    directory = Path(tempfile.mkdtemp(prefix="assist-pg-"))
    server = PrivatePostgres(directory)
    try:
        yield server.init()
    finally:
        server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
