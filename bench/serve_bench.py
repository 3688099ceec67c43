"""Memory of ``assist serve``: per idle panel (next to a bare websockets echo) and per worker (issue 24).

Run: ``.venv/bin/python bench/serve_bench.py`` (``--help`` for the knobs). A benchmark, not a test: it prints
figures and writes ``bench/out/serve.json``, and never fails on a missed target (<= 30 KB per idle panel; a
second worker adds under 100 MB).

Per idle panel: one server process, quiet (its start-up work done), ``--warm`` connections opened first
(lazy imports, first-use caches), then its memory is read (``/proc/<pid>/smaps_rollup``: RSS and PSS),
``--panels`` more connections are opened and left idle for ``--settle`` seconds, and the memory is read again;
the delta over ``--panels`` is the figure. A panel is the real thing: a distinct agent's stream, authenticated,
its hello received (so its pub/sub subscription and outbox read happened). The echo is
``bench/stream_baselines.py echo`` with the same client. ``--tree DIR`` measures another checkout's service too
(e.g. ``/work/main``, to compare before and after in one run; it is started from that directory).

Per worker: ``assist serve`` (one process) and ``assist serve --workers 2`` (a parent that loaded the
libraries, the promoted model and the knowledge base, and two forked workers), each after start-up and
``--requests`` knowledge searches spread over its workers; PSS counts a page shared by k processes as 1/k to
each, so the processes' PSS add up to what they cost together; USS is a process's private pages (what one more
worker would cost, near enough). "A second worker adds" = the forked total minus
the single process. The promoted model is the demo model (trained once into ``--data-dir`` and reused).

The server, Redis, the client and everything else on the machine share its CPUs; the load average is printed
beside each figure. Redis is the machine's (``--redis-url``) under a fresh key prefix, deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assist.auth.tokens import create_token  # noqa: E402
from assist.settings import Settings  # noqa: E402

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
OPEN_AT_ONCE = 50
"""Panels opened concurrently: enough to open 1,000 in seconds, few enough not to time out the handshakes."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_kb(pid: int) -> dict[str, int]:
    """RSS, PSS and USS (its private pages: what it alone costs) of one process, in KB (``smaps_rollup``)."""
    fields = {"uss": 0}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            fields[name.lower()] = int(rest.split()[0])
        elif name in ("Private_Clean", "Private_Dirty"):
            fields["uss"] += int(rest.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def quiet(pid: int, limit: float = 60.0) -> None:
    """Until the process used under 2% of a core for a second (its start-up training threads are done, so
    their freed memory does not fill in under the panels), at most ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        used = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(pid) - used < 0.02:
            return


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


class Server:
    """One server subprocess (the service from a checkout, or the echo), stopped on exit."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, ready_path: str, cwd: Path = ROOT
                 ) -> None:
        self.command, self.env, self.port, self.ready_path, self.cwd = command, env, port, ready_path, cwd
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.process.returncode}")
            if self._answers():
                return self
            time.sleep(0.2)
        raise TimeoutError(f"{self.command} did not answer in 120 s")

    def _answers(self) -> bool:
        if self.ready_path == "":  # the echo: a TCP connect is enough
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}{self.ready_path}", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def __exit__(self, *_: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def service(env: dict[str, str], tree: Path, *extra: str) -> Server:
    port = free_port()
    run_env = {**env, "PYTHONPATH": str(tree), "ASSIST_PORT": str(port)}
    return Server([sys.executable, "-m", "assist.cli", "serve", "--host", "127.0.0.1", *extra], run_env, port,
                  "/readyz", cwd=tree)  # ``-m`` puts the working directory first on sys.path


def echo(env: dict[str, str]) -> Server:
    port = free_port()
    return Server([sys.executable, str(ROOT / "bench" / "stream_baselines.py"), "echo", str(port)], env, port, "")


