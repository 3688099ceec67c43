"""A daily roll-up of settled prompts, so the dashboard reads a year without scanning a year of prompts.

``adoption_day`` holds the funnel's sums per (day, agent, action, queue, channel, live/practice) for the days
before a watermark, ``adoption_agent_day`` the same per agent only (what the per-agent views read when they
need no action, queue or channel), ``adoption_team_day`` per team and ``adoption_queue_day`` per queue and
channel (what views without an agent read; ``rolled_table`` picks); reports add them to a raw GROUP BY over what is
newer (and over partial days at a range's edges), so the answer is the same as a scan of every prompt, as the
tests check.

Which days are rolled, and why that is safe:

- a day is rolled once it ended ``SETTLE_DAYS`` ago: every prompt on it is settled (``ignore_after_seconds``
  is at most a day), and its contacts have closed or are not coming back;
- each roll redoes the ``LATE_DAYS`` before the watermark, so records the journal wrote late (a database
  outage of up to that long, ``assist/records``) still count;
- a roll covers at most ``MAX_DAYS_PER_ROLL`` days, so the first one after install (a year of history) is
  spread over many requests instead of timing one out; what is not rolled yet is read raw meanwhile;
- the watermark row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so two
  workers rolling at once write each day once.

The roll-up keeps the team an agent was in when the day was rolled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Column, Select, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Facts, Scope, prompt_facts
from assist.adoption.sql import day_start, week_start
from assist.stores.sql import Database
from assist.stores.tables import PromptFeedback, PromptRecord, UTCDateTime

__all__ = ["AdoptionAgentDay", "AdoptionDay", "AdoptionQueueDay", "AdoptionRollup", "AdoptionTeamDay", "COUNTS",
           "DaysToRoll", "DismissalDay", "LATE_DAYS", "MAX_DAYS_PER_ROLL", "SETTLE_DAYS", "Split", "claim_days", "roll",
           "rolled_dismissals", "rolled_rows", "rolled_scope", "rolled_table", "split", "watermark"]

log = logging.getLogger(__name__)

SETTLE_DAYS = 2
LATE_DAYS = 3
MAX_DAYS_PER_ROLL = 14
_NAME = "prompts"

COUNTS = ("shown", "accepted", "dismissed", "ignored", "open", "followed", "overridden", "closed", "resolved",
          "transferred", "followed_closed", "followed_resolved")
MEASURES = ("csat_sum", "csat_n", "handle_sum", "handle_n", "act_sum", "act_n")


class FunnelSums(SQLModel):
    """The funnel's counts (``COUNTS``) and the sums behind its averages (``MEASURES``), as one day's rows keep
    them per agent and per team."""

    shown: int = 0
    accepted: int = 0
    dismissed: int = 0
    ignored: int = 0
    open: int = 0
    followed: int = 0
    overridden: int = 0
    closed: int = 0
    resolved: int = 0
    transferred: int = 0
    followed_closed: int = 0
    followed_resolved: int = 0
    csat_sum: float = 0.0
    csat_n: int = 0
    handle_sum: float = 0.0
    handle_n: int = 0
    act_sum: float = 0.0
    act_n: int = 0


class AdoptionDay(FunnelSums, table=True):
    """The funnel's sums for one agent's prompts of one action on one (UTC) day."""

    __tablename__ = "adoption_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    agent_id: str = Field(primary_key=True, max_length=64)
    action: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)
    team: str = Field(index=True, max_length=64)
    queue: str = Field(primary_key=True, max_length=64)
    """The prompts' routing queue, ``unknown`` for prompts recorded without one (before 0012)."""
    channel: str = Field(primary_key=True, max_length=16)


class AdoptionAgentDay(FunnelSums, table=True):
    """The same sums per agent over every action, queue and channel: a row per agent a day (500 agents keep
    182 k rows a year whatever the prompts), where ``adoption_day`` keeps about one per prompt at 10 M prompts
    a year. What the summary and the funnel by agent read (migration 0014)."""

    __tablename__ = "adoption_agent_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    agent_id: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)
    team: str = Field(index=True, max_length=64)


