"""The daily roll-up of checklist adherence (see ``assist.adoption.rollup`` for which days roll and when).

Two tables, because per agent and per item would hold more rows than there are contacts:

- ``adherence_team_day``: per day, team, contact reason and checklist item, the checks required and covered
  (item ``""`` holds the number of contacts): the totals, reasons and teams, item by item;
- ``adherence_agent_day``: per day and agent, contacts and checks required and covered: the agents' rows
  (which therefore never list items).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Select, delete, func, insert
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Scope
from assist.adoption.rollup import rolled_scope
from assist.stores.tables import UTCDateTime

__all__ = ["CONTACTS_ITEM", "AdherenceAgentDay", "AdherenceTeamDay", "agent_sums", "roll_adherence", "team_sums"]

CONTACTS_ITEM = ""
"""The item id of the row counting a group's contacts (its ``required``)."""


class AdherenceTeamDay(SQLModel, table=True):
    __tablename__ = "adherence_team_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    team: str = Field(primary_key=True, max_length=64)
    reason: str = Field(primary_key=True, max_length=64)
    item: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)
    required: int = 0
    covered: int = 0


class AdherenceAgentDay(SQLModel, table=True):
    __tablename__ = "adherence_agent_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    agent_id: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)
    team: str = Field(max_length=64)
    contacts: int = 0
    required: int = 0
    covered: int = 0


async def roll_adherence(session: AsyncSession, start: datetime, stop: datetime) -> None:
    """Replace the rolled adherence of the days in ``[start, stop)`` (inside the roll's transaction)."""
    from assist.adoption.adherence import day_sums_query  # adherence reads these tables: import at call time
    from models.checklists import load_checklists

    checklists = load_checklists()
    for table in (AdherenceTeamDay, AdherenceAgentDay):
        day_col = col(table.day)
        await session.exec(delete(table).where(day_col >= start, day_col < stop))
    teams: dict[tuple[Any, ...], int] = defaultdict(int)
    agents: dict[tuple[Any, ...], list[Any]] = {}
    for practice in (False, True):
        query = day_sums_query(Scope(start=start, end=stop, practice=practice), checklists)
        for raw in (await session.exec(query)).all():
            row = raw._mapping
            day, team, reason = row["day"], str(row["team"]), str(row["reason"])
            teams[(day, team, reason, CONTACTS_ITEM, practice, "required")] += int(row["contacts"])
            required = covered = 0
            for item in checklists.items:
                r, c = int(row[f"r_{item}"] or 0), int(row[f"c_{item}"] or 0)
                if r:
                    teams[(day, team, reason, item, practice, "required")] += r
                    teams[(day, team, reason, item, practice, "covered")] += c
                required, covered = required + r, covered + c
            agent = agents.setdefault((day, str(row["agent"]), practice), [team, 0, 0, 0])
            agent[1:] = [agent[1] + int(row["contacts"]), agent[2] + required, agent[3] + covered]
    team_rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for (day, team, reason, item, practice, field), n in teams.items():
        team_rows.setdefault((day, team, reason, item, practice), {
            "day": day, "team": team, "reason": reason, "item": item, "practice": practice, "required": 0,
            "covered": 0})[field] = n
    connection = await session.connection()
    if team_rows:
        await connection.execute(insert(AdherenceTeamDay), list(team_rows.values()))
    if agents:
        await connection.execute(insert(AdherenceAgentDay), [
            {"day": day, "agent_id": agent_id, "practice": practice, "team": team, "contacts": contacts,
             "required": required, "covered": covered}
            for (day, agent_id, practice), (team, contacts, required, covered) in agents.items()])


def team_sums(scope: Scope) -> Select[Any]:
    """Checks required and covered per reason, team and item (``""``: contacts) in the rolled ``scope``."""
    table = AdherenceTeamDay.__table__  # type: ignore[attr-defined]
    query: Any = Select(table.c.reason, table.c.team, table.c.item, func.sum(table.c.required).label("required"),
                   func.sum(table.c.covered).label("covered")).group_by(table.c.reason, table.c.team, table.c.item)
    return cast("Select[Any]", rolled_scope(query, table, scope))


def agent_sums(scope: Scope) -> Select[Any]:
    """Contacts and checks required and covered per agent in the rolled ``scope``."""
    table = AdherenceAgentDay.__table__  # type: ignore[attr-defined]
    query: Any = Select(table.c.agent_id, func.sum(table.c.contacts).label("contacts"),
                   func.sum(table.c.required).label("required"),
                   func.sum(table.c.covered).label("covered")).group_by(table.c.agent_id)
    return cast("Select[Any]", rolled_scope(query, table, scope))
