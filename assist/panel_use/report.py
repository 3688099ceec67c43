"""The panel-use report: time in view, card and article views per closed contact, per agent and team.

Two GROUP BY queries per (agent, team) do the work, each reading its table once: the closed contacts of the
scope (how many, their handle time: the denominators, panel or not), and the scope's panel events joined to
their contact (``Interaction`` ``I-<session id>``). In the second, a window (``LEAD`` over each session's
visibility events, by time) gives every ``panel_visible`` the moment the panel next went out of view or was
reported visible again; that stretch is cut to its contact's start and end, so a panel left open after the
close, or a hidden event that never came (the tab was closed), counts only while the contact lasted. The
teams and totals add the per-agent sums up here.

Whole days before the panel roll-up's watermark are read from ``panel_use_day`` instead (``rollup``), so a
year reads a few hundred thousand rows rather than every event through the window; the figures are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import DEFAULT_TEAM, Scope
from assist.adoption.rollup import split
from assist.adoption.sql import day_start, seconds_between
from assist.panel_use.rollup import panel_watermark, rolled_query
from assist.panel_use.schemas import PanelUseReport, PanelUseRow
from assist.panel_use.tables import PanelEvent
from assist.stores.tables import Agent, Interaction

__all__ = ["contacts_query", "panel_use", "use_query"]

VISIBILITY = ("panel_visible", "panel_hidden")


EARLY = timedelta(hours=1)
"""Events read from this long before ``start``: a visible report may precede its contact's recorded start."""


def _events(scope: Scope) -> Any:
    """The scope's panel events, narrowed before the join where it is cheap and safe: live or practice, none
    long before ``start`` (no upper bound: a contact started before ``end`` may report after it), and only the
    agent's or the team's agents' own when one is asked for (a panel reports only its own agent's contacts).
    The contacts' own filters still decide what counts."""
    event = PanelEvent.__table__  # type: ignore[attr-defined]
    where = [event.c.practice == scope.practice]
    if scope.start is not None:
        where.append(event.c.at >= scope.start - EARLY)
    if scope.agent_id is not None:
        where.append(event.c.agent_id == scope.agent_id)
    elif scope.team is not None and scope.team != DEFAULT_TEAM:  # "default" also holds agents with no row
        members = Agent.__table__  # type: ignore[attr-defined]
        where.append(event.c.agent_id.in_(select(members.c.id).where(members.c.team == scope.team)))
    return event, where


