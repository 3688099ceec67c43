"""Shared steps of the practice tests: trainees in the database, runs created, the trainee's stream read."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlmodel import func, select

from assist.auth.principal import Principal, Role
from assist.practice.tables import PracticeEvent, PracticeRun, PracticeSession
from assist.sessions.events import handle_event
from assist.stores.sql import Database
from assist.stores.tables import Agent
from assist.stream.protocol import EventData


async def add_trainees(db: Database, *agent_ids: str, refund_limit: float = 50.0) -> None:
    async with db.session() as s:
        for agent_id in agent_ids:
            s.add(Agent(id=agent_id, name=f"Trainee {agent_id}", refund_limit=refund_limit))


async def practice_counts(db: Database) -> tuple[int, int, int]:
    """Rows in (runs, sessions, events): what a refused request must leave unchanged."""
    async with db.session() as s:
        counts = []
        for table in (PracticeRun, PracticeSession, PracticeEvent):
            counts.append((await s.exec(select(func.count()).select_from(table))).one())
    return counts[0], counts[1], counts[2]


async def stream(app: FastAPI, agent_id: str) -> list[dict[str, Any]]:
    """Every durable message the agent's panel would receive, as dicts."""
    messages, _ = await app.state.outbox.since(agent_id, 0)
    return [m.model_dump() for m in messages]


def as_trainee(agent_id: str) -> Principal:
    return Principal(subject=agent_id, role=Role.AGENT)


async def say(app: FastAPI, agent_id: str, session_id: str, text: str) -> None:
    await handle_event(app.state.session_service, as_trainee(agent_id),
                       EventData(session_id=session_id, kind="utterance", speaker="agent", text=text))


async def act(app: FastAPI, agent_id: str, session_id: str, action: str, **fields: Any) -> None:
    await handle_event(app.state.session_service, as_trainee(agent_id),
                       EventData(session_id=session_id, kind="action", action=action, fields=fields))
