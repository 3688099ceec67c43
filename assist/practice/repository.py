"""All the SQL of practice mode: runs, sessions, the event log, and the prompt verdicts a debrief reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.practice.tables import PracticeEvent, PracticeRun, PracticeScenario, PracticeSession
from assist.stores.sql import Database
from assist.stores.tables import Agent, PromptFeedback, PromptRecord

APPEND_ATTEMPTS = 8
"""Two workers appending to one log at once collide on ``seq``; the loser re-reads and tries again."""


async def known_agents(s: AsyncSession, agent_ids: Sequence[str]) -> set[str]:
    """Which of ``agent_ids`` are active agents."""
    rows = (await s.exec(select(Agent.id).where(col(Agent.id).in_(list(agent_ids)), Agent.active))).all()
    return set(rows)


async def refund_limits(s: AsyncSession, agent_ids: Sequence[str]) -> dict[str, float]:
    rows = (await s.exec(select(Agent).where(col(Agent.id).in_(list(agent_ids))))).all()
    return {a.id: a.refund_limit for a in rows}


async def custom_scenarios(s: AsyncSession, names: Sequence[str] | None = None) -> Sequence[PracticeScenario]:
    """Trainer-built scenarios, all or those named, oldest first."""
    query = select(PracticeScenario).order_by(col(PracticeScenario.created_at))
    if names is not None:
        query = query.where(col(PracticeScenario.name).in_(list(names)))
    return (await s.exec(query)).all()


async def list_runs(s: AsyncSession, limit: int = 100) -> Sequence[PracticeRun]:
    return (await s.exec(select(PracticeRun).order_by(col(PracticeRun.created_at).desc()).limit(limit))).all()


async def sessions_of_run(s: AsyncSession, run_id: str) -> Sequence[PracticeSession]:
    return (await s.exec(select(PracticeSession).where(PracticeSession.run_id == run_id)
                         .order_by(col(PracticeSession.trainee_id), col(PracticeSession.position)))).all()


async def find_session(s: AsyncSession, any_id: str) -> PracticeSession | None:
    """A practice session by its own id or by its agent-stream session id."""
    return (await s.exec(select(PracticeSession).where(
        or_(col(PracticeSession.id) == any_id, col(PracticeSession.session_id) == any_id)))).first()


async def by_stream_session(s: AsyncSession, session_id: str) -> PracticeSession | None:
    return (await s.exec(select(PracticeSession).where(PracticeSession.session_id == session_id))).first()


async def next_queued(s: AsyncSession, run_id: str, trainee_id: str) -> PracticeSession | None:
    return (await s.exec(select(PracticeSession).where(
        PracticeSession.run_id == run_id, PracticeSession.trainee_id == trainee_id,
        PracticeSession.status == "queued").order_by(col(PracticeSession.position)))).first()


async def finished_of_trainee(s: AsyncSession, trainee_id: str,
                              limit: int = 500) -> Sequence[tuple[PracticeSession, str]]:
    """The trainee's debriefed sessions with their run's name, oldest first (the latest ``limit``)."""
    rows = (await s.exec(select(PracticeSession, PracticeRun.name)
                         .join(PracticeRun, col(PracticeRun.id) == col(PracticeSession.run_id))
                         .where(PracticeSession.trainee_id == trainee_id, col(PracticeSession.score).is_not(None))
                         .order_by(col(PracticeSession.ended_at).desc()).limit(limit))).all()
    return list(reversed(rows))


async def events_of(s: AsyncSession, practice_id: str) -> Sequence[PracticeEvent]:
    return (await s.exec(select(PracticeEvent).where(PracticeEvent.practice_session_id == practice_id)
                         .order_by(col(PracticeEvent.seq)))).all()


async def events_of_many(s: AsyncSession, practice_ids: Sequence[str]) -> dict[str, list[PracticeEvent]]:
    rows = (await s.exec(select(PracticeEvent).where(col(PracticeEvent.practice_session_id).in_(list(practice_ids)))
                         .order_by(col(PracticeEvent.seq)))).all()
    grouped: dict[str, list[PracticeEvent]] = {i: [] for i in practice_ids}
    for row in rows:
        grouped[row.practice_session_id].append(row)
    return grouped


async def verdicts(s: AsyncSession, session_id: str) -> list[tuple[str, str, float]]:
    """(prompt action, verdict, epoch seconds) of every answered prompt of an agent-stream session."""
    rows = (await s.exec(select(PromptRecord.action, PromptFeedback.verdict, PromptFeedback.at)
                         .join(PromptFeedback, col(PromptFeedback.prompt_id) == col(PromptRecord.id))
                         .where(PromptRecord.session_id == session_id)
                         .order_by(col(PromptFeedback.at)))).all()
    return [(action, verdict, at.timestamp()) for action, verdict, at in rows]


async def append(db: Database, practice_id: str, entries: Sequence[dict[str, Any]]) -> bool:
    """Append ``entries`` (PracticeEvent fields) to the log with the next seqs, in one transaction.

    Returns False, appending nothing, when an entry answers a turn (``reply_to``) that was already
    answered; retries when another writer took the same seqs. Raises IntegrityError if that keeps happening.
    """
    replies = [e["reply_to"] for e in entries if e.get("reply_to") is not None]
    for attempt in range(APPEND_ATTEMPTS):
        try:
            async with db.session() as s:
                if replies and (await s.exec(select(PracticeEvent.id).where(
                        PracticeEvent.practice_session_id == practice_id,
                        col(PracticeEvent.reply_to).in_(replies)))).first() is not None:
                    return False
                last = (await s.exec(select(func.max(PracticeEvent.seq)).where(
                    PracticeEvent.practice_session_id == practice_id))).one()
                for offset, entry in enumerate(entries, start=1):
                    s.add(PracticeEvent(practice_session_id=practice_id, seq=(last or 0) + offset, **entry))
            return True
        except IntegrityError:
            if attempt == APPEND_ATTEMPTS - 1:
                raise
    return False


async def move(s: AsyncSession, practice_id: str, from_statuses: Sequence[str], **values: Any) -> bool:
    """Set ``values`` on the session only if its status is one of ``from_statuses``; True if it moved.

    A conditional UPDATE, so an offer being recorded and the trainee accepting it at once cannot undo
    each other.
    """
    result = await s.exec(update(PracticeSession).where(
        col(PracticeSession.id) == practice_id, col(PracticeSession.status).in_(list(from_statuses))).values(**values))
    return bool(result.rowcount == 1)


async def finish_run_if_done(s: AsyncSession, run_id: str) -> None:
    """Mark the run finished once none of its sessions is queued, offered or open."""
    active = (await s.exec(select(PracticeSession.id).where(
        PracticeSession.run_id == run_id,
        col(PracticeSession.status).in_(["queued", "offered", "open"])))).first()
    if active is None:
        await s.exec(update(PracticeRun).where(col(PracticeRun.id) == run_id).values(status="finished"))
