"""The daily roll-up of panel use: ``panel_use_day`` keeps the report's sums per (day, agent, live/practice).

It rides the adoption roll-up (``assist.adoption.rollup``): the same pass, after the prompts' roll, with the
same rules (a day is rolled ``SETTLE_DAYS`` after it ends, each roll redoes the ``LATE_DAYS`` before the
watermark, at most ``MAX_DAYS_PER_ROLL`` days a roll, the watermark row locked ``FOR UPDATE``), but under a
watermark of its own (row ``panel_use`` of ``adoption_rollup``), because its history starts with the first
contact, not the first prompt, and a database rolled before this table existed must roll panel use from the
start rather than read empty days.

A contact counts on the day it started, whole, as the report's date range counts it: the events of a contact
running past midnight (and its panel's stretches after midnight) go with it to its start day. Each stretch is
already cut to its contact, so nothing is lost or counted twice at a day boundary.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select, delete, func, insert, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Scope
from assist.adoption.rollup import MAX_DAYS_PER_ROLL, AdoptionRollup, claim_days, rolled_scope
from assist.panel_use.tables import PanelUseDay
from assist.stores.sql import Database
from assist.stores.tables import Interaction

__all__ = ["NAME", "panel_watermark", "roll_panel_use", "rolled_query"]

log = logging.getLogger(__name__)

NAME = "panel_use"
"""The watermark's row in ``adoption_rollup``."""

SUMS = ("contacts", "handle_seconds", "contacts_with_panel", "panel_seconds", "card_views", "article_views")


async def panel_watermark(session: AsyncSession) -> datetime | None:
    """The end of the rolled days of panel use (None when nothing is rolled)."""
    row = await session.get(AdoptionRollup, NAME)
    return row.rolled_through if row is not None else None


async def roll_panel_use(db: Database, now: datetime | None = None,
                         max_days: int = MAX_DAYS_PER_ROLL) -> datetime | None:
    """Roll settled days of panel use up (at most ``max_days`` past the watermark); returns the new watermark,
    None when there is no contact yet. One transaction: a failure leaves the roll-up as it was."""
    now = now or datetime.now(UTC)
    async with db.session() as s:
        days = await claim_days(s, db, NAME, col(Interaction.started_at), now, max_days)
        state, start, stop = days.state, days.start, days.stop
        if start is None or stop is None:
            return state.rolled_through
        await s.exec(delete(PanelUseDay).where(col(PanelUseDay.day) >= start, col(PanelUseDay.day) < stop))
        rows = [row for practice in (False, True) for row in await _day_rows(s, start, stop, practice)]
        if rows:
            await (await s.connection()).execute(insert(PanelUseDay), rows)
        state.rolled_through = stop
        s.add(state)
    log.info("panel-use roll-up through %s (rolled from %s)", stop.date(), start.date())
    return stop


async def _day_rows(session: AsyncSession, start: datetime, stop: datetime, practice: bool) -> list[dict[str, Any]]:
    """The report's own two queries over ``[start, stop)``, per day too, merged into one row per (day, agent)."""
    from assist.panel_use.report import contacts_query, use_query  # the report reads this module's table

    scope = Scope(start=start, end=stop, practice=practice)
    rows: dict[tuple[datetime, str], dict[str, Any]] = {}

    def row(r: Any) -> dict[str, Any]:
        day = r.day if isinstance(r.day, datetime) else datetime.fromisoformat(str(r.day))
        day = day if day.tzinfo else day.replace(tzinfo=UTC)
        return rows.setdefault((day, r.agent), {"day": day, "agent_id": r.agent, "practice": practice,
                                                "team": r.team, **dict.fromkeys(SUMS, 0)})

    for r in (await session.exec(contacts_query(scope, by_day=True))).all():  # type: ignore[call-overload]
        found = row(r)
        found["contacts"], found["handle_seconds"] = int(r.contacts), float(r.handle_seconds or 0)
    for r in (await session.exec(use_query(scope, by_day=True))).all():  # type: ignore[call-overload]
        found = row(r)
        found.update(contacts_with_panel=int(r.with_panel or 0), panel_seconds=float(r.panel_seconds or 0),
                     card_views=int(r.cards or 0), article_views=int(r.articles or 0))
    return list(rows.values())


def rolled_query(scope: Scope) -> Select[Any]:
    """The report's sums per (agent, team) over the rolled ``scope`` (its dates are midnights), named as the raw
    queries name theirs."""
    table = PanelUseDay.__table__  # type: ignore[attr-defined]
    query: Any = (select(table.c.agent_id.label("agent"), table.c.team.label("team"),
                         func.sum(table.c.contacts).label("contacts"),
                         func.sum(table.c.handle_seconds).label("handle_seconds"),
                         func.sum(table.c.contacts_with_panel).label("with_panel"),
                         func.sum(table.c.panel_seconds).label("panel_seconds"),
                         func.sum(table.c.card_views).label("cards"),
                         func.sum(table.c.article_views).label("articles"))
                  .group_by(table.c.agent_id, table.c.team))
    return cast("Select[Any]", rolled_scope(query, table, scope))
