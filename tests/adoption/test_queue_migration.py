"""Migration 0012 on a database with history: old prompts keep a null queue and channel, and the days already
rolled up keep their figures under the queue and channel ``unknown`` (what rolling them again would give), in the
per-agent table and in the new per-queue table."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import Connection, text

from assist.adoption.facts import Scope
from assist.adoption.funnel import Dimension, funnel
from assist.adoption.rollup import COUNTS, MEASURES, midnight
from assist.stores.schema import alembic_config
from assist.stores.sql import Database
from tests.adoption.events import NOW


def _at_0011(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "0011")


def _rolled(table: str, who: str) -> str:
    """An 0011 roll-up row of ``table`` (keyed by agent or team, ``who``): 4 prompts shown, 3 accepted."""
    sums = {name: 0 for name in (*COUNTS, *MEASURES)} | {"shown": 4, "accepted": 3}
    columns = {"day": ":day", who: "'A1'" if who == "agent_id" else "'red'", "action": "'verify_identity'",
               "practice": "false", **({"team": "'red'"} if who == "agent_id" else {}), **sums}
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(str(v) for v in columns.values())})"


async def _history_at_0011(db: Database) -> None:
    """At 0011: a rolled day three days before NOW (its prompts since purged) and, after the watermark, one
    accepted prompt of an agent of team red."""
    day, shown = midnight(NOW) - timedelta(days=3), NOW - timedelta(hours=1)
    async with db.engine.begin() as conn:
        await conn.run_sync(_at_0011)
        await conn.execute(text(_rolled("adoption_day", "agent_id")), {"day": day})
        await conn.execute(text(_rolled("adoption_team_day", "team")), {"day": day})
        await conn.execute(text("INSERT INTO adoption_rollup (name, rolled_through) VALUES ('prompts', :at)"),
                           {"at": midnight(NOW)})
        await conn.execute(text("INSERT INTO agent (id, name, role, team, skills, languages, channels, refund_limit, "
                                "active) VALUES ('A1', 'Ada', 'agent', 'red', '{}', '[]', '{}', 50, true)"))
        await conn.execute(text(
            "INSERT INTO prompt (id, session_id, agent_id, action, confidence, source, guardrails, reasons, degraded, "
            "practice, shown_at) VALUES ('P1', 'S1', 'A1', 'verify_identity', 0.8, 'rules', '[]', '[]', false, "
            "false, :at)"), {"at": shown})
        await conn.execute(text("INSERT INTO promptfeedback (prompt_id, agent_id, verdict, reason, at) VALUES "
                                "('P1', 'A1', 'accepted', '', :at)"), {"at": shown})


async def funnel_keys(db: Database, by: Dimension, **scope: str) -> list[tuple[str, int, int]]:
    async with db.session() as s:
        report = await funnel(s, Scope(**scope), by, ignore_after_seconds=300, now=NOW)
    return [(r.key, r.shown, r.accepted) for r in report.rows]


async def test_old_prompts_and_rolled_days_read_as_queue_and_channel_unknown(history_url):
    db = Database(history_url)
    try:
        await _history_at_0011(db)
        await db.upgrade_schema()
        async with db.session() as s:
            assert tuple((await s.exec(text("SELECT queue, channel FROM prompt"))).one()) == (None, None)
            for table in ("adoption_day", "adoption_queue_day"):  # the latter filled from adoption_team_day
                keys = (await s.exec(text(f"SELECT queue, channel, shown FROM {table}"))).all()
                assert [tuple(k) for k in keys] == [("unknown", "unknown", 4)]
        # the rolled day (4 shown, 3 accepted) and the raw prompt, from each roll-up table
        assert await funnel_keys(db, Dimension.QUEUE) == [("unknown", 5, 4)]
        assert await funnel_keys(db, Dimension.TEAM) == [("red", 5, 4)]
        assert await funnel_keys(db, Dimension.CHANNEL, agent_id="A1") == [("unknown", 5, 4)]
        assert await funnel_keys(db, Dimension.TEAM, queue="unknown", channel="unknown") == [("red", 5, 4)]
        assert await funnel_keys(db, Dimension.TEAM, queue="refunds") == []
    finally:
        await db.close()
