"""Each dashboard query's time over a large generated event set, on SQLite and PostgreSQL (issue 21). A
benchmark, not a test.

Run: ``.venv/bin/python bench/adoption_bench.py [--prompts 1000000] [--backends sqlite,postgresql]``. Prints a
table and writes ``bench/out/adoption.json``.

The events: ``--prompts`` prompts over a year, three per contact, each contact with its journey (1-4 steps
done) and its interaction (outcome, CSAT, handle time), 500 agents in 25 teams, 70 % of prompts answered; a
contact's queue is its reason (8 queues) and its channel chat, phone or email (60/30/10 %), kept on its prompts.
Rows go in with COPY on PostgreSQL (a fresh database, dropped at the end) and ``executemany`` into a new
SQLite file. Then the daily roll-up is brought up to date (``assist.adoption.rollup.roll`` until it stops
moving, timed), and the queries, the service's own (``assist.adoption``), each run ``--repeats`` times, the
median kept, for the views a supervisor opens: the whole year, the dashboard's default (last 12 weeks, one
team), and 12 weeks of one queue on one channel. ``--raw`` also times them before the roll-up exists (one run
each: a full scan).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assist.adoption.adherence import adherence  # noqa: E402
from assist.adoption.facts import Scope  # noqa: E402
from assist.adoption.funnel import Dimension, funnel  # noqa: E402
from assist.adoption.lift import lift_report  # noqa: E402
from assist.adoption.rollup import roll  # noqa: E402
from assist.adoption.service import summarise_feedback  # noqa: E402
from assist.stores.sql import Database  # noqa: E402
from bench.scratch import scratch_database, sqlite_path  # noqa: E402
from models.features import ACTIONS, REASONS  # noqa: E402

OUT = ROOT / "bench" / "out" / "adoption.json"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
TEAMS, AGENTS, PROMPTS_PER_CONTACT = 25, 500, 3
STEPS = ("identity_verified", "apologise_acknowledge", "refund_issued", "terms_disclosed", "diagnostics_run",
         "offer_plan_change", "close_with_survey", "knowledge_article_sent", "outage_confirmed")
OUTCOMES = ("resolved", "resolved", "resolved", "transferred", "escalated", "unresolved", "abandoned")
CHANNELS = ("chat",) * 6 + ("phone",) * 3 + ("email",)


def contacts(n_prompts: int, seed: int = 7) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...],
                                                             list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """(journey, interaction, prompts, feedback) rows per contact, in column order of ``COLUMNS``."""
    rng = random.Random(seed)
    for c in range(n_prompts // PROMPTS_PER_CONTACT):
        sid, agent = f"S{c}", f"A{rng.randrange(AGENTS)}"
        started = NOW - timedelta(seconds=rng.uniform(0, 365 * 86400))
        ended = started + timedelta(seconds=rng.uniform(60, 1800))
        reason, channel = rng.choice(REASONS), rng.choice(CHANNELS)
        state = json.dumps({"steps_done": rng.sample(STEPS, rng.randint(1, 4))})
        journey = (f"J{c}", "C0", reason, "closed", agent, f'["{channel}"]', state, started, ended, ended, False)
        interaction = (f"I-{sid}", "C0", f"J{c}", channel, agent, started, ended, reason, rng.choice(OUTCOMES),
                       rng.randint(1, 5) if rng.random() < 0.4 else None, "", False)
        prompts, feedback = [], []
        for p in range(PROMPTS_PER_CONTACT):
            pid, shown = f"P{c}-{p}", started + timedelta(seconds=30 * (p + 1))
            prompts.append((pid, sid, f"J{c}", agent, rng.choice(ACTIONS), 0.7, "model", "v1", "[]", "[]", False,
                            False, shown, reason, channel))
            if rng.random() < 0.7:
                verdict = "accepted" if rng.random() < 0.7 else "dismissed"
                feedback.append((pid, agent, verdict, "" if verdict == "accepted" else "not relevant",
                                 shown + timedelta(seconds=5), 5.0))
        yield journey, interaction, prompts, feedback


COLUMNS = {
    "journey": ("id", "customer_id", "reason", "status", "owner_agent_id", "channels", "state", "opened_at",
                "updated_at", "closed_at", "practice"),
    "interaction": ("id", "customer_id", "journey_id", "channel", "agent_id", "started_at", "ended_at", "intent",
                    "outcome", "csat", "summary", "practice"),
    "prompt": ("id", "session_id", "journey_id", "agent_id", "action", "confidence", "source", "model_version",
               "guardrails", "reasons", "degraded", "practice", "shown_at", "queue", "channel"),
    "promptfeedback": ("prompt_id", "agent_id", "verdict", "reason", "at", "seconds_to_act"),
}


def batches(n_prompts: int, size: int = 20_000) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
    for journey, interaction, prompts, feedback in contacts(n_prompts):
        out["journey"].append(journey)
        out["interaction"].append(interaction)
        out["prompt"] += prompts
        out["promptfeedback"] += feedback
        if len(out["prompt"]) >= size:
            yield out
            out = {t: [] for t in COLUMNS}
    if out["prompt"]:
        yield out


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def load_sqlite(path: Path, n_prompts: int) -> None:
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO agent (id, name, role, team, skills, languages, channels, refund_limit, active) "
                     "VALUES (?, ?, 'agent', ?, '{}', '[]', '{}', 50.0, 1)",
                     [(f"A{i}", f"Agent {i}", f"team-{i % TEAMS}") for i in range(AGENTS)])
    conn.execute("INSERT INTO customer (id, segment, tenure_months, lifetime_value, churn_risk, vulnerable, "
                 "language, preferred_channel, consent, created_at) VALUES ('C0', 'mass', 0, 0, 0, 0, 'en', "
                 "'chat', '{}', '2029-01-01 00:00:00.000000')")
    for batch in batches(n_prompts):
        for table, rows in batch.items():
            cols = COLUMNS[table]
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             [tuple(_sqlite_value(v) for v in row) for row in rows])
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def load_postgres(url: str, n_prompts: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO agent (id, name, role, team, skills, languages, channels, refund_limit, "
                            "active) VALUES (%s, %s, 'agent', %s, '{}', '[]', '{}', 50.0, true)",
                            [(f"A{i}", f"Agent {i}", f"team-{i % TEAMS}") for i in range(AGENTS)])
            cur.execute("INSERT INTO customer (id, segment, tenure_months, lifetime_value, churn_risk, vulnerable, "
                        "language, preferred_channel, consent, created_at) VALUES ('C0', 'mass', 0, 0, 0, false, "
                        "'en', 'chat', '{}', now())")
            for batch in batches(n_prompts, size=100_000):
                for table, rows in batch.items():
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            cur.execute("VACUUM ANALYZE")


def queries() -> list[tuple[str, Callable[[Any, Scope], Awaitable[Any]]]]:
    after = 300.0
    return [
        ("funnel by week (trend)", lambda s, scope: funnel(s, scope, Dimension.WEEK, ignore_after_seconds=after,
                                                           now=NOW)),
        ("funnel by team", lambda s, scope: funnel(s, scope, Dimension.TEAM, ignore_after_seconds=after, now=NOW)),
        ("funnel by agent", lambda s, scope: funnel(s, scope, Dimension.AGENT, ignore_after_seconds=after, now=NOW)),
        ("funnel by action", lambda s, scope: funnel(s, scope, Dimension.ACTION, ignore_after_seconds=after,
                                                     now=NOW)),
        ("funnel by queue", lambda s, scope: funnel(s, scope, Dimension.QUEUE, ignore_after_seconds=after, now=NOW)),
        ("funnel by channel", lambda s, scope: funnel(s, scope, Dimension.CHANNEL, ignore_after_seconds=after,
                                                      now=NOW)),
        ("lift", lambda s, scope: lift_report(s, scope, ignore_after_seconds=after, now=NOW)),
        ("adherence", lambda s, scope: adherence(s, scope, now=NOW)),
        ("summary (feedback tallies)", lambda s, scope: summarise_feedback(s, since=scope.start, now=NOW)),
    ]


async def time_queries(url: str, repeats: int) -> dict[str, dict[str, float]]:
    db = Database(url)
    twelve_weeks = NOW - timedelta(weeks=12)
    views = {"year": Scope(), "12 weeks, one team": Scope(start=twelve_weeks, team="team-3"),
             "12 weeks, refund chat": Scope(start=twelve_weeks, queue="refund", channel="chat")}
    out: dict[str, dict[str, float]] = {}
    try:
        for view, scope in views.items():
            for name, run in queries():
                if scope.queue is not None and name.startswith(("adherence", "summary")):
                    continue  # per contact: a queue does not narrow them
                samples = []
                for _ in range(repeats):
                    async with db.session() as s:
                        started = time.perf_counter()
                        await run(s, scope)
                        samples.append(time.perf_counter() - started)
                out.setdefault(view, {})[name] = statistics.median(samples)
    finally:
        await db.close()
    return out


async def roll_up(url: str) -> dict[str, float]:
    """Roll every settled day (as successive dashboard requests would); the whole catch-up and the next
    day's increment, timed."""
    db = Database(url)
    try:
        started, rolls, last = time.perf_counter(), 0, None
        while (mark := await roll(db, now=NOW)) != last:
            last, rolls = mark, rolls + 1
        catch_up = time.perf_counter() - started
        started = time.perf_counter()
        await roll(db, now=NOW + timedelta(days=1))
        return {"catch_up_seconds": catch_up, "rolls": rolls, "next_day_seconds": time.perf_counter() - started}
    finally:
        await db.close()


