"""The guidance funnel per prompt: shown -> accepted -> followed -> overridden -> outcome, grouped in SQL.

One GROUP BY over the prompt facts (``assist.adoption.facts``) per report, by agent, team, action or week, so
the cost grows with the number of groups, not of prompts; rates are computed here from the sums.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Facts, Scope, prompt_facts
from assist.adoption.schemas import FunnelReport, FunnelRow
from assist.adoption.sql import week_start
from assist.stores.tables import PromptRecord

__all__ = ["Dimension", "funnel", "funnel_row"]


class Dimension(StrEnum):
    AGENT = "agent"
    TEAM = "team"
    ACTION = "action"
    WEEK = "week"


def _key(facts: Facts, by: Dimension) -> Any:
    prompt = PromptRecord.__table__  # type: ignore[attr-defined]
    return {Dimension.AGENT: prompt.c.agent_id, Dimension.TEAM: facts.team, Dimension.ACTION: prompt.c.action,
            Dimension.WEEK: week_start(prompt.c.shown_at)}[by]


_SUMS = ("shown", "accepted", "dismissed", "ignored", "open", "followed", "overridden", "closed", "resolved",
         "transferred")


def funnel_row(key: str, sums: dict[str, Any]) -> FunnelRow:
    """A row from the group's sums (counts, ``csat_sum``/``csat_n``, ``handle_sum``/``handle_n``)."""

    def share(n: int, of: int) -> float | None:
        return round(n / of, 4) if of else None

    counts = {name: int(sums.get(name) or 0) for name in _SUMS}
    settled = counts["shown"] - counts["open"]
    csat_n, handle_n = int(sums.get("csat_n") or 0), int(sums.get("handle_n") or 0)
    return FunnelRow(
        key=key, **counts,
        acceptance_rate=share(counts["accepted"], settled),
        dismissal_rate=share(counts["dismissed"], settled),
        ignore_rate=share(counts["ignored"], settled),
        follow_rate=share(counts["followed"], counts["accepted"]),
        override_rate=share(counts["overridden"], settled),
        resolution_rate=share(counts["resolved"], counts["closed"]),
        transfer_rate=share(counts["transferred"], counts["closed"]),
        mean_csat=round(float(sums["csat_sum"]) / csat_n, 3) if csat_n else None,
        mean_handle_seconds=round(float(sums["handle_sum"]) / handle_n, 1) if handle_n else None,
    )


def _aggregates(facts: Facts) -> list[Any]:
    return [*(func.sum(getattr(facts, name)).label(name) for name in _SUMS),
            func.sum(facts.csat).label("csat_sum"), func.count(facts.csat).label("csat_n"),
            func.sum(facts.handle_seconds).label("handle_sum"), func.count(facts.handle_seconds).label("handle_n")]


async def funnel(session: AsyncSession, scope: Scope, by: Dimension, *, ignore_after_seconds: float,
                 now: datetime | None = None) -> FunnelReport:
    """The funnel of the prompts in ``scope``, one row per ``by`` value (weeks in order, others by prompts
    shown, most first) plus the totals; an empty scope gives no rows and zero totals with rates None."""
    now = now or datetime.now(UTC)
    facts = prompt_facts(scope, now, ignore_after_seconds)
    key = _key(facts, by).label("key")
    grouped = facts.select(key, *_aggregates(facts)).group_by(key)
    raw = [dict(r._mapping) for r in (await session.exec(grouped)).all()]
    rows = [funnel_row(str(r["key"]), r) for r in raw]
    if by == Dimension.WEEK:
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.shown, r.key))
    total = {name: sum(float(r[name] or 0) for r in raw) for name in (*_SUMS, "csat_sum", "csat_n", "handle_sum",
                                                                        "handle_n")}
    return FunnelReport(generated_at=now, by=by.value, start=scope.start, end=scope.end, team=scope.team,
                        agent_id=scope.agent_id, practice=scope.practice,
                        ignore_after_seconds=ignore_after_seconds, totals=funnel_row("all", total),
                        rows=rows)
