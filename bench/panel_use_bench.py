"""The panel-use report's time over a year of generated panel events, on SQLite and PostgreSQL (issue 21). A
benchmark, not a test.

Run: ``.venv/bin/python bench/panel_use_bench.py [--contacts 333000] [--backends sqlite,postgresql]``. Prints a
table and writes ``bench/out/panel_use.json``.

The events: ``--contacts`` closed contacts over a year (500 agents in 25 teams, 2-15 minutes each), and per
contact about six panel events (visible, hidden, visible again, two card sections, an article on one in two),
some before or after the contact. Rows go in with COPY on PostgreSQL (a fresh database, dropped at the end) and
``executemany`` into a new SQLite file; the daily roll-up is brought up to date (``roll_panel_use`` called as the
adoption endpoints' background task calls it, 14 days a roll, each roll timed), unless ``--raw``; then
``assist.panel_use.report.panel_use`` runs ``--repeats`` times per view (the whole year; the dashboard's default,
the last 12 weeks of one team), the median kept.
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

from assist.adoption.facts import Scope  # noqa: E402
from assist.panel_use.report import panel_use  # noqa: E402
from assist.panel_use.rollup import roll_panel_use  # noqa: E402
from assist.stores.sql import Database  # noqa: E402
from bench.scratch import scratch_database, sqlite_path  # noqa: E402

OUT = ROOT / "bench" / "out" / "panel_use.json"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
TEAMS, AGENTS = 25, 500
INTERACTION = ("id", "customer_id", "channel", "agent_id", "started_at", "ended_at", "intent", "outcome", "summary",
               "practice")
EVENT = ("id", "session_id", "agent_id", "kind", "ref", "channel", "queue", "practice", "at")


def rows(n: int, seed: int = 7) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    rng = random.Random(seed)
    for c in range(n):
        agent = f"A{rng.randrange(AGENTS)}"
        start = NOW - timedelta(seconds=rng.uniform(0, 365 * 86400))
        seconds = rng.uniform(120, 900)
        sid = f"S{c}"
        contact = (f"I-{sid}", "C0", "chat", agent, start, start + timedelta(seconds=seconds), "refund", "resolved",
                   "", False)
        marks = [("panel_visible", "", -rng.uniform(0, 20)), ("panel_hidden", "", seconds * 0.3),
                 ("panel_visible", "", seconds * 0.5), ("card_view", "history", seconds * 0.1),
                 ("card_view", "journey", seconds * 0.6)]
        if c % 2:
            marks.append(("article_view", "kb-refund-policy", seconds * 0.7))
        events = [(f"PE-{c}-{k}", sid, agent, kind, ref, "chat", "refund", False, start + timedelta(seconds=after))
                  for k, (kind, ref, after) in enumerate(marks)]
        yield contact, events


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def _agents() -> list[tuple[str, str, str]]:
    return [(f"A{i}", f"Agent {i}", f"team-{i % TEAMS}") for i in range(AGENTS)]


def load_sqlite(path: Path, n: int) -> None:
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO agent (id, name, role, team, skills, languages, channels, refund_limit, active) "
                     "VALUES (?, ?, 'agent', ?, '{}', '[]', '{}', 50.0, 1)", _agents())
    conn.execute("INSERT INTO customer (id, segment, tenure_months, lifetime_value, churn_risk, vulnerable, "
                 "language, preferred_channel, consent, created_at) VALUES ('C0', 'mass', 0, 0, 0, 0, 'en', "
                 "'chat', '{}', '2029-01-01 00:00:00.000000')")
    contacts, events = [], []
    for contact, evs in rows(n):
        contacts.append(tuple(_sqlite_value(v) for v in contact))
        events += [tuple(_sqlite_value(v) for v in e) for e in evs]
    conn.executemany(f"INSERT INTO interaction ({', '.join(INTERACTION)}) VALUES ({', '.join('?' * len(INTERACTION))})",
                     contacts)
    conn.executemany(f"INSERT INTO panel_event ({', '.join(EVENT)}) VALUES ({', '.join('?' * len(EVENT))})", events)
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def load_postgres(url: str, n: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO agent (id, name, role, team, skills, languages, channels, refund_limit, "
                        "active) VALUES (%s, %s, 'agent', %s, '{}', '[]', '{}', 50.0, true)", _agents())
        cur.execute("INSERT INTO customer (id, segment, tenure_months, lifetime_value, churn_risk, vulnerable, "
                    "language, preferred_channel, consent, created_at) VALUES ('C0', 'mass', 0, 0, 0, false, "
                    "'en', 'chat', '{}', now())")
        with cur.copy(f"COPY interaction ({', '.join(INTERACTION)}) FROM STDIN") as copy_contacts:
            generated = list(rows(n))
            for contact, _ in generated:
                copy_contacts.write_row(contact)
        with cur.copy(f"COPY panel_event ({', '.join(EVENT)}) FROM STDIN") as copy_events:
            for _, events in generated:
                for event in events:
                    copy_events.write_row(event)
        cur.execute("VACUUM ANALYZE")


async def roll_up(url: str) -> dict[str, float]:
    """Roll the year up as the background task would, one roll after another (their total and slowest time),
    then the next day's roll, as every day after."""
    db = Database(url)
    times, through = [], None
    try:
        while True:
            started = time.perf_counter()
            rolled = await roll_panel_use(db, now=NOW)
            times.append(time.perf_counter() - started)
            if rolled is None or rolled == through:
                break
            through = rolled
        started = time.perf_counter()
        await roll_panel_use(db, now=NOW + timedelta(days=1))  # the next day's: it and the LATE_DAYS before it
        day_roll = time.perf_counter() - started
    finally:
        await db.close()
    return {"rolls": len(times) - 1, "roll_seconds": round(sum(times), 1),
            "slowest_roll_seconds": round(max(times), 2), "day_roll_seconds": round(day_roll, 2)}


async def prepare_and_time(url: str, repeats: int, raw: bool) -> dict[str, Any]:
    rolled = {} if raw else await roll_up(url)
    return {**rolled, **await time_queries(url, repeats)}


async def time_queries(url: str, repeats: int) -> dict[str, float]:
    views = {"year": Scope(), "12 weeks, one team": Scope(start=NOW - timedelta(weeks=12), team="team-3")}
    db = Database(url)
    out = {}
    try:
        for name, scope in views.items():
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                async with db.session() as s:
                    report = await panel_use(s, scope, now=NOW)
                times.append(time.perf_counter() - started)
            out[name] = round(statistics.median(times) * 1000, 1)
            out[f"{name} contacts"] = report.totals.contacts
    finally:
        await db.close()
    return out


async def bench_backend(backend: str, n: int, repeats: int, raw: bool) -> dict[str, Any]:
    async with scratch_database(backend, "panel-use-bench") as url:
        started = time.perf_counter()
        if backend == "sqlite":
            load_sqlite(sqlite_path(url), n)
        else:
            load_postgres(url, n)
        return {"load_seconds": round(time.perf_counter() - started, 1), **await prepare_and_time(url, repeats, raw)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=333_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--raw", action="store_true", help="no roll-up: every view scans every event")
    args = parser.parse_args()
    results = {b: asyncio.run(bench_backend(b, args.contacts, args.repeats, args.raw))
               for b in args.backends.split(",")}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"contacts": args.contacts, "raw": args.raw, "results": results}, indent=2))
    for backend, figures in results.items():
        print(backend, json.dumps(figures))


if __name__ == "__main__":
    main()
