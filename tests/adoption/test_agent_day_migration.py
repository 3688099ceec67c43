"""Migration 0014 on a database with history: the days already rolled up get their per-agent rows in the new
``adoption_agent_day`` (summed over actions, queues and channels from ``adoption_day``), so the summary and the
funnel by agent keep their figures without a re-roll."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import Connection, text

from assist.adoption.facts import Scope
from assist.adoption.funnel import Dimension, funnel
from assist.adoption.rollup import COUNTS, MEASURES, midnight
from assist.adoption.service import summarise_feedback
from assist.stores.schema import alembic_config
from assist.stores.sql import Database
from tests.adoption.events import NOW

DAY = midnight(NOW) - timedelta(days=3)


def _at_0013(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "0013")


def _agent_row(action: str, queue: str, shown: int, accepted: int) -> str:
    """An 0013 ``adoption_day`` row of agent A1 (team red) on ``DAY``."""
    sums = {name: 0 for name in (*COUNTS, *MEASURES)} | {"shown": shown, "accepted": accepted,
                                                         "act_sum": 5.0 * accepted, "act_n": accepted}
    columns = {"day": ":day", "agent_id": "'A1'", "action": f"'{action}'", "queue": f"'{queue}'", "channel": "'chat'",
               "practice": "false", "team": "'red'", **sums}
    return f"INSERT INTO adoption_day ({', '.join(columns)}) VALUES ({', '.join(str(v) for v in columns.values())})"


async def _history_at_0013(db: Database) -> None:
    """At 0013: A1's rolled day (two actions on two queues: 4 + 2 shown, 3 + 1 accepted) under a watermark."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_at_0013)
        for action, queue, shown, accepted in (("verify_identity", "refunds", 4, 3),
                                               ("offer_plan_change", "billing", 2, 1)):
            await conn.execute(text(_agent_row(action, queue, shown, accepted)), {"day": DAY})
        await conn.execute(text("INSERT INTO adoption_rollup (name, rolled_through) VALUES ('prompts', :at)"),
                           {"at": midnight(NOW)})


async def test_rolled_days_get_their_per_agent_rows(history_url):
    db = Database(history_url)
    try:
        await _history_at_0013(db)
        await db.upgrade_schema()
        async with db.session() as s:
            rows = (await s.exec(text("SELECT agent_id, team, practice, shown, accepted, act_n "
                                      "FROM adoption_agent_day"))).all()
            assert [tuple(r) for r in rows] == [("A1", "red", False, 6, 4, 4)]
            by_agent = await funnel(s, Scope(), Dimension.AGENT, ignore_after_seconds=300, now=NOW)
            summary = await summarise_feedback(s, now=NOW)
        assert [(r.key, r.shown, r.accepted) for r in by_agent.rows] == [("A1", 6, 4)]
        assert [(a.agent_id, a.shown, a.accepted, a.mean_seconds_to_act) for a in summary.by_agent] == \
            [("A1", 6, 4, 5.0)]
    finally:
        await db.close()