def _later(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _earlier(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _contacts(scope: Scope) -> tuple[Any, Any, Any, list[Any]]:
    """The closed contacts of the scope (table, agent alias, team expression, WHERE)."""
    contact = Interaction.__table__  # type: ignore[attr-defined]
    agent = aliased(Agent.__table__)  # type: ignore[attr-defined]
    team = func.coalesce(agent.c.team, literal(DEFAULT_TEAM))
    where = [contact.c.ended_at.is_not(None),
             *scope.conditions(when=contact.c.started_at, practice=contact.c.practice, team=team,
                               agent=contact.c.agent_id)]
    return contact, agent, team, where


def contacts_query(scope: Scope, by_day: bool = False) -> Select[Any]:
    """Per (agent, team): closed contacts and their handle seconds, whether the panel reported or not; per day
    the contact started too with ``by_day`` (what the roll-up keeps)."""
    contact, agent, team, where = _contacts(scope)
    days = [day_start(contact.c.started_at)] if by_day else []
    return (select(func.coalesce(contact.c.agent_id, "").label("agent"), team.label("team"),
                   *(d.label("day") for d in days), func.count().label("contacts"),
                   func.sum(seconds_between(contact.c.started_at, contact.c.ended_at)).label("handle_seconds"))
            .select_from(contact.outerjoin(agent, agent.c.id == contact.c.agent_id))
            .where(*where).group_by(contact.c.agent_id, team, *days))


def use_query(scope: Scope, by_day: bool = False) -> Select[Any]:
    """Per (agent, team): seconds in view, contacts with any, card and article views, from the scope's events
    joined to their closed contact. Each event is read once: the window gives a visibility event the time of
    the session's next one (views are partitioned apart, so they never end a stretch); sums go per contact
    first, then per agent (no DISTINCT, which would sort every event); and per the day each contact started
    with ``by_day``."""
    event, where = _events(scope)
    visibility = event.c.kind.in_(VISIBILITY)
    following = func.lead(event.c.at).over(partition_by=(event.c.session_id, visibility),
                                           order_by=(event.c.at, event.c.id))
    events = (select(event.c.session_id, event.c.kind, event.c.at, following.label("until"))
              .where(*where).subquery("events"))
    contact, agent, team, contact_where = _contacts(scope)
    begin = _later(events.c.at, contact.c.started_at)
    finish = _earlier(func.coalesce(events.c.until, contact.c.ended_at), contact.c.ended_at)
    stretch = seconds_between(begin, finish)
    days = [day_start(contact.c.started_at)] if by_day else []
    per_contact = (select(contact.c.agent_id.label("agent_id"), *(d.label("day") for d in days),
                          func.sum(case((and_(events.c.kind == "panel_visible", stretch > 0), stretch), else_=0.0))
                          .label("seconds"),
                          func.sum(case((events.c.kind == "card_view", 1), else_=0)).label("cards"),
                          func.sum(case((events.c.kind == "article_view", 1), else_=0)).label("articles"))
                   .select_from(events.join(contact, contact.c.id == literal("I-") + events.c.session_id)
                                .outerjoin(agent, agent.c.id == contact.c.agent_id))
                   .where(*contact_where).group_by(contact.c.id, contact.c.agent_id, *days).subquery("per_contact"))
    outer_agent = aliased(Agent.__table__)  # type: ignore[attr-defined]
    outer_team = func.coalesce(outer_agent.c.team, literal(DEFAULT_TEAM))
    outer_days = [per_contact.c.day] if by_day else []
    return (select(func.coalesce(per_contact.c.agent_id, "").label("agent"), outer_team.label("team"),
                   *outer_days, func.sum(per_contact.c.seconds).label("panel_seconds"),
                   func.sum(case((per_contact.c.seconds > 0, 1), else_=0)).label("with_panel"),
                   func.sum(per_contact.c.cards).label("cards"), func.sum(per_contact.c.articles).label("articles"))
            .select_from(per_contact.outerjoin(outer_agent, outer_agent.c.id == per_contact.c.agent_id))
            .group_by(per_contact.c.agent_id, outer_team, *outer_days))


class _Sums:
    def __init__(self) -> None:
        self.contacts = self.with_panel = self.cards = self.articles = 0
        self.panel_seconds = self.handle_seconds = 0.0

    def add_contacts(self, row: Any) -> None:
        self.contacts += int(row.contacts)
        self.handle_seconds += float(row.handle_seconds or 0)

    def add_use(self, row: Any) -> None:
        self.with_panel += int(row.with_panel or 0)
        self.panel_seconds += float(row.panel_seconds or 0)
        self.cards += int(row.cards or 0)
        self.articles += int(row.articles or 0)

    def add_rolled(self, row: Any) -> None:
        self.add_contacts(row)
        self.add_use(row)

    def row(self, key: str) -> PanelUseRow:
        n = self.contacts
        return PanelUseRow(
            key=key, contacts=n, contacts_with_panel=self.with_panel, panel_seconds=round(self.panel_seconds, 1),
            panel_seconds_per_contact=round(self.panel_seconds / n, 1) if n else None,
            handle_seconds=round(self.handle_seconds, 1),
            panel_share=round(self.panel_seconds / self.handle_seconds, 4) if self.handle_seconds > 0 else None,
            card_views=self.cards, card_views_per_contact=round(self.cards / n, 2) if n else None,
            article_views=self.articles, article_views_per_contact=round(self.articles / n, 2) if n else None)


def _rows(groups: dict[str, _Sums]) -> list[PanelUseRow]:
    """Most contacts first, then by key."""
    return [s.row(k) for k, s in sorted(groups.items(), key=lambda kv: (-kv[1].contacts, kv[0]))]


async def panel_use(session: AsyncSession, scope: Scope, now: datetime | None = None) -> PanelUseReport:
    """The whole rolled days of ``scope`` from ``panel_use_day``, the rest (the days not rolled yet, a range's
    partial first and last day) from the two raw queries, added up per agent and team."""
    totals, agents, teams = _Sums(), dict[str, _Sums](), dict[str, _Sums]()
    parts = split(scope, await panel_watermark(session))
    queries: list[tuple[Select[Any], Callable[[_Sums, Any], None]]] = []
    if parts.rolled is not None:
        queries.append((rolled_query(parts.rolled), _Sums.add_rolled))
    for raw in parts.raw:
        queries += [(contacts_query(raw), _Sums.add_contacts), (use_query(raw), _Sums.add_use)]
    for query, add in queries:
        rows: Iterable[Any] = (await session.exec(query)).all()  # type: ignore[call-overload]
        for row in rows:
            add(totals, row)
            add(agents.setdefault(row.agent, _Sums()), row)
            add(teams.setdefault(row.team, _Sums()), row)
    return PanelUseReport(generated_at=now or datetime.now(UTC), start=scope.start, end=scope.end, team=scope.team,
                          agent_id=scope.agent_id, practice=scope.practice, totals=totals.row("all"),
                          by_agent=_rows(agents), by_team=_rows(teams))
