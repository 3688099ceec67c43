"""Event in -> prompt out over a real websocket, next to a bare websocket echo server (issue 3).

Run: ``.venv/bin/python bench/stream_bench.py`` (``--help`` for the knobs; ``--quick`` for 1 and 100 connections
in a few minutes). Prints a table and writes ``bench/out/stream.json``. It is a benchmark, not a test: it never
fails on a missed target, it reports it. It does fail on a prompt that did not come from the guidance measured.

Guidance (issue 24): ``--guidance rules,model`` (the default) runs the service once per kind on each scenario.
``rules``: no model is promoted, so the rules answer (the baseline a center starts on). ``model``: the demo model
``make run`` serves (``bench/stream_model.py``: trained on the demo world and gated once, kept in
``bench/out/stream-model/``) is copied into the scenario's data folder and promoted in its database, so the
service loads it at startup as production does; every timed prompt (and every setup prompt) must say
``source: model`` with that version, or the bench stops. ``--memo on,off`` also runs each kind with the event
path's memo off (``ASSIST_GUIDANCE_MEMO_JOURNEYS=0``: before it). The isolated score+explain (``Scorer.suggest``
on the timed event's context, in this process, no memo) is measured at the start: the CPU target adds it to
the stack floor's. The timed event is a new model input (the customer's first words), so the memo saves
little there; ``--event agent`` times the agent's words instead, which leave the model's input as the accept
left it: the case the memo is for (model guidance only, the rules prompt nothing on them).

Frames (``--frames batched,single``, default batched): the bench's panels ask ``?batch=1`` as the web panel does
(each step's messages in one frame, docs/protocol.md), or take one message per frame (protocol 1.0's default).

What is measured
  Service: ``assist.app:create_app`` under ONE uvicorn worker in a subprocess (as tests/conftest.py's
  LiveServer runs it), a temp SQLite file, the machine's Redis on 127.0.0.1:6379 when it answers (else a
  private ``EmbeddedRedis``) under a fresh key prefix (deleted afterwards). N agents, each with one panel
  (``websockets.asyncio.client``). Untimed setup: every sample gets its own session (a fresh customer, offered
  through POST /v1/contacts/offer with an admin token, accepted on the panel, context and first prompt
  drained), because the rules never repeat an action already shown in a journey. Timed: perf_counter from
  just before ``send(event)`` (utterance, customer, "This is ridiculous, I am furious!") to the arrival of
  that session's ``prompt`` with action ``apologise_acknowledge`` (stored in the agent's Redis outbox like every
  durable message, then handed to the panel's connection on this worker; a panel on another worker would get it
  through pub/sub).
  Both run as production does: no per-message compression (``assist serve`` turns it off; see docs/protocol.md).
  Baselines (``bench/stream_baselines.py``), each with the same client code, connection counts, event bytes and
  send schedule, timed from send to the echoed frame:
  - echo: a bare ``websockets.asyncio.server`` echo in its own subprocess (uvloop, like uvicorn);
  - store floor: that echo after the event's one Redis round trip through the service's own store code
    (``LiveSessions.commit`` on the worker's snapshot: session and journey checked, the journey written, one
    prompt-sized message appended): how much of the gap to the echo is the state the issue puts in Redis;
  - stack floor: the same commit and echo in a FastAPI websocket route under uvicorn, started as the service is.
    The service's distance from it is the product's own work (message checks, journey, guidance, frames).

Load model (same schedule for service and echo, seeded): every agent sends its samples at Poisson times
with a mean gap of ``--interval`` seconds (default 3 s: a busy call; first send uniformly in the first gap),
waiting for each reply before its next send. With 1 connection the gap is ``--interval-1`` (near
back-to-back) so 200 samples take seconds. Offered load is printed; ``--burst`` instead makes every agent send
at the same instant.

Reading the figures
  p50/p99 count every attempt; an attempt that got an ``error`` or no prompt within 15 s is a failure and
  has no latency, so a percentile that lands on failures prints "failed" (the JSON also keeps percentiles
  of the answered attempts). "cpu ms/ev" is the server process's user+system CPU during the timed phase per
  reply (from /proc), the figure least disturbed by other load on the machine. Client, server, Redis and
  whatever else runs share the machine's CPUs: the CPU count and load averages go into the JSON.
  Setup opens at most SETUP_CONCURRENCY sessions at once (see the constant for why).
  ``--probe`` splits the latency: inside the service, from reading the event's frame to writing its prompt's
  (the rest is the transport and the client, which the echo also pays), and lists the garbage-collection
  pauses of the timed phase. It patches the service's websocket class from ``bench/probe/sitecustomize.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.panel_frames import BATCH, PanelReader, expect  # noqa: E402 - needs ROOT on the path
from bench.stream_baselines import run  # noqa: E402
from bench.stream_model import BenchModel, bench_model, install, isolated_score_explain  # noqa: E402
from bench.stream_report import (  # noqa: E402
    TARGET_CPU,
    TARGET_P99_MS_AT_1000,
    TARGET_RATIO,
    TARGET_STACK_P99,
    print_table,
    scenario_row,
)

OUT = ROOT / "bench" / "out" / "stream.json"
BASELINES = ROOT / "bench" / "stream_baselines.py"
REDIS_URL = os.environ.get("ASSIST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
TEXT = "This is ridiculous, I am furious!"
AGENT_TEXT = "Let me check that order for you now."
"""``--event agent``: words the model does not read, so its input is the accept's (the memo's case)."""
ACTION = "apologise_acknowledge"
REPLY_TIMEOUT = 15.0
SETUP_CONCURRENCY = 6
"""Accepts in flight at once during the untimed setup. SessionService.accept holds a pooled SQL connection while
JourneyStore opens nested sessions, so 15+ concurrent accepts exhaust SQLAlchemy's default pool (5 + 10) and
stall 30 s before failing with internal_error; 6 stays clear of that."""
FAILURES: dict[str, int] = {}
"""Why samples of the last timed phase failed (timeouts, server errors), by kind."""
TIMELINE: list[tuple[float, float]] = []
"""(send time in the phase in s, latency in ms) of the last timed phase's answered samples."""


