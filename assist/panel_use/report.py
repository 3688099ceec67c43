"""The panel-use report: time in view, card and article views per closed contact, per agent and team.

One SQL query does the work. A window (``LEAD`` over each session's visibility events, by time) gives every
``panel_visible`` the moment the panel next went out of view or was reported visible again; that stretch is
cut to its contact's start and end (``Interaction`` ``I-<session id>``), so a panel left open after the close,
or a hidden event that never came (the tab was closed), counts only while the contact lasted. Views are
counted per session. Both are joined to the closed contacts of the scope and summed per (agent, team); the
teams and totals add those sums up here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import DEFAULT_TEAM, Scope
from assist.adoption.sql import seconds_between
from assist.panel_use.schemas import PanelUseReport, PanelUseRow
from assist.panel_use.tables import PanelEvent
from assist.stores.tables import Agent, Interaction

__all__ = ["panel_use"]

VISIBILITY = ("panel_visible", "panel_hidden")


def _events(scope: Scope) -> Any:
    """The scope's panel events: live or practice, and none before ``start`` (a contact started in the range
    reports nothing earlier). No upper bound: a contact started before ``end`` may report after it."""
    event = PanelEvent.__table__  # type: ignore[attr-defined]
    where = [event.c.practice == scope.practice]
    if scope.start is not None:
        where.append(event.c.at >= scope.start)
    return event, where


def _later(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _earlier(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _visible_seconds(scope: Scope) -> Any:
    """Per session: seconds the panel was in view while its contact was open."""
    event, where = _events(scope)
    following = func.lead(event.c.at).over(partition_by=event.c.session_id, order_by=(event.c.at, event.c.id))
    stretches = (select(event.c.session_id, event.c.kind, event.c.at, following.label("until"))
                 .where(event.c.kind.in_(VISIBILITY), *where).subquery("stretches"))
    contact = aliased(Interaction.__table__)  # type: ignore[attr-defined]
    begin = _later(stretches.c.at, contact.c.started_at)
    finish = _earlier(func.coalesce(stretches.c.until, contact.c.ended_at), contact.c.ended_at)
    seconds = seconds_between(begin, finish)
    return (select(stretches.c.session_id, func.sum(case((seconds > 0, seconds), else_=0.0)).label("seconds"))
            .select_from(stretches.join(contact, contact.c.id == literal("I-") + stretches.c.session_id))
            .where(stretches.c.kind == "panel_visible", contact.c.ended_at.is_not(None))
            .group_by(stretches.c.session_id).subquery("visible"))


def _views(scope: Scope) -> Any:
    """Per session: context card sections and knowledge articles opened."""
    event, where = _events(scope)
    return (select(event.c.session_id,
                   func.sum(case((event.c.kind == "card_view", 1), else_=0)).label("cards"),
                   func.sum(case((event.c.kind == "article_view", 1), else_=0)).label("articles"))
            .where(event.c.kind.in_(("card_view", "article_view")), *where)
            .group_by(event.c.session_id).subquery("views"))


def sums_query(scope: Scope) -> Select[Any]:
    """One row per (agent, team): closed contacts, seconds in view, handle seconds, views."""
    contact = Interaction.__table__  # type: ignore[attr-defined]
    agent = aliased(Agent.__table__)  # type: ignore[attr-defined]
    visible, views = _visible_seconds(scope), _views(scope)
    team = func.coalesce(agent.c.team, literal(DEFAULT_TEAM))
    seconds = func.coalesce(visible.c.seconds, 0.0)
    query = (select(func.coalesce(contact.c.agent_id, "").label("agent"), team.label("team"),
                    func.count().label("contacts"),
                    func.sum(case((seconds > 0, 1), else_=0)).label("with_panel"),
                    func.sum(seconds).label("panel_seconds"),
                    func.sum(seconds_between(contact.c.started_at, contact.c.ended_at)).label("handle_seconds"),
                    func.sum(func.coalesce(views.c.cards, 0)).label("cards"),
                    func.sum(func.coalesce(views.c.articles, 0)).label("articles"))
             .select_from(contact.outerjoin(agent, agent.c.id == contact.c.agent_id)
                          .outerjoin(visible, contact.c.id == literal("I-") + visible.c.session_id)
                          .outerjoin(views, contact.c.id == literal("I-") + views.c.session_id))
             .where(contact.c.practice == scope.practice, contact.c.ended_at.is_not(None))
             .group_by(contact.c.agent_id, team))
    if scope.start is not None:
        query = query.where(contact.c.started_at >= scope.start)
    if scope.end is not None:
        query = query.where(contact.c.started_at < scope.end)
    if scope.team is not None:
        query = query.where(team == scope.team)
    if scope.agent_id is not None:
        query = query.where(contact.c.agent_id == scope.agent_id)
    return query


class _Sums:
    def __init__(self) -> None:
        self.contacts = self.with_panel = self.cards = self.articles = 0
        self.panel_seconds = self.handle_seconds = 0.0

    def add(self, row: Any) -> None:
        self.contacts += int(row.contacts)
        self.with_panel += int(row.with_panel or 0)
        self.panel_seconds += float(row.panel_seconds or 0)
        self.handle_seconds += float(row.handle_seconds or 0)
        self.cards += int(row.cards or 0)
        self.articles += int(row.articles or 0)

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
    rows: Iterable[Any] = (await session.exec(sums_query(scope))).all()  # type: ignore[call-overload]
    totals, agents, teams = _Sums(), dict[str, _Sums](), dict[str, _Sums]()
    for row in rows:
        totals.add(row)
        agents.setdefault(row.agent, _Sums()).add(row)
        teams.setdefault(row.team, _Sums()).add(row)
    return PanelUseReport(generated_at=now or datetime.now(UTC), start=scope.start, end=scope.end, team=scope.team,
                          agent_id=scope.agent_id, practice=scope.practice, totals=totals.row("all"),
                          by_agent=_rows(agents), by_team=_rows(teams))