async def open_panels(port: int, count: int, settings: Settings | None, first: int) -> list[ClientConnection]:
    """``count`` idle connections: agent streams (hello received) when ``settings``, else bare echo sockets."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one(i: int) -> ClientConnection:
        async with gate:
            if settings is None:
                return await connect(f"ws://127.0.0.1:{port}/", compression=None)
            agent = f"M{first + i}"
            ws = await connect(f"ws://127.0.0.1:{port}/v1/agents/{agent}/stream", compression=None,
                               additional_headers={"Authorization": f"Bearer {create_token(settings, agent, 'agent')}"})
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
            return ws

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def per_panel(server: Server, settings: Settings | None, panels: int, warm: int, settle: float
                    ) -> dict[str, Any]:
    await quiet(server.pid)
    warmed = await open_panels(server.port, warm, settings, 0)
    await asyncio.sleep(settle)
    before = memory_kb(server.pid)
    opened = await open_panels(server.port, panels, settings, warm)
    await asyncio.sleep(settle)
    after = memory_kb(server.pid)
    for ws in warmed + opened:
        await ws.close()
    return {"panels": panels, "rss_mb": after["rss"] / 1024,
            "rss_kb_per_panel": (after["rss"] - before["rss"]) / panels,
            "pss_kb_per_panel": (after["pss"] - before["pss"]) / panels, "load": os.getloadavg()}


def per_worker(server: Server, requests: int, settings: Settings, settle: float) -> dict[str, Any]:
    """Every process's PSS/RSS after ``requests`` knowledge searches (new connections: spread over workers)."""
    headers = {"Authorization": f"Bearer {create_token(settings, 'M0', 'agent')}"}
    for i in range(requests):
        with httpx.Client() as client:  # a new connection each: any worker may accept it
            client.get(f"http://127.0.0.1:{server.port}/v1/knowledge/search",
                       params={"q": f"refund charged twice {i}"}, headers=headers)
    time.sleep(settle)
    processes = [server.pid, *children(server.pid)]
    processes = [p for p in processes if "redis" not in Path(f"/proc/{p}/cmdline").read_text()]
    figures = {pid: memory_kb(pid) for pid in processes}
    return {"processes": [{"pid": pid, "role": "parent" if pid == server.pid and len(processes) > 1 else "worker",
                           "pss_mb": m["pss"] / 1024, "rss_mb": m["rss"] / 1024, "uss_mb": m["uss"] / 1024}
                          for pid, m in figures.items()],
            "pss_total_mb": sum(m["pss"] for m in figures.values()) / 1024, "load": os.getloadavg()}


def prepare(data_dir: Path, env: dict[str, str]) -> Settings:
    """The data folder with a migrated SQLite file and the demo model promoted (trained at the first run)."""
    from assist.demo import ensure_demo_model

    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    settings = Settings()
    started = time.monotonic()
    model = ensure_demo_model(settings)
    print(f"model {model.version} ({'trained in %.0f s' % (time.monotonic() - started) if model.trained else 'reused'}"
          f", {'promoted' if model.promoted else 'NOT promoted: rules answer'})", flush=True)
    return settings


@contextmanager
def redis_prefix(url: str) -> Iterator[str]:
    import redis

    prefix = f"benchserve{uuid.uuid4().hex[:8]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panels", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds idle before each memory reading")
    parser.add_argument("--requests", type=int, default=40, help="knowledge searches before the worker figures")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "serve-data")
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="another checkout whose service is measured per panel too (repeatable)")
    parser.add_argument("--skip-workers", action="store_true")
    args = parser.parse_args()

    with redis_prefix(args.redis_url) as prefix:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
        env.update({"ASSIST_ENVIRONMENT": "development", "ASSIST_REDIS_URL": args.redis_url,
                    "ASSIST_REDIS_PREFIX": prefix, "ASSIST_DATA_DIR": str(args.data_dir),
                    "ASSIST_JWT_SECRET": SECRET, "ASSIST_LOG_LEVEL": "WARNING",
                    "ASSIST_RATE_LIMIT_ENABLED": "false"})
        settings = prepare(args.data_dir, env)
        results: dict[str, Any] = {"cpus": os.cpu_count(), "panel": {}, "workers": {}}
        print(f"\nper idle panel: {args.panels} panels after {args.warm} warm-up ones, {args.settle:.0f} s idle")
        runs: list[tuple[str, Server, Settings | None]] = [("echo (websockets)", echo(env), None),
                                                           ("service (this tree)", service(env, ROOT), settings)]
        runs += [(f"service ({tree})", service(env, tree), settings) for tree in args.tree]
        for name, server, panel_settings in runs:
            with server:
                figure = asyncio.run(per_panel(server, panel_settings, args.panels, args.warm, args.settle))
            results["panel"][name] = figure
            print(f"  {name:<34} RSS {figure['rss_kb_per_panel']:6.1f} KB/panel, PSS "
                  f"{figure['pss_kb_per_panel']:6.1f} KB/panel (process RSS {figure['rss_mb']:.0f} MB)  {load()}",
                  flush=True)
        if not args.skip_workers:
            print("\nper worker (PSS: shared pages split between the processes sharing them)")
            for name, extra in (("1 process", ()), ("--workers 2", ("--workers", "2"))):
                with service(env, ROOT, *extra) as server:
                    figure = per_worker(server, args.requests, settings, args.settle)
                results["workers"][name] = figure
                each = ", ".join(f"{p['role']} {p['pss_mb']:.0f} (RSS {p['rss_mb']:.0f}, USS {p['uss_mb']:.0f})"
                                 for p in figure["processes"])
                print(f"  {name:<12} PSS total {figure['pss_total_mb']:6.1f} MB: {each}  {load()}", flush=True)
            one, two = (results["workers"][k]["pss_total_mb"] for k in ("1 process", "--workers 2"))
            results["workers"]["second_worker_adds_mb"] = two - one
            print(f"  a second worker adds {two - one:.1f} MB (two unshared processes: {2 * one:.0f} MB)")
    out = ROOT / "bench" / "out" / "serve.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
