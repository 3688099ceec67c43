"""Inside the service, for ``bench/stream_bench.py --probe`` only: splits an event's latency into the service's
own part and the transport's, and records garbage-collection pauses.

The bench puts this folder first on the service's PYTHONPATH, so Python imports it at start-up; it does
nothing unless ``ASSIST_BENCH_PROBE`` names a file prefix. It then appends one line per observation to
``<prefix>-<pid>.txt``:

- ``E <unix time> <seconds>``: from the service reading a panel's ``event`` frame off the websocket to
  writing the next ``prompt`` frame to that websocket (what the service itself adds to the echo's path);
- ``G <unix time> <generation> <seconds>``: a garbage collection that took 1 ms or more, or any full one;
- ``H <unix time> <count> <type>``: with ``ASSIST_BENCH_PROBE_HEAP`` set for the service (``--service-env
  ASSIST_BENCH_PROBE_HEAP=1``), after a full collection, the objects it had to look at (all tracked ones
  outside ``gc.freeze``'s), the most common types first;
- ``M <unix time> <bytes> <blocks> <file:line>``: with ``PYTHONTRACEMALLOC`` also set for the service, the lines that
  allocated the most of what is alive then.
"""

from __future__ import annotations

import gc
import os
import time
import tracemalloc

PREFIX = os.environ.get("ASSIST_BENCH_PROBE")
HEAP = bool(os.environ.get("ASSIST_BENCH_PROBE_HEAP"))
"""Dump the heap after each full collection: it stalls the service for as long again, so latency figures of a
window with a full collection are not to be read from such a run (only the pauses and the dump)."""

if PREFIX:
    from starlette.websockets import WebSocket

    _out = open(f"{PREFIX}-{os.getpid()}.txt", "w", buffering=1)  # noqa: SIM115 - open for the process's life
    _receive_text, _send_text = WebSocket.receive_text, WebSocket.send_text
    _received: dict[int, float] = {}

    async def receive_text(self: WebSocket) -> str:
        text = await _receive_text(self)
        if text.startswith('{"type":"event"'):
            _received[id(self)] = time.perf_counter()
        return text

    async def send_text(self: WebSocket, data: str) -> None:
        await _send_text(self, data)
        started = _received.get(id(self))
        if started is not None and '"type":"prompt"' in data:
            del _received[id(self)]
            _out.write(f"E {time.time():.6f} {time.perf_counter() - started:.6f}\n")

    WebSocket.receive_text, WebSocket.send_text = receive_text, send_text  # type: ignore[method-assign]

    _collecting: list[float] = []

    def _on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _collecting[:] = [time.perf_counter()]
        elif _collecting:
            took = time.perf_counter() - _collecting[0]
            if took >= 0.001 or info["generation"] == 2:
                _out.write(f"G {time.time():.6f} {info['generation']} {took:.6f}\n")
            if info["generation"] == 2 and HEAP:
                _heap()

    def _heap() -> None:
        """What a full collection had to look at: the tracked objects outside ``gc.freeze``'s, by type."""
        counts: dict[str, int] = {}
        for obj in gc.get_objects():
            name = f"{type(obj).__module__}.{type(obj).__qualname__}"
            counts[name] = counts.get(name, 0) + 1
        now = time.time()
        _out.write(f"H {now:.6f} {sum(counts.values())} (all)\n")
        for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:25]:
            _out.write(f"H {now:.6f} {n} {name}\n")
        if tracemalloc.is_tracing():  # PYTHONTRACEMALLOC=N in the service's environment: where the heap was made
            stats = tracemalloc.take_snapshot().statistics("lineno")
            for stat in stats[:40]:
                frame = stat.traceback[0]
                _out.write(f"M {now:.6f} {stat.size} {stat.count} {frame.filename}:{frame.lineno}\n")

    gc.callbacks.append(_on_gc)