# ---- small helpers ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile over sorted data (the ``statistics.quantiles`` inclusive method);
    ``inf`` when it touches an infinite value (a failed attempt)."""
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    at = (len(data) - 1) * q / 100
    low, frac = int(at), at - int(at)
    if frac == 0:
        return data[low]
    if math.isinf(data[low + 1]):
        return math.inf
    return data[low] + (data[low + 1] - data[low]) * frac


def raise_fd_limit(connections: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * connections + 1024))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def event_message(session_id: str, n: int, speaker: str = "customer") -> str:
    return json.dumps({"type": "event", "id": f"e{n:08d}",
                       "data": {"session_id": session_id, "kind": "utterance", "speaker": speaker,
                                "text": TEXT if speaker == "customer" else AGENT_TEXT}}, separators=(",", ":"))


def schedule(rng: random.Random, samples: int, interval: float, burst: bool) -> list[float]:
    """Offsets (s) from the phase start at which one agent sends its samples."""
    if burst:
        return [0.0] * samples
    at, times = rng.uniform(0, interval), []
    for _ in range(samples):
        times.append(at)
        at += rng.expovariate(1 / interval)
    return times


@dataclass
class Scenario:
    connections: int
    samples: int               # per connection
    interval: float            # mean per-agent gap between sends (s)
    burst: bool
    schedules: list[list[float]] = field(default_factory=list)
    speaker: str = "customer"
    """Who speaks in the timed event: the customer (a new model input) or the agent (``--event agent``)."""

    @property
    def offered_rate(self) -> float | None:
        return None if self.burst else self.connections / self.interval


@dataclass
class Result:
    latencies_ms: list[float]
    failures: int
    wall_s: float
    setup_s: float
    request_bytes: int
    reply_bytes: int
    failure_kinds: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float | None = None
    """CPU time (user + system) the server process used during the timed phase."""
    timeline: list[tuple[float, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Percentiles over every attempt (a failed one never got its reply: null if a percentile lands on
        one) and over the answered ones only."""
        lat = self.latencies_ms
        attempts = sorted(lat) + [math.inf] * self.failures

        def ms(value: float | None) -> float | None:
            return None if value is None or math.isinf(value) else round(value, 3)

        return {"attempts": len(attempts), "answered": len(lat), "failures": self.failures,
                "p50_ms": ms(percentile(attempts, 50)) if attempts else None,
                "p99_ms": ms(percentile(attempts, 99)) if attempts else None,
                "p50_answered_ms": ms(percentile(lat, 50)) if lat else None,
                "p99_answered_ms": ms(percentile(lat, 99)) if lat else None,
                "max_answered_ms": round(max(lat), 3) if lat else None,
                "throughput_per_s": round(len(lat) / self.wall_s, 1) if self.wall_s else None,
                "timed_phase_s": round(self.wall_s, 2), "setup_s": round(self.setup_s, 2),
                "request_bytes": self.request_bytes, "reply_bytes": self.reply_bytes,
                "failure_kinds": self.failure_kinds,
                "server_cpu_ms_per_reply": round(1000 * self.server_cpu_s / len(lat), 3)
                if self.server_cpu_s is not None and lat else None,
                "server_cpu_utilisation": round(self.server_cpu_s / self.wall_s, 2)
                if self.server_cpu_s is not None and self.wall_s else None,
                "slowest": [{"sent_at_s": round(at, 3), "ms": round(ms, 2)}
                            for at, ms in sorted(self.timeline, key=lambda x: -x[1])[:10]]}


