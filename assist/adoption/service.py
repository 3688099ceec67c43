"""Summaries of prompt feedback: how often agents follow, dismiss or ignore guidance, and how fast they act.

Counting happens in SQL (one GROUP BY over prompts joined with their feedback), so the cost grows with the
number of agent x action groups, not with the number of prompts. A prompt with no feedback row is ``ignored``
when its contact closed (its interaction was recorded) or it was left unanswered too long, and only otherwise
still ``open`` (shown recently on a contact still going: the agent may yet answer).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Scope
from assist.adoption.rollup import rolled_dismissals, rolled_rows, split, watermark
from assist.adoption.schemas import ActionTally, AdoptionSummary, AgentTally, DismissalReason, Tally
from assist.adoption.sql import unindexed
from assist.stores.tables import Interaction, PromptFeedback, PromptRecord

__all__ = ["DEFAULT_IGNORE_AFTER_SECONDS", "summarise_feedback"]

DEFAULT_IGNORE_AFTER_SECONDS = 300.0
"""An unanswered prompt older than this counts as ignored; five minutes covers a typical chat turn-around."""


@dataclass
class _Counts:
    """Running sums for one group, turned into a ``Tally`` at the end."""

    shown: int = 0
    accepted: int = 0
    dismissed: int = 0
    ignored: int = 0
    open: int = 0
    seconds_sum: float = 0.0
    seconds_n: int = 0

    def add(self, verdict: str | None, old: bool, count: int, seconds_sum: float, seconds_n: int) -> None:
        self.shown += count
        if verdict == "accepted":
            self.accepted += count
        elif verdict == "dismissed":
            self.dismissed += count
        elif old:
            self.ignored += count
        else:
            self.open += count
        self.seconds_sum += seconds_sum
        self.seconds_n += seconds_n

    def add_sums(self, sums: Any) -> None:
        """Add a roll-up row's sums (its days are settled: nothing in them is open)."""
        for name in ("shown", "accepted", "dismissed", "ignored", "open"):
            setattr(self, name, getattr(self, name) + int(sums[name] or 0))
        self.seconds_sum += float(sums["act_sum"] or 0.0)
        self.seconds_n += int(sums["act_n"] or 0)

    def tally(self) -> Tally:
        settled = self.shown - self.open

        def rate(n: int) -> float | None:
            return round(n / settled, 4) if settled else None

        return Tally(shown=self.shown, accepted=self.accepted, dismissed=self.dismissed, ignored=self.ignored,
                     open=self.open, acceptance_rate=rate(self.accepted), dismissal_rate=rate(self.dismissed),
                     ignore_rate=rate(self.ignored),
                     mean_seconds_to_act=round(self.seconds_sum / self.seconds_n, 2) if self.seconds_n else None)


async def summarise_feedback(session: AsyncSession, *, since: datetime | None = None, end: datetime | None = None,
                             practice: bool = False, ignore_after_seconds: float = DEFAULT_IGNORE_AFTER_SECONDS,
                             now: datetime | None = None) -> AdoptionSummary:
    """Prompt outcomes of prompts shown since ``since`` and before ``end`` (all time when both are None),
    overall, per agent and per action.

    ``practice`` selects practice prompts instead of live ones: the two are never mixed, so training runs
    do not inflate live adoption figures. Returns empty tallies (rates None) when nothing was shown. Whole
    days the roll-up holds (``assist.adoption.rollup``) are read from it, the rest from the prompts.
    """
    now = now or datetime.now(UTC)
    parts = split(Scope(start=since, end=end, practice=practice), await watermark(session))
    totals = _Counts()
    by_agent: dict[str, _Counts] = defaultdict(_Counts)
    by_action: dict[str, _Counts] = defaultdict(_Counts)
    reasons: dict[str, int] = defaultdict(int)
    for piece in parts.raw:
        for agent_id, action, verdict, is_old, count, seconds_sum, seconds_n in \
                (await session.exec(_tallies(piece, now, ignore_after_seconds))).all():
            for counts in (totals, by_agent[agent_id], by_action[action]):
                counts.add(verdict, bool(is_old), int(count), float(seconds_sum or 0.0), int(seconds_n or 0))
        for reason, n in (await session.exec(_dismissal_reasons(piece))).all():
            reasons[reason or "no reason given"] += int(n)
    if parts.rolled is not None:
        for key, targets in (("agent", by_agent), ("action", by_action)):
            for row in (await session.exec(rolled_rows(parts.rolled, key))).all():
                sums = row._mapping
                targets[str(row.key)].add_sums(sums)
                if key == "agent":
                    totals.add_sums(sums)
        for reason, n in (await session.exec(rolled_dismissals(parts.rolled))).all():
            reasons[reason or "no reason given"] += int(n)
    return AdoptionSummary(
        generated_at=now, since=since, end=end, practice=practice, ignore_after_seconds=ignore_after_seconds,
        totals=totals.tally(),
        by_agent=[AgentTally(agent_id=k, **v.tally().model_dump()) for k, v in sorted(by_agent.items())],
        by_action=[ActionTally(action=k, **v.tally().model_dump())
                   for k, v in sorted(by_action.items(), key=lambda kv: (-kv[1].shown, kv[0]))],
        dismissal_reasons=sorted((DismissalReason(reason=r, count=n) for r, n in reasons.items()),
                                 key=lambda r: (-r.count, r.reason)),
    )


def _tallies(scope: Scope, now: datetime, ignore_after_seconds: float) -> Any:
    """Prompts per agent, action, verdict and settled-or-not in ``scope``, with time-to-act sums."""
    cutoff = now - timedelta(seconds=ignore_after_seconds)
    contact = Interaction.__table__  # type: ignore[attr-defined]
    old = case((or_(col(PromptRecord.shown_at) < cutoff, contact.c.id.is_not(None)), 1), else_=0).label("old")
    agent = unindexed(col(PromptRecord.agent_id)).label("agent_id")  # the range's index, not the agents'
    query = (  # sqlmodel types select() for at most four columns; the seven here are all plain scalars
        select(agent, PromptRecord.action, PromptFeedback.verdict, old,
               func.count(col(PromptRecord.id)), func.sum(col(PromptFeedback.seconds_to_act)),
               func.count(col(PromptFeedback.seconds_to_act)))
        .select_from(PromptRecord)
        .outerjoin(PromptFeedback, col(PromptFeedback.prompt_id) == col(PromptRecord.id))
        .outerjoin(contact, contact.c.id == literal("I-") + col(PromptRecord.session_id))  # recorded at close
        .where(PromptRecord.practice == scope.practice)
        .group_by(agent, PromptRecord.action, PromptFeedback.verdict, old)
    )
    return _within(query, scope)


def _within(query: Any, scope: Scope) -> Any:
    if scope.start is not None:
        query = query.where(col(PromptRecord.shown_at) >= scope.start)
    if scope.end is not None:
        query = query.where(col(PromptRecord.shown_at) < scope.end)
    return query


def _dismissal_reasons(scope: Scope) -> Any:
    """Why agents dismissed prompts in ``scope``: (reason, count) rows."""
    query = (
        select(PromptFeedback.reason, func.count(col(PromptFeedback.id)))
        .join(PromptRecord, col(PromptFeedback.prompt_id) == col(PromptRecord.id))
        .where(PromptFeedback.verdict == "dismissed", PromptRecord.practice == scope.practice)
        .group_by(PromptFeedback.reason)
    )
    return _within(query, scope)