class AdoptionTeamDay(FunnelSums, table=True):
    """The same sums per team rather than per agent (a twentieth of the rows with teams of twenty): what the
    team, week and action views read."""

    __tablename__ = "adoption_team_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    team: str = Field(primary_key=True, max_length=64)
    action: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)


class AdoptionQueueDay(FunnelSums, table=True):
    """The same sums per queue and channel rather than per team (8 queues on 3 channels keep about as many rows
    as 25 teams): what the queue and channel views read when no team or agent is asked for. A team's queues
    are read from ``adoption_day``: keeping both keys here would give a row per few prompts, and every team,
    week and action view would pay for it (7-9 times slower on SQLite at a year, measured)."""

    __tablename__ = "adoption_queue_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    queue: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=16)
    action: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)


class DismissalDay(SQLModel, table=True):
    """How many prompts were dismissed for each reason on a day."""

    __tablename__ = "dismissal_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    reason: str = Field(primary_key=True, max_length=128)
    practice: bool = Field(primary_key=True)
    count: int = 0


class AdoptionRollup(SQLModel, table=True):
    """How far the roll-up goes: every day before ``rolled_through`` is in ``adoption_day``."""

    __tablename__ = "adoption_rollup"
    name: str = Field(primary_key=True, max_length=32)
    rolled_through: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