async def gather_limited(limit: int, jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(j) for j in jobs))


# ---- processes ------------------------------------------------------------------------------------------

class Process:
    """A child process we started and must stop (terminate, then kill)."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child never blocks on it
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=self.stderr, stderr=self.stderr)

    def tail(self, chars: int = 2000) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-chars:]

    def save_log(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stderr.seek(0)
        path.write_bytes(self.stderr.read())
        return path

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.proc.args[:4]} exited with {self.proc.returncode}: {self.tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def wait_for_port(process: Process, port: int, timeout: float = 60.0, path: str | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.check()
        try:
            if path is None:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            elif httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200:
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not answer in {timeout}s")


def start_echo(redis_url: str | None = None) -> tuple[Process, int]:
    """The bare echo, or with ``redis_url`` the store floor (``stream_baselines``)."""
    port = free_port()
    mode = ["store", str(port), redis_url] if redis_url else ["echo", str(port)]
    process = Process([sys.executable, str(BASELINES), *mode], env={**os.environ, "PYTHONPATH": str(ROOT)})
    wait_for_port(process, port)
    return process, port


def start_uvicorn(app: str, env: dict[str, str], ready_path: str | None) -> tuple[Process, int]:
    """``app`` (a factory) under one uvicorn worker with the service's transport settings."""
    port = free_port()
    process = Process([sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
                       "--port", str(port), "--ws-max-size", env.get("ASSIST_WS_MAX_MESSAGE_BYTES", "65536"),
                       "--ws-per-message-deflate", "false",
                       "--log-level", "warning", "--backlog", "4096"], env=env)
    wait_for_port(process, port, path=ready_path)
    return process, port


def start_service(env: dict[str, str]) -> tuple[Process, int]:
    return start_uvicorn("assist.app:create_app", env, "/readyz")


def start_stack_floor(redis_url: str) -> tuple[Process, int]:
    return start_uvicorn("bench.stream_baselines:stack_floor_app",
                         {**os.environ, "PYTHONPATH": str(ROOT), "ASSIST_BENCH_REDIS_URL": redis_url}, None)


