"""Checklist adherence: which of a contact reason's checklist items were covered in each closed contact.

For each item of ``models/checklists.json`` two 0/1 expressions (required for this contact's reason; one of
its steps is in the journey's ``steps_done``) are summed in one GROUP BY (reason, agent, team) over closed
contacts joined with their journeys; the roll-ups per reason, agent and team add those sums up here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Select, and_, case, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.adherence_rollup import CONTACTS_ITEM, agent_sums, team_sums
from assist.adoption.facts import DEFAULT_TEAM, Scope
from assist.adoption.rollup import Split, split, watermark
from assist.adoption.schemas import AdherenceReport, AdherenceRow, ItemCoverage
from assist.adoption.sql import any_step_done, day_start
from assist.stores.tables import Agent, Interaction, Journey
from models.checklists import Checklists, load_checklists

__all__ = ["adherence"]


def day_sums_query(scope: Scope, checklists: Checklists) -> Select[Any]:
    """The sums of ``_sums_query`` per day (the contact's start, UTC) too: what the roll-up keeps."""
    contact = Interaction.__table__  # type: ignore[attr-defined]
    day = day_start(contact.c.started_at)
    return _sums_query(scope, checklists).add_columns(day.label("day")).group_by(day)


def _sums_query(scope: Scope, checklists: Checklists) -> Select[Any]:
    contact = Interaction.__table__  # type: ignore[attr-defined]
    journey, agent = aliased(Journey.__table__), aliased(Agent.__table__)  # type: ignore[attr-defined]
    team = func.coalesce(agent.c.team, literal(DEFAULT_TEAM)).label("team")
    columns: list[Any] = [contact.c.intent.label("reason"), func.coalesce(contact.c.agent_id, "").label("agent"),
                          team, func.count().label("contacts")]
    for item_id, item in checklists.items.items():
        reasons = [r for r, ids in checklists.reasons.items() if item_id in ids]
        required = contact.c.intent.in_(reasons) if reasons else literal(False)
        if item_id in checklists.default:
            required = or_(required, contact.c.intent.not_in(list(checklists.reasons)))
        covered = any_step_done(journey.c.state, *(literal(step) for step in sorted(item.steps))) \
            if item.steps else literal(False)
        columns.append(func.sum(case((required, 1), else_=0)).label(f"r_{item_id}"))
        columns.append(func.sum(case((and_(required, covered), 1), else_=0)).label(f"c_{item_id}"))
    query: Any = (Select(*columns)
             .select_from(contact.outerjoin(journey, journey.c.id == contact.c.journey_id)
                          .outerjoin(agent, agent.c.id == contact.c.agent_id))
             .where(contact.c.ended_at.is_not(None),
                    *scope.conditions(when=contact.c.started_at, practice=contact.c.practice,
                                      team=func.coalesce(agent.c.team, literal(DEFAULT_TEAM)),
                                      agent=contact.c.agent_id))
             .group_by(contact.c.intent, contact.c.agent_id, team))
    return cast("Select[Any]", query)


class _Sums:
    def __init__(self) -> None:
        self.contacts = 0
        self.required: dict[str, int] = defaultdict(int)
        self.covered: dict[str, int] = defaultdict(int)

    def add(self, row: dict[str, Any], item_ids: list[str]) -> None:
        self.contacts += int(row["contacts"])
        for i in item_ids:
            self.add_item(i, int(row[f"r_{i}"] or 0), int(row[f"c_{i}"] or 0))

    def add_item(self, item: str, required: int, covered: int) -> None:
        if item == CONTACTS_ITEM:
            self.contacts += required
        else:
            self.required[item] += required
            self.covered[item] += covered

    def row(self, key: str, checklists: Checklists, with_items: bool = True) -> AdherenceRow:
        required, covered = sum(self.required.values()), sum(self.covered.values())
        items = [ItemCoverage(item=i, label=item.label, required=n, covered=self.covered[i],
                              rate=round(self.covered[i] / n, 4))
                 for i, item in checklists.items.items() if with_items and (n := self.required.get(i, 0))]
        return AdherenceRow(key=key, contacts=self.contacts, required=required, covered=covered,
                            rate=round(covered / required, 4) if required else None, items=items)


async def adherence(session: AsyncSession, scope: Scope, *, checklists: Checklists | None = None,
                    now: datetime | None = None) -> AdherenceReport:
    """Checklist coverage of the closed contacts started in ``scope``, overall and per reason, agent, team
    (groups in order of contacts, most first; agents' rows without items). Whole rolled days come from the
    roll-up unless one agent is asked for (the roll-up has no items per agent): then all is read raw."""
    checklists = checklists or load_checklists()
    item_ids = list(checklists.items)
    totals = _Sums()
    groups: dict[str, dict[str, _Sums]] = {"reason": defaultdict(_Sums), "agent": defaultdict(_Sums),
                                           "team": defaultdict(_Sums)}
    parts = split(scope, await watermark(session)) if scope.agent_id is None else Split(None, [scope])
    for piece in parts.raw:
        for raw in (await session.exec(_sums_query(piece, checklists))).all():
            row = dict(raw._mapping)
            totals.add(row, item_ids)
            for dimension, sums in groups.items():
                sums[str(row[dimension])].add(row, item_ids)
    if parts.rolled is not None:
        for r in (await session.exec(team_sums(parts.rolled))).all():
            for target in (totals, groups["reason"][r.reason], groups["team"][r.team]):
                target.add_item(r.item, int(r.required or 0), int(r.covered or 0))
        for r in (await session.exec(agent_sums(parts.rolled))).all():
            agent = groups["agent"][r.agent_id]
            agent.contacts += int(r.contacts or 0)
            agent.required[CONTACTS_ITEM] += int(r.required or 0)  # item-less sums: agents list no items
            agent.covered[CONTACTS_ITEM] += int(r.covered or 0)

    def rows(dimension: str) -> list[AdherenceRow]:
        out = [s.row(k, checklists, with_items=dimension != "agent") for k, s in groups[dimension].items()]
        return sorted(out, key=lambda r: (-r.contacts, r.key))

    return AdherenceReport(generated_at=now or datetime.now(UTC), start=scope.start, end=scope.end,
                           team=scope.team, agent_id=scope.agent_id, practice=scope.practice,
                           totals=totals.row("all", checklists), by_reason=rows("reason"),
                           by_agent=rows("agent"), by_team=rows("team"))