def midnight(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _ceil_midnight(when: datetime) -> datetime:
    day = midnight(when)
    return day if day == when else day + timedelta(days=1)


async def watermark(session: AsyncSession) -> datetime | None:
    """The end of the rolled days (None when nothing is rolled)."""
    row = await session.get(AdoptionRollup, _NAME)
    return row.rolled_through if row is not None else None


def measures(facts: Facts) -> list[Any]:
    """The sums a roll-up row keeps, as aggregates over the facts (names as ``AdoptionDay``'s columns)."""
    sums = [func.sum(getattr(facts, name)).label(name) for name in COUNTS[:10]]
    return [*sums, func.sum(facts.followed * facts.closed).label("followed_closed"),
            func.sum(facts.followed * facts.resolved).label("followed_resolved"),
            func.coalesce(func.sum(facts.csat), 0).label("csat_sum"), func.count(facts.csat).label("csat_n"),
            func.coalesce(func.sum(facts.handle_seconds), 0.0).label("handle_sum"),
            func.count(facts.handle_seconds).label("handle_n"),
            func.coalesce(func.sum(facts.seconds_to_act), 0.0).label("act_sum"),
            func.count(facts.seconds_to_act).label("act_n")]


async def roll(db: Database, now: datetime | None = None, max_days: int = MAX_DAYS_PER_ROLL) -> datetime | None:
    """Roll settled days up (at most ``max_days`` past the watermark); returns the new watermark, None when
    there is nothing to roll yet. One transaction: a failure leaves the roll-up as it was. Panel use is rolled
    in the same pass, after, under a watermark of its own (``assist.panel_use.rollup``)."""
    from assist.panel_use.rollup import roll_panel_use  # it reads the panel-use report, which reads this

    now = now or datetime.now(UTC)
    through = await _roll_prompts(db, now, max_days)
    await roll_panel_use(db, now, max_days)
    return through


@dataclass
class DaysToRoll:
    """A roll-up's locked watermark row and the days ``[start, stop)`` to roll now (None: nothing to roll)."""

    state: AdoptionRollup
    start: datetime | None = None
    stop: datetime | None = None


async def claim_days(s: AsyncSession, db: Database, name: str, first: Any, now: datetime,
                     max_days: int) -> DaysToRoll:
    """Lock the watermark row ``name`` (creating it) and say which days to roll: from ``LATE_DAYS`` before the
    watermark (or the midnight before the ``first`` record's time, as a column, on the first roll) to at most
    ``max_days`` past it, never a day that has not settled. The caller rolls them and moves ``state`` on in
    the same transaction."""
    target = midnight(now) - timedelta(days=SETTLE_DAYS)
    dialect = sqlite if db.is_sqlite else postgresql
    await s.exec(dialect.insert(AdoptionRollup).values(name=name, rolled_through=None)
                 .on_conflict_do_nothing(index_elements=["name"]))
    state = (await s.exec(select(AdoptionRollup).where(col(AdoptionRollup.name) == name)
                          .with_for_update())).scalar_one()
    done = state.rolled_through
    if done is not None and done >= target:
        return DaysToRoll(state)
    if done is None:
        first_at = (await s.exec(select(func.min(first)))).scalar_one()
        if first_at is None:
            return DaysToRoll(state)
        start = midnight(first_at if first_at.tzinfo else first_at.replace(tzinfo=UTC))
    else:
        start = done - timedelta(days=LATE_DAYS)
    stop = min(target, (done or start) + timedelta(days=max_days))
    return DaysToRoll(state, start, stop) if stop > start else DaysToRoll(state)


async def _roll_prompts(db: Database, now: datetime, max_days: int) -> datetime | None:
    async with db.session() as s:
        days = await claim_days(s, db, _NAME, col(PromptRecord.shown_at), now, max_days)
        state, start, stop = days.state, days.start, days.stop
        if start is None or stop is None:
            return state.rolled_through
        for table in (AdoptionDay, AdoptionAgentDay, AdoptionTeamDay, AdoptionQueueDay, DismissalDay):
            day_col = col(table.day)
            await s.exec(delete(table).where(day_col >= start, day_col < stop))
        for practice in (False, True):
            await s.exec(_roll_insert(Scope(start=start, end=stop, practice=practice), now))
        # an agent's rows of a day were written by one roll, so they share its team
        await s.exec(_sums_insert(AdoptionAgentDay, ("day", "agent_id", "practice", "team"), start, stop))
        await s.exec(_sums_insert(AdoptionTeamDay, ("day", "team", "action", "practice"), start, stop))
        await s.exec(_sums_insert(AdoptionQueueDay, ("day", "queue", "channel", "action", "practice"), start, stop))
        await s.exec(_dismissals_insert(start, stop))
        from assist.adoption.adherence_rollup import roll_adherence  # it reads adherence, which reads this

        await roll_adherence(s, start, stop)
        state.rolled_through = stop
        s.add(state)
    log.info("adoption roll-up through %s (rolled from %s)", stop.date(), start.date())
    return stop


def _roll_insert(scope: Scope, now: datetime) -> Any:
    facts = prompt_facts(scope, now, ignore_after_seconds=1.0)  # every prompt of a rolled day is settled
    prompt = PromptRecord.__table__  # type: ignore[attr-defined]
    day = day_start(prompt.c.shown_at)
    keys = (day, prompt.c.agent_id, prompt.c.action, facts.queue, facts.channel)
    chosen: Any = facts.select(*keys, literal(scope.practice), func.max(facts.team), *measures(facts)).group_by(*keys)
    columns = ["day", "agent_id", "action", "queue", "channel", "practice", "team", *COUNTS, *MEASURES]
    return insert(AdoptionDay).from_select(columns, chosen)


def _sums_insert(target: type[FunnelSums], keys: tuple[str, ...], start: datetime, stop: datetime) -> Any:
    """Fill ``target`` for the days ``[start, stop)`` from ``adoption_day``'s rows summed per ``keys``."""
    agents = AdoptionDay.__table__  # type: ignore[attr-defined]
    sums = [func.sum(agents.c[name]) for name in (*COUNTS, *MEASURES)]
    chosen: Any = (Select(*(agents.c[k] for k in keys), *sums)
              .where(agents.c.day >= start, agents.c.day < stop)
              .group_by(*(agents.c[k] for k in keys)))
    return insert(target).from_select([*keys, *COUNTS, *MEASURES], chosen)


def _dismissals_insert(start: datetime, stop: datetime) -> Any:
    prompt, feedback = PromptRecord.__table__, PromptFeedback.__table__  # type: ignore[attr-defined]
    day = day_start(prompt.c.shown_at)
    chosen: Any = (Select(day, feedback.c.reason, prompt.c.practice, func.count())
              .select_from(feedback.join(prompt, prompt.c.id == feedback.c.prompt_id))
              .where(feedback.c.verdict == "dismissed", prompt.c.shown_at >= start, prompt.c.shown_at < stop)
              .group_by(day, feedback.c.reason, prompt.c.practice))
    return insert(DismissalDay).from_select(["day", "reason", "practice", "count"], chosen)


def rolled_dismissals(scope: Scope) -> Select[Any]:
    """Dismissals per reason in the rolled ``scope``."""
    table = DismissalDay.__table__  # type: ignore[attr-defined]
    query: Any = Select(table.c.reason, func.sum(table.c.count).label("n")).group_by(table.c.reason)
    return cast("Select[Any]", rolled_scope(query, table, scope))


@dataclass(frozen=True)
class Split:
    """A report's scope cut into whole rolled days and the raw pieces around them."""

    rolled: Scope | None
    raw: list[Scope]


def split(scope: Scope, rolled_through: datetime | None) -> Split:
    """The whole days of ``scope`` before ``rolled_through`` (read from the roll-up) and the rest (read raw)."""
    if rolled_through is None:
        return Split(None, [scope])
    first = _ceil_midnight(scope.start) if scope.start is not None else None
    last = min(midnight(scope.end), rolled_through) if scope.end is not None else rolled_through
    if first is not None and first >= last:
        return Split(None, [scope])
    raw = []
    if scope.start is not None and first is not None and scope.start < first:
        raw.append(replace(scope, end=first))
    if scope.end is None or last < scope.end:
        raw.append(replace(scope, start=last))
    return Split(replace(scope, start=first, end=last), raw)


def rolled_table(scope: Scope, key: str) -> Any:
    """The smallest roll-up table that keeps ``key`` and every column ``scope`` narrows by: per team, else per
    queue and channel, else per agent over every action, queue and channel, else per agent, action, queue and
    channel (an agent's actions, queues or channels, or a team's queues or channels)."""
    by_queue = key in ("queue", "channel") or scope.queue is not None or scope.channel is not None
    by_team = key == "team" or scope.team is not None
    by_agent = key == "agent" or scope.agent_id is not None
    if (by_agent and (by_queue or key == "action")) or (by_queue and by_team):
        return AdoptionDay.__table__  # type: ignore[attr-defined]
    if by_agent:
        return AdoptionAgentDay.__table__  # type: ignore[attr-defined]
    return (AdoptionQueueDay if by_queue else AdoptionTeamDay).__table__  # type: ignore[union-attr]


def rolled_rows(scope: Scope, key: str) -> Select[Any]:
    """Sums from the roll-up per ``key`` (agent, team, action, queue, channel or week) for ``scope``, whose
    dates are midnights, from ``rolled_table``."""
    table = rolled_table(scope, key)
    group = (week_start(table.c.day) if key == "week" else table.c["agent_id" if key == "agent" else key]).label("key")
    query: Any = Select(group, *(func.sum(table.c[name]).label(name) for name in (*COUNTS, *MEASURES))).group_by(group)
    return cast("Select[Any]", rolled_scope(query, table, scope))


def rolled_scope(query: Any, table: Any, scope: Scope) -> Any:
    """``query`` over a roll-up ``table`` narrowed to ``scope``: live or practice, its days (midnights), and its
    team, agent, queue and channel where the table keeps them."""
    return query.where(*scope.conditions(when=table.c.day, practice=table.c.practice, team=table.c.get("team"),
                                         agent=table.c.get("agent_id"), queue=table.c.get("queue"),
                                         channel=table.c.get("channel")))