class PySpy:
    """py-spy sampling the service during the timed phase only (collapsed stacks, flamegraph input)."""

    def __init__(self, executable: str, out: Path) -> None:
        self.executable, self.out = executable, out
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, pid: int) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([self.executable, "record", "--pid", str(pid), "--rate", "1000", "--format",
                                      "raw", "-o", str(self.out), "--nonblocking"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached before the first timed send

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Probe:
    """``--probe``: the service loads ``bench/probe/sitecustomize.py``, which logs each event's time inside the
    service (frame read to prompt written) and garbage-collection pauses; summarised for the timed phase."""

    def __init__(self, folder: Path) -> None:
        self.prefix = folder / "probe"
        self.window = (0.0, 0.0)

    def configure(self, env: dict[str, str]) -> None:
        env["PYTHONPATH"] = f"{ROOT / 'bench' / 'probe'}{os.pathsep}{env['PYTHONPATH']}"
        env["ASSIST_BENCH_PROBE"] = str(self.prefix)

    def start(self) -> None:
        self.window = (time.time(), 0.0)

    def stop(self) -> None:
        self.window = (self.window[0], time.time())

    def summary(self) -> dict[str, Any]:
        inside: list[float] = []
        pauses: list[tuple[int, float]] = []
        heap: dict[str, list[str]] = {}
        sites: dict[str, list[str]] = {}
        begin, end = self.window
        for path in self.prefix.parent.glob(self.prefix.name + "-*.txt"):
            for line in path.read_text().splitlines():
                kind, at, *rest = line.split()
                if not begin <= float(at) <= end:
                    continue
                if kind == "M":  # where the heap was allocated, at each full collection (PYTHONTRACEMALLOC)
                    sites.setdefault(f"{path.stem} {at}", []).append(" ".join(rest))
                    continue
                if kind == "H":  # what each full collection looked at, per worker: the last one is kept
                    heap.setdefault(f"{path.stem} {at}", []).append(" ".join(rest))
                    continue
                if kind == "E":
                    inside.append(float(rest[0]) * 1000)
                else:
                    pauses.append((int(rest[0]), float(rest[1]) * 1000))
        return {"service_part_p50_ms": round(percentile(sorted(inside), 50), 3) if inside else None,
                "service_part_p99_ms": round(percentile(sorted(inside), 99), 3) if inside else None,
                "events_seen": len(inside), "gc_pauses_over_1ms": len(pauses),
                "gc_full_collections": sum(1 for gen, _ in pauses if gen == 2),
                "gc_max_pause_ms": round(max((ms for _, ms in pauses), default=0.0), 2),
                "gc_total_pause_ms": round(sum(ms for _, ms in pauses), 2),
                "gc_heap_at_full": _latest(heap), "gc_heap_sites_at_full": _latest(sites)}


def _latest(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per worker (``<file stem> <time>`` keys), the lines of its latest group."""
    return {key.split()[0]: lines for key, lines in sorted(groups.items(), key=lambda kv: kv[0].split()[1])}


# ---- the service's world --------------------------------------------------------------------------------

def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


async def seed(database_url: str, run_id: str, agents: list[str], samples: int) -> dict[tuple[str, int], str]:
    """Agents, and one customer per (agent, sample) so parallel sessions never share a journey; returns emails."""
    from assist.identity import normalise
    from assist.stores.sql import Database
    from assist.stores.tables import Agent, Customer, CustomerIdentifier

    emails: dict[tuple[str, int], str] = {}
    db = Database(database_url)
    try:
        await db.create_schema()
        async with db.session() as s:
            for agent_id in agents:
                s.add(Agent(id=agent_id, name=agent_id, refund_limit=50.0, channels={"chat": 3, "phone": 1}))
            for agent_id in agents:
                for k in range(samples):
                    cid = f"C-{run_id}-{agent_id}-{k}"
                    email = f"{agent_id.lower()}.{k}.{run_id}@example.com"
                    emails[(agent_id, k)] = email
                    s.add(Customer(id=cid, name="Sam Carter", email=email, phone=None, account_number="AC7781",
                                   segment="premium", tenure_months=60, lifetime_value=3200, churn_risk=0.62,
                                   consent={"service": True, "profiling": True, "marketing": True}))
            await s.flush()
            for (agent_id, k), email in emails.items():
                s.add(CustomerIdentifier(kind="email", value=normalise("email", email),
                                         customer_id=f"C-{run_id}-{agent_id}-{k}"))
    finally:
        await db.close()
    return emails


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed_phase(conns: list[Any], payloads: list[list[str]], scenario: Scenario,
                      receivers: list[Callable[[], Awaitable[Any]]], is_reply: Callable[[Any, int, int], bool],
                      server_pid: int) -> tuple[list[float], int, float, float | None]:
    """Every connection sends its payloads on its schedule; ``receivers[i]`` takes what comes back on
    connection i (a raw frame, or a panel message), ``is_reply`` says whether it is the reply timed.

    Returns latencies (ms), failures, wall time of the phase and the server's CPU seconds in it.
    """
    latencies: list[float] = []
    failures = 0
    kinds = FAILURES
    kinds.clear()
    TIMELINE.clear()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def agent(i: int) -> None:
        nonlocal failures
        ws, receive = conns[i], receivers[i]
        for k, payload in enumerate(payloads[i]):
            delay = start + scenario.schedules[i][k] - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            t0 = time.perf_counter()
            await ws.send(payload)
            try:
                async with asyncio.timeout(REPLY_TIMEOUT):
                    while True:
                        got = await receive()
                        t1 = time.perf_counter()
                        if is_reply(got, i, k):
                            latencies.append((t1 - t0) * 1000)
                            TIMELINE.append((t0 - t_start, (t1 - t0) * 1000))
                            break
            except TimeoutError:
                failures += 1
                kinds["timeout"] = kinds.get("timeout", 0) + 1
            except RuntimeError as exc:
                failures += 1
                kinds[str(exc)] = kinds.get(str(exc), 0) + 1

    cpu_before = cpu_seconds(server_pid)
    t_start = time.perf_counter() + 0.2
    await asyncio.gather(*(agent(i) for i in range(len(conns))))
    wall = time.perf_counter() - t_start
    cpu_after = cpu_seconds(server_pid)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return latencies, failures, wall, cpu


async def connect_all(url_for: Callable[[int], str], headers_for: Callable[[int], dict[str, str]],
                      n: int) -> list[Any]:
    from websockets.asyncio.client import connect

    async def one(i: int) -> Any:
        return await connect(url_for(i), additional_headers=headers_for(i), max_size=2**22, open_timeout=30,
                             ping_interval=None)

    return await gather_limited(64, [lambda i=i: one(i) for i in range(n)])


async def close_all(conns: list[Any]) -> None:
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


async def bench_echo(port: int, pid: int, scenario: Scenario) -> Result:
    n = scenario.connections
    t_setup = time.perf_counter()
    conns = await connect_all(lambda i: f"ws://127.0.0.1:{port}/", lambda i: {}, n)
    setup_s = time.perf_counter() - t_setup
    fake_session = "S-" + "0" * 12  # the same length as a real session id: same bytes on the wire
    payloads = [[event_message(fake_session, i * scenario.samples + k, scenario.speaker)
                 for k in range(scenario.samples)]
                for i in range(n)]
    try:
        latencies, failures, wall, cpu = await timed_phase(
            conns, payloads, scenario, [c.recv for c in conns], lambda raw, i, k: raw == payloads[i][k], pid)
    finally:
        await close_all(conns)
    size = len(payloads[0][0].encode())
    return Result(latencies, failures, wall, setup_s, size, size, dict(FAILURES), cpu, list(TIMELINE))


@dataclass(frozen=True)
class Guidance:
    """What answers the service's events in one run: the rules, or a promoted model (``model_version``), with
    the event path's memo on or off, to panels that take batched frames (as the web panel does) or one message
    per frame."""

    kind: str
    memo: bool = True
    model_version: str | None = None
    batched: bool = True

    @property
    def name(self) -> str:
        return self.kind + ("" if self.memo else " (memo off)") + ("" if self.batched else " (single frames)")

    def check(self, prompt: dict[str, Any]) -> None:
        """Raises RuntimeError for a prompt the guidance measured did not give (the bench then stops)."""
        source, version = prompt.get("source"), prompt.get("model_version")
        if self.kind == "model" and (source != "model" or version != self.model_version):
            raise RuntimeError(f"{NOT_MEASURED}: source {source!r}, model {version!r}, expected the model "
                               f"{self.model_version!r} (guardrails {prompt.get('guardrails')}, "
                               f"degraded {prompt.get('degraded')})")
        if self.kind == "rules" and source != "rules":
            raise RuntimeError(f"{NOT_MEASURED}: source {source!r}, expected the rules")

    def is_reply(self, prompt: dict[str, Any]) -> bool:
        """The timed event's prompt: the rules' apology, or whatever the model suggests next."""
        self.check(prompt)
        return self.kind == "model" or prompt.get("action") == ACTION


RULES = Guidance("rules")
NOT_MEASURED = "a prompt not from the guidance measured"


async def bench_service(port: int, pid: int, scenario: Scenario, emails: dict[tuple[str, int], str],
                        agents: list[str], timed_hooks: tuple[Callable[[], None], Callable[[], None]] | None = None,
                        guidance: Guidance = RULES) -> Result:
    import httpx

    from assist.auth.tokens import create_token
    from assist.settings import Settings

    settings = Settings(jwt_secret=SECRET, environment="test")
    base = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {create_token(settings, 'X1', 'admin')}"}
    n, samples = scenario.connections, scenario.samples
    t_setup = time.perf_counter()
    query = f"?{BATCH}" if guidance.batched else ""
    conns = await connect_all(lambda i: f"ws://127.0.0.1:{port}/v1/agents/{agents[i]}/stream{query}",
                              lambda i: {"Authorization": f"Bearer {create_token(settings, agents[i], 'agent')}"},
                              n)
    readers = [PanelReader(c) for c in conns]
    sessions: list[list[str]] = [[] for _ in range(n)]
    reply_sizes: list[int] = []
    try:
        await asyncio.gather(*(expect(r, "hello") for r in readers))
        async with httpx.AsyncClient(base_url=base, headers=admin, timeout=60,
                                     limits=httpx.Limits(max_connections=32)) as http:

            async def open_sessions(i: int) -> None:
                for k in range(samples):
                    response = await http.post("/v1/contacts/offer", json={
                        "agent_id": agents[i], "channel": "chat", "reason": "refund",
                        "identifiers": {"email": emails[(agents[i], k)]}, "expires_in_seconds": 600})
                    response.raise_for_status()
                    session_id = response.json()["session_id"]
                    await expect(readers[i], "offer", offer_id=session_id)
                    await conns[i].send(json.dumps({"type": "accept", "data": {"offer_id": session_id}}))
                    context = await expect(readers[i], "context", session_id=session_id)
                    if context["data"]["identity"]["status"] != "resolved":
                        raise RuntimeError(f"customer not resolved: {context['data']['identity']}")
                    first = await expect(readers[i], "prompt", session_id=session_id,
                                         **({"action": "verify_identity"} if guidance.kind == "rules" else {}))
                    guidance.check(first["data"])
                    sessions[i].append(session_id)

            # At most SETUP_CONCURRENCY accepts at once: each accept holds one pooled SQL connection while
            # it opens nested sessions (see the report), and 15+ at once exhaust the pool for 30 s.
            await gather_limited(SETUP_CONCURRENCY, [lambda i=i: open_sessions(i) for i in range(n)])
        setup_s = time.perf_counter() - t_setup
        payloads = [[event_message(sid, i * samples + k, scenario.speaker) for k, sid in enumerate(sessions[i])]
                    for i in range(n)]

        def is_reply(message: dict[str, Any], i: int, k: int) -> bool:
            if message["type"] == "error":
                raise RuntimeError(f"error {message['data'].get('code')}: {message['data'].get('detail')}")
            data = message["data"]
            if (message["type"] == "prompt" and data.get("session_id") == sessions[i][k]
                    and guidance.is_reply(data)):
                if not reply_sizes:
                    reply_sizes.append(len(json.dumps(message, separators=(",", ":")).encode()))
                return True
            return False

        if timed_hooks:
            timed_hooks[0]()
        try:
            latencies, failures, wall, cpu = await timed_phase(conns, payloads, scenario, [r.next for r in readers],
                                                               is_reply, pid)
        finally:
            if timed_hooks:
                timed_hooks[1]()
    finally:
        await close_all(conns)
    return Result(latencies, failures, wall, setup_s, len(payloads[0][0].encode()),
                  reply_sizes[0] if reply_sizes else 0, dict(FAILURES), cpu, list(TIMELINE))


# ---- orchestration --------------------------------------------------------------------------------------

def service_env(tmp: Path, redis_url: str, prefix: str, rate: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
    env.update({"ASSIST_ENVIRONMENT": "test", "ASSIST_REDIS_URL": redis_url,
                "ASSIST_DATABASE_URL": f"sqlite:///{tmp / 'assist.db'}", "ASSIST_DATA_DIR": str(tmp),
                "ASSIST_REDIS_PREFIX": prefix, "ASSIST_JWT_SECRET": SECRET, "ASSIST_LOG_LEVEL": "WARNING",
                "ASSIST_WS_MAX_MESSAGES_PER_SECOND": str(rate), "ASSIST_WS_MAX_MESSAGE_BYTES": "65536",
                "ASSIST_RATE_LIMIT_ENABLED": "false",  # one admin token posts every offer of a scenario
                "PYTHONPATH": str(ROOT)})
    return env


def delete_prefix(redis_url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    deleted = 0
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                deleted += client.unlink(*batch)
                batch = []
        if batch:
            deleted += client.unlink(*batch)
    finally:
        client.close()
    return deleted


def run_scenario(scenario: Scenario, redis_url: str, baselines: dict[str, tuple[Process, int]],
                 log: Callable[[str], None], py_spy: str | None, probe: bool = False,
                 kinds: tuple[Guidance, ...] = (RULES,), model: BenchModel | None = None,
                 isolated_cpu_ms: float | None = None, settings: dict[str, str] | None = None) -> dict[str, Any]:
    """The baselines (``echo``, ``store_floor``, ``stack_floor``), then the service once per guidance in
    ``kinds`` (a fresh data folder, database and Redis prefix each), on ``scenario``."""
    n = scenario.connections
    raise_fd_limit(n)
    log(f"-- {n} connection(s) x {scenario.samples} sample(s)")
    measured: dict[str, dict[str, Any]] = {}
    for name, (process, port) in baselines.items():
        log(f"-- {n} connection(s): {name.replace('_', ' ')}")
        profiler = PySpy(py_spy, OUT.parent / f"stream-{n}-{name}.py-spy.txt") if py_spy and name == "stack_floor" \
            else None
        if profiler is not None:  # the floor's profile beside the service's: what the product adds to it
            profiler.start(process.proc.pid)
        try:
            measured[name] = {**run(bench_echo(port, process.proc.pid, scenario)).summary(),
                              "loadavg_after": os.getloadavg()}
        finally:
            if profiler is not None:
                profiler.stop()
    services = {g.name: run_service(scenario, redis_url, g, model, log, py_spy, probe, settings) for g in kinds}
    return scenario_row(scenario, measured, services, isolated_cpu_ms)


def run_service(scenario: Scenario, redis_url: str, guidance: Guidance, model: BenchModel | None,
                log: Callable[[str], None], py_spy: str | None, probe: bool,
                settings: dict[str, str] | None = None) -> dict[str, Any]:
    """The service under ``guidance`` on ``scenario``: its summary, the load average after it, its probe.
    ``settings``: ``ASSIST_*`` values for the service under test (``--service-env``)."""
    n = scenario.connections
    tmp = Path(tempfile.mkdtemp(prefix="assist-bench-"))
    run_id = uuid.uuid4().hex[:8]
    prefix = f"bench{run_id}"
    agents = [f"B{n}-{i:04d}" for i in range(n)]
    env = service_env(tmp, redis_url, prefix, rate=10_000)
    env["ASSIST_GUIDANCE_MEMO_JOURNEYS"] = "2048" if guidance.memo else "0"
    env.update(settings or {})
    service = None
    tag = f"{n}-{guidance.name.replace(' ', '-').replace('(', '').replace(')', '')}"
    profiler = PySpy(py_spy, OUT.parent / f"stream-{tag}.py-spy.txt") if py_spy else None
    prober = Probe(tmp) if probe else None
    if prober is not None:
        prober.configure(env)
    try:
        emails = run(seed(env["ASSIST_DATABASE_URL"], run_id, agents, scenario.samples))
        if guidance.kind == "model":
            if model is None:
                raise ValueError("model guidance needs a model")
            run(install(model, tmp, env["ASSIST_DATABASE_URL"]))
        log(f"-- {n} connection(s): service, {guidance.name} (seeded {len(emails)} customers)")
        service, port = start_service(env)
        pid = service.proc.pid

        def timed_start() -> None:
            if prober is not None:
                prober.start()
            if profiler is not None:
                profiler.start(pid)

        def timed_stop() -> None:
            if profiler is not None:
                profiler.stop()
            if prober is not None:
                prober.stop()

        log_path = OUT.parent / f"stream-service-{tag}.log"
        try:
            result = run(bench_service(port, pid, scenario, emails, agents, (timed_start, timed_stop), guidance))
        except BaseException:
            log(f"service output kept in {service.save_log(log_path)}")
            raise
        if result.failures:
            log(f"{result.failures} failed sample(s) {result.failure_kinds}; service output kept in "
                f"{service.save_log(log_path)}")
        if any(kind.startswith(NOT_MEASURED) for kind in result.failure_kinds):
            raise RuntimeError(f"{guidance.name}: {result.failure_kinds}")
    finally:
        if profiler is not None:
            profiler.stop()
        if service is not None:
            service.stop()
        if redis_url.startswith("redis://"):
            delete_prefix(redis_url, prefix)
        probed = prober.summary() if prober is not None else None
        shutil.rmtree(tmp, ignore_errors=True)
    return {**result.summary(), "loadavg_after": os.getloadavg(), "probe": probed}


def parse_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="1,100,1000", help="comma-separated connection counts")
    parser.add_argument("--samples", default="200,5,2", help="samples per connection, one per count")
    parser.add_argument("--quick", action="store_true",
                        help="1 and 100 connections, 100 and 3 samples (a few minutes with rules and model)")
    parser.add_argument("--guidance", default="rules,model",
                        help="comma-separated: rules (no model promoted), model (the demo model promoted)")
    parser.add_argument("--event", choices=("customer", "agent"), default="customer",
                        help="the timed utterance: the customer's angry words (default), or the agent's words, which "
                             "leave the model's input as it was at accept (model guidance only: rules prompt nothing)")
    parser.add_argument("--memo", default="on",
                        help="comma-separated: on, off (ASSIST_GUIDANCE_MEMO_JOURNEYS=0), e.g. on,off for before "
                             "and after")
    parser.add_argument("--frames", default="batched",
                        help="comma-separated: batched (each step's messages in one frame, ?batch=1, as the web panel "
                             "asks), single (one message per frame, protocol 1.0's default)")
    parser.add_argument("--interval", type=float, default=3.0,
                        help="mean seconds between one agent's events when N > 1 (default 3: a busy call)")
    parser.add_argument("--interval-1", type=float, default=0.02,
                        help="mean seconds between events with a single connection (default 0.02)")
    parser.add_argument("--burst", action="store_true", help="every agent sends at the same instant instead")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--py-spy", help="path to py-spy: profile the service during each scenario "
                                         "(collapsed stacks in bench/out/stream-<N>.py-spy.txt)")
    parser.add_argument("--probe", action="store_true",
                        help="also log, inside the service, each event's own time (frame read to prompt written) and "
                             "garbage-collection pauses (bench/probe/sitecustomize.py; adds a little work per event)")
    parser.add_argument("--service-env", action="append", default=[], metavar="ASSIST_X=VALUE",
                        help="a setting for the service under test (repeatable), "
                             "e.g. ASSIST_GC_THRESHOLDS=[2000,10,1000]")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    if args.quick:
        args.connections, args.samples = "1,100", "100,3"
    counts, samples = parse_ints(args.connections), parse_ints(args.samples)
    kinds_asked = [k for k in args.guidance.split(",") if k]
    memos = [m for m in args.memo.split(",") if m]
    frames = [f for f in args.frames.split(",") if f]
    if not kinds_asked or set(kinds_asked) - {"rules", "model"} or not memos or set(memos) - {"on", "off"}:
        parser.error("--guidance takes rules and/or model, --memo on and/or off")
    if not frames or set(frames) - {"batched", "single"}:
        parser.error("--frames takes batched and/or single")
    if args.event == "agent" and "rules" in kinds_asked:
        parser.error("--event agent needs --guidance model: the rules prompt nothing on an agent's words")
    if len(samples) != len(counts):
        parser.error("--samples needs one value per --connections value")
    rng = random.Random(args.seed)
    scenarios = []
    for n, k in zip(counts, samples, strict=True):
        interval = args.interval_1 if n == 1 else args.interval
        sc = Scenario(n, k, interval, args.burst, speaker=args.event)
        sc.schedules = [schedule(rng, k, interval, args.burst) for _ in range(n)]
        scenarios.append(sc)

    cpus = os.cpu_count() or 0
    load = os.getloadavg()
    print(f"stream bench: {cpus} CPU(s) (client, server, Redis and anything else running share them), "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, Python {platform.python_version()}")
    raise_fd_limit(max(counts))
    model = bench_model(lambda m: print(m, flush=True)) if "model" in kinds_asked else None
    isolated = None
    if model is not None:
        isolated = isolated_score_explain(model, TEXT)
        print(f"model {model.version}" + (f" (trained now in {model.trained_s} s)" if model.trained_s else "")
              + f": isolated score+explain {isolated['cpu_ms_mean']} ms CPU per call (median call "
              f"{isolated['cpu_ms_p50']} ms), load average {os.getloadavg()[0]:.2f}", flush=True)
    kinds = tuple(Guidance(k, m == "on", model.version if k == "model" and model else None, f == "batched")
                  for k in kinds_asked for m in memos for f in frames)
    embedded = None
    redis_url = REDIS_URL
    baselines: dict[str, tuple[Process, int]] = {}
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        if not redis_answers(REDIS_URL):
            from assist.stores.redis import EmbeddedRedis

            embedded = EmbeddedRedis()
            redis_url = embedded.start()
        print(f"redis: {'embedded ' + redis_url if embedded else redis_url}; one uvicorn worker; "
              f"SQLite in a temp dir")
        baselines["echo"] = start_echo()
        baselines["store_floor"] = start_echo(redis_url)
        baselines["stack_floor"] = start_stack_floor(redis_url)
        for sc in scenarios:
            rows.append(run_scenario(sc, redis_url, baselines, lambda m: print(m, flush=True), args.py_spy,
                                     args.probe, kinds, model, isolated["cpu_ms_mean"] if isolated else None,
                                     dict(pair.split("=", 1) for pair in args.service_env)))
    finally:
        for process, _ in baselines.values():
            process.stop()
        if embedded is not None:
            embedded.stop()
    print()
    print_table(rows)
    print(f"\nlatency = perf_counter from send(event) to the receipt of its prompt (echo: of the echoed frame); "
          f"load = offered events/s (N / interval);\nstore floor, stack floor = the echo after the event's Redis "
          f"round trip through the service's store code, served bare (store) or by FastAPI under uvicorn (stack), "
          f"with no guidance and no panel logic; p99/stack, cpu/stack, p99/echo = a server's figure over that "
          f"baseline's in the same scenario;\ncpu ms/ev = the server process's CPU (/proc) per reply in the timed "
          f"phase; load1 = 1-minute load average right after that phase; "
          f"{cpus} CPUs shared with the client, Redis and anything else running (load average now "
          f"{os.getloadavg()[0]:.2f}); total {time.perf_counter() - started:.0f} s")
    import websockets

    report = {"benchmark": "stream: event in -> prompt out vs websocket echo", "cpu_count": cpus,
              "loadavg_at_start": load, "python": platform.python_version(), "websockets": websockets.__version__,
              "redis": "embedded" if embedded else redis_url, "uvicorn_workers": 1, "database": "sqlite (temp)",
              "event_text": TEXT if args.event == "customer" else AGENT_TEXT, "expected_action": ACTION,
              "seed": args.seed,
              "guidance": [g.name for g in kinds], "model_version": model.version if model else None,
              "isolated_score_explain": isolated,
              "targets": {"rules_p99_over_echo": TARGET_RATIO, "model_p99_over_stack_floor": TARGET_STACK_P99,
                          "model_cpu_over_stack_floor_plus_isolated": TARGET_CPU,
                          "p99_ms_at_1000": TARGET_P99_MS_AT_1000},
              "rows": rows, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