async def measure(url: str, repeats: int, raw: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if raw:
        out["raw_queries"] = await time_queries(url, 1)
    out["rollup"] = await roll_up(url)
    out["queries"] = await time_queries(url, repeats)
    return out


async def bench_backend(backend: str, n_prompts: int, repeats: int, raw: bool) -> dict[str, Any]:
    async with scratch_database(backend, "adoption-bench") as url:
        started = time.perf_counter()
        if backend == "sqlite":
            load_sqlite(sqlite_path(url), n_prompts)
        else:
            load_postgres(url, n_prompts)
        return {"load_seconds": time.perf_counter() - started, **await measure(url, repeats, raw)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--raw", action="store_true", help="also time each query before the roll-up exists")
    args = parser.parse_args()
    results: dict[str, Any] = {"prompts": args.prompts, "contacts": args.prompts // PROMPTS_PER_CONTACT,
                               "backends": {}, "load_average": {"before": os.getloadavg()}}
    for backend in args.backends.split(","):
        print(f"{backend}: loading {args.prompts:,} prompts ...", flush=True)
        result = asyncio.run(bench_backend(backend, args.prompts, args.repeats, args.raw))
        results["backends"][backend] = result
        rolled = result["rollup"]
        print(f"{backend}: loaded in {result['load_seconds']:.0f} s; roll-up caught up in "
              f"{rolled['catch_up_seconds']:.1f} s ({rolled['rolls']} rolls), next day's roll "
              f"{rolled['next_day_seconds']:.2f} s")
        for view, timings in result["queries"].items():
            for name, seconds in timings.items():
                before = result.get("raw_queries", {}).get(view, {}).get(name)
                print(f"  {view:<22} {name:<28} {seconds * 1000:9.0f} ms" +
                      (f"   (no roll-up: {before * 1000:.0f} ms)" if before is not None else ""))
    results["load_average"]["after"] = os.getloadavg()
    print("load average before {} after {}".format(*(" ".join(f"{x:.1f}" for x in results["load_average"][k])
                                                     for k in ("before", "after"))))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
