"""The guidance funnel per prompt: shown -> accepted -> followed -> overridden -> outcome, grouped in SQL.

One GROUP BY over the prompt facts (``assist.adoption.facts``) per report, by agent, team, action, queue,
channel or week, and one over the daily roll-up for the days it holds (``assist.adoption.rollup``); rates are
computed here from the sums.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Facts, Scope, prompt_facts
from assist.adoption.rollup import Split, rolled_rows, split, watermark
from assist.adoption.schemas import FunnelReport, FunnelRow
from assist.adoption.sql import unindexed, week_start
from assist.stores.tables import PromptRecord

__all__ = ["Dimension", "funnel", "funnel_row"]


class Dimension(StrEnum):
    AGENT = "agent"
    TEAM = "team"
    ACTION = "action"
    WEEK = "week"
    QUEUE = "queue"
    CHANNEL = "channel"


def _key(facts: Facts, by: Dimension) -> Any:
    prompt = PromptRecord.__table__  # type: ignore[attr-defined]
    return {Dimension.AGENT: unindexed(prompt.c.agent_id), Dimension.TEAM: facts.team,
            Dimension.ACTION: prompt.c.action, Dimension.WEEK: week_start(prompt.c.shown_at),
            Dimension.QUEUE: facts.queue, Dimension.CHANNEL: facts.channel}[by]


_SUMS = ("shown", "accepted", "dismissed", "ignored", "open", "followed", "overridden", "closed", "resolved",
         "transferred")
_FIELDS = (*_SUMS, "csat_sum", "csat_n", "handle_sum", "handle_n")


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
                 now: datetime | None = None, raw: bool = False) -> FunnelReport:
    """The funnel of the prompts in ``scope``, one row per ``by`` value (weeks in order, others by prompts
    shown, most first) plus the totals; an empty scope gives no rows and zero totals with rates None.

    Whole days before the roll-up's watermark are read from ``adoption_day``, the rest from the prompts;
    ``raw`` reads everything from the prompts (one agent's few weeks: cheap, and exact even for records that
    reached SQL after their day was rolled)."""
    now = now or datetime.now(UTC)
    parts = Split(None, [scope]) if raw else split(scope, await watermark(session))
    sums: dict[str, dict[str, float]] = {}
    pieces: list[Any] = []
    for piece in parts.raw:
        facts = prompt_facts(piece, now, ignore_after_seconds)
        key = _key(facts, by).label("key")
        pieces.append(facts.select(key, *_aggregates(facts)).group_by(key))
    if parts.rolled is not None:
        pieces.append(rolled_rows(parts.rolled, by.value))
    for query in pieces:
        for r in (await session.exec(query)).all():
            row = sums.setdefault(str(r.key), dict.fromkeys(_FIELDS, 0.0))
            for name in _FIELDS:
                row[name] += float(getattr(r, name) or 0)
    rows = [funnel_row(k, v) for k, v in sums.items()]
    if by == Dimension.WEEK:
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.shown, r.key))
    total = {name: sum(v[name] for v in sums.values()) for name in _FIELDS}
    return FunnelReport(generated_at=now, by=by.value, start=scope.start, end=scope.end, team=scope.team,
                        agent_id=scope.agent_id, queue=scope.queue, channel=scope.channel, practice=scope.practice,
                        ignore_after_seconds=ignore_after_seconds, totals=funnel_row("all", total),
                        rows=rows)
