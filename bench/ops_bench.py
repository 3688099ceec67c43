"""What running it like production costs (issue 22). A benchmark, not a test.

Run: ``.venv/bin/python bench/ops_bench.py [--samples N]``. Prints:

- the metrics hooks on the event path (``assist.metrics.event_prompted`` for an event with one prompt and one
  with none), hot and with cold caches (48 MB written before each sample, as ``event_path_bench`` does: the
  service's event latency follows the cold figures);
- bringing a new SQLite database to the schema: ``create_all`` (what startup did) against ``upgrade_schema``
  (the Alembic migrations it runs now in development and test).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import SQLModel  # noqa: E402

from assist import metrics  # noqa: E402
from assist.guidance.interface import Prompt  # noqa: E402
from assist.stores.sql import Database  # noqa: E402

EVICT = bytearray(48 * 2**20)


def timed(step: Callable[[], object], samples: int, cold: bool) -> list[float]:
    """Microseconds per call of ``step``, one call per sample."""
    out = []
    for _ in range(samples):
        if cold:
            EVICT[::64] = b"\x01" * len(EVICT[::64])
        started = time.perf_counter()
        step()
        out.append((time.perf_counter() - started) * 1e6)
    return out


def hooks(samples: int) -> None:
    prompt = [Prompt.model_construct(id="P1", action="offer_refund_small", source="model", degraded=False)]
    print(f"{'metrics hook':<34}{'hot p50 us':>12}{'cold p50 us':>12}{'cold p99 us':>12}")
    for name, step in (("event_prompted, 1 prompt", lambda: metrics.event_prompted(time.perf_counter(), prompt)),
                       ("event_prompted, no prompt", lambda: metrics.event_prompted(time.perf_counter(), [])),
                       ("routing_decision", lambda: metrics.routing_decision("default", "offered"))):
        hot = timed(step, samples * 10, cold=False)
        cold = sorted(timed(step, samples, cold=True))
        print(f"{name:<34}{statistics.median(hot):>12.2f}{statistics.median(cold):>12.2f}"
              f"{cold[int(len(cold) * 0.99) - 1]:>12.2f}")


async def schema(samples: int) -> None:
    async def create_all(db: Database) -> None:
        async with db.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)

    print(f"\n{'new SQLite database to schema':<34}{'p50 ms':>12}{'max ms':>12}")
    for name, make in (("create_all", create_all), ("upgrade_schema (Alembic)", Database.upgrade_schema)):
        took = []
        for _ in range(samples):
            with tempfile.TemporaryDirectory() as folder:
                db = Database(f"sqlite:///{folder}/a.db")
                started = time.perf_counter()
                await make(db)
                took.append((time.perf_counter() - started) * 1e3)
                await db.close()
        print(f"{name:<34}{statistics.median(took):>12.1f}{max(took):>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    hooks(args.samples)
    asyncio.run(schema(max(5, args.samples // 20)))


if __name__ == "__main__":
    main()
