"""An experiment's results query over a large table of contacts, on SQLite and PostgreSQL (issue 21). A
benchmark, not a test.

Run: ``.venv/bin/python bench/experiments_bench.py [--contacts 1000000] [--backends sqlite,postgresql]``.
Prints the load time and the median of ``--repeats`` runs of ``assist.experiments.results.results`` and writes
``bench/out/experiments.json``.

The data: ``--contacts`` closed contacts over a year, one in three in the experiment measured (three arms,
weights 1:1:1), one in three in an earlier experiment, the rest in none; CSAT on 40 %; three prompts per
contact in an experiment (the arm's prompt count is part of the report), none for the hold-out arm. Rows go in
with COPY on PostgreSQL (a fresh database, dropped at the end) and ``executemany`` into a new SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assist.experiments.results import results  # noqa: E402
from assist.experiments.tables import Experiment  # noqa: E402
from assist.stores.sql import Database  # noqa: E402
from bench.scratch import scratch_database, sqlite_path  # noqa: E402

OUT = ROOT / "bench" / "out" / "experiments.json"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
ARMS = [{"name": "rules", "kind": "rules", "model_version": None, "weight": 1.0, "control": True},
        {"name": "model", "kind": "model", "model_version": None, "weight": 1.0, "control": False},
        {"name": "hold-out", "kind": "off", "model_version": None, "weight": 1.0, "control": False}]
RESOLVED = {"rules": 0.60, "model": 0.64, "hold-out": 0.55}
INTERACTION = ("id", "customer_id", "channel", "agent_id", "started_at", "ended_at", "intent", "outcome", "csat",
               "summary", "practice", "experiment_id", "arm")
PROMPT = ("id", "session_id", "agent_id", "action", "confidence", "source", "guardrails", "reasons", "degraded",
          "practice", "shown_at", "experiment_id", "arm")


def rows(n: int, size: int, seed: int = 11) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    rng = random.Random(seed)
    contacts: list[tuple[Any, ...]] = []
    prompts: list[tuple[Any, ...]] = []
    for i in range(n):
        started = NOW - timedelta(seconds=rng.randrange(365 * 86400))
        ended = started + timedelta(seconds=rng.randrange(60, 1800))
        experiment = ("X-bench", "X-earlier", None)[i % 3]
        arm = ARMS[rng.randrange(3)]["name"] if experiment else None
        resolved = rng.random() < RESOLVED.get(arm or "rules", 0.6)
        csat = rng.randint(1, 5) if rng.random() < 0.4 else None
        contacts.append((f"I-{i}", "C0", "chat", f"A{i % 500}", started, ended, "refund",
                         "resolved" if resolved else "unresolved", csat, "", False, experiment, arm))
        if experiment and arm != "hold-out":
            for k in range(3):
                prompts.append((f"P-{i}-{k}", f"S-{i}", f"A{i % 500}", "verify_identity", 0.8, "rules", "[]", "[]",
                                 False, False, started, experiment, arm))
        if len(contacts) >= size:
            yield contacts, prompts
            contacts, prompts = [], []
    if contacts:
        yield contacts, prompts


def _sqlite(v: Any) -> Any:
    return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v


def load_sqlite(path: Path, n: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO customer (id, segment, tenure_months, lifetime_value, churn_risk, vulnerable, language, "
                 "preferred_channel, consent, created_at) VALUES ('C0', 'mass', 0, 0, 0, 0, 'en', 'chat', '{}', "
                 "'2029-01-01 00:00:00.000000')")
    for contacts, prompts in rows(n, 50_000):
        for table, cols, batch in (("interaction", INTERACTION, contacts), ("prompt", PROMPT, prompts)):
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [tuple(_sqlite(v) for v in row) for row in batch])
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def load_postgres(url: str, n: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO customer (id, segment, tenure_months, lifetime_value, churn_risk, vulnerable, "
                    "language, preferred_channel, consent, created_at) VALUES ('C0', 'mass', 0, 0, 0, false, 'en', "
                    "'chat', '{}', now())")
        for contacts, prompts in rows(n, 100_000):
            for table, cols, batch in (("interaction", INTERACTION, contacts), ("prompt", PROMPT, prompts)):
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
        cur.execute("VACUUM ANALYZE")


async def measure(url: str, repeats: int) -> dict[str, Any]:
    db = Database(url)
    try:
        async with db.session() as s:
            s.add(Experiment(id="X-bench", name="bench", unit="contact", arms=ARMS, start_at=NOW - timedelta(days=365),
                             created_at=NOW - timedelta(days=365)))
        timings = []
        for _ in range(repeats):
            async with db.session() as s:
                experiment = await s.get(Experiment, "X-bench")
                assert experiment is not None  # noqa: S101
                started = time.perf_counter()
                report = await results(s, experiment, now=NOW)
                timings.append(time.perf_counter() - started)
        return {"results_seconds": statistics.median(timings), "arms": [a.contacts for a in report.arms],
                "difference": [c.resolution.model_dump() for c in report.comparisons]}
    finally:
        await db.close()


async def bench_backend(backend: str, n: int, repeats: int) -> dict[str, Any]:
    async with scratch_database(backend, "experiments-bench") as url:
        started = time.perf_counter()
        if backend == "sqlite":
            load_sqlite(sqlite_path(url), n)
        else:
            load_postgres(url, n)
        return {"load_seconds": time.perf_counter() - started, **await measure(url, repeats)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, Any] = {"contacts": args.contacts, "backends": {}}
    for backend in args.backends.split(","):
        print(f"{backend}: loading {args.contacts:,} contacts ...", flush=True)
        result = asyncio.run(bench_backend(backend, args.contacts, args.repeats))
        out["backends"][backend] = result
        print(f"{backend}: loaded in {result['load_seconds']:.0f} s; results of one experiment "
              f"({sum(result['arms']):,} contacts in {len(result['arms'])} arms): "
              f"{result['results_seconds'] * 1000:.0f} ms (median of {args.repeats})", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
