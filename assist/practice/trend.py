"""A trainee's proficiency over time, practice and live kept apart: their practice rubric score run by run,
and their live guidance follow rate and checklist adherence week by week.

The two never mix: practice points come from debriefed practice sessions (``practice_session``), live points
from live prompts and closed live contacts (the adoption queries with ``practice=False``), and each carries
its own scale and its own x axis (runs; weeks). A trainer or supervisor reads whether what was practised shows
up on the floor, without a practice score ever counting as live work.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.adherence import day_sums_query
from assist.adoption.facts import Scope
from assist.adoption.funnel import Dimension, funnel
from assist.adoption.service import DEFAULT_IGNORE_AFTER_SECONDS
from assist.practice import repository as repo
from models.checklists import load_checklists

__all__ = ["LivePoint", "PracticePoint", "TraineeTrend", "trainee_trend"]

DEFAULT_WEEKS = 12


class PracticePoint(BaseModel):
    """One practice run of the trainee: the mean rubric score (0-100) of their debriefed sessions in it."""

    run_id: str
    run_name: str
    ended_at: datetime | None
    """When the trainee's last session of the run ended."""
    sessions: int
    score: float


class LivePoint(BaseModel):
    """One week (Monday, UTC) of the trainee's live work."""

    week: str
    accepted: int = 0
    followed: int = 0
    follow_rate: float | None = None
    """Followed / accepted prompts (the adoption funnel's definition)."""
    contacts: int = 0
    required: int = 0
    covered: int = 0
    adherence_rate: float | None = None
    """Checklist items covered / required in the closed contacts started that week."""


class TraineeTrend(BaseModel):
    trainee_id: str
    weeks: int
    since: datetime
    """Live weeks start here; practice runs are all of the trainee's (the latest 500 sessions)."""
    practice: list[PracticePoint] = Field(default_factory=list)
    live: list[LivePoint] = Field(default_factory=list)


def _week_of(day: Any) -> str:
    """The Monday of a day as the roll-up gives it (a datetime on PostgreSQL, text on SQLite)."""
    when = day.date() if isinstance(day, datetime) else date.fromisoformat(str(day)[:10])
    return (when - timedelta(days=when.weekday())).isoformat()


async def _practice_points(session: AsyncSession, trainee_id: str) -> list[PracticePoint]:
    runs: dict[str, list[Any]] = {}
    for practice, run_name in await repo.finished_of_trainee(session, trainee_id):
        runs.setdefault(practice.run_id, [run_name]).append(practice)
    points = []
    for run_id, (run_name, *sessions) in runs.items():
        scores = [float(p.score) for p in sessions if p.score is not None]
        ended = [p.ended_at for p in sessions if p.ended_at is not None]
        points.append(PracticePoint(run_id=run_id, run_name=run_name, ended_at=max(ended) if ended else None,
                                    sessions=len(scores), score=round(sum(scores) / len(scores), 1)))
    return sorted(points, key=lambda p: (p.ended_at or datetime.min.replace(tzinfo=UTC), p.run_id))


async def _live_points(session: AsyncSession, trainee_id: str, since: datetime, now: datetime) -> list[LivePoint]:
    scope = Scope(start=since, agent_id=trainee_id, practice=False)
    weeks: dict[str, LivePoint] = {}
    report = await funnel(session, scope, Dimension.WEEK, ignore_after_seconds=DEFAULT_IGNORE_AFTER_SECONDS, now=now,
                          raw=True)
    for week_row in report.rows:
        weeks[week_row.key[:10]] = LivePoint(week=week_row.key[:10], accepted=week_row.accepted,
                                             followed=week_row.followed, follow_rate=week_row.follow_rate)
    checklists = load_checklists()
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for raw in (await session.exec(day_sums_query(scope, checklists))).all():  # type: ignore[call-overload]
        row = dict(raw._mapping)
        week = sums[_week_of(row["day"])]
        week[0] += int(row["contacts"])
        for item in checklists.items:
            week[1] += int(row[f"r_{item}"] or 0)
            week[2] += int(row[f"c_{item}"] or 0)
    for key, (contacts, required, covered) in sums.items():
        point = weeks.setdefault(key, LivePoint(week=key))
        point.contacts, point.required, point.covered = contacts, required, covered
        point.adherence_rate = round(covered / required, 4) if required else None
    return [weeks[k] for k in sorted(weeks)]


async def trainee_trend(session: AsyncSession, trainee_id: str, weeks: int = DEFAULT_WEEKS,
                        now: datetime | None = None) -> TraineeTrend:
    """Practice runs (all) and live weeks (the last ``weeks``, from a Monday) of one trainee."""
    now = now or datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    since = monday - timedelta(weeks=weeks - 1)
    return TraineeTrend(trainee_id=trainee_id, weeks=weeks, since=since,
                        practice=await _practice_points(session, trainee_id),
                        live=await _live_points(session, trainee_id, since, now))
