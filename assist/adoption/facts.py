"""One prompt's facts, as SQL expressions over the prompt joined with its feedback, journey, contact and agent.

The funnel, the lift and the CSV export all group these same expressions, so a prompt is "followed" or
"ignored" by one definition everywhere:

- ``settled``: answered, or unanswered and its contact closed (or older than ``ignore_after_seconds``);
  an unanswered prompt of a closed contact is ``ignored``, never "still open".
- ``followed``: accepted, and the action's step is in the journey's ``steps_done`` (it really happened).
- ``overridden``: accepted but not done, or dismissed while the journey went another way (some other step
  was done).
- the outcome is that of the prompt's contact (``Interaction`` ``I-<session id>``, written at close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, and_, case, func, literal, or_
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from assist.adoption.sql import action_step, seconds_between, step_done, steps_count
from assist.stores.tables import Agent, Interaction, Journey, PromptFeedback, PromptRecord

__all__ = ["DEFAULT_TEAM", "Facts", "Scope", "UNKNOWN", "prompt_facts"]

DEFAULT_TEAM = "default"
"""The team of an agent with none recorded (the ``Agent`` table's default), so every prompt has a team."""
UNKNOWN = "unknown"
"""The queue and channel of a prompt recorded before prompts kept them (migration 0012)."""


@dataclass(frozen=True)
class Scope:
    """Which prompts a report covers: shown in ``[start, end)``, of ``team``, ``agent_id``, ``queue`` and/or
    ``channel`` when given, live or practice (never mixed). Queue and channel are the prompts' own (``unknown``
    for those recorded before prompts kept them); only the prompt reports (funnel, lift) narrow by them."""

    start: datetime | None = None
    end: datetime | None = None
    team: str | None = None
    agent_id: str | None = None
    practice: bool = False
    queue: str | None = None
    channel: str | None = None

    def conditions(self, *, when: Any, practice: Any, team: Any = None, agent: Any = None, queue: Any = None,
                   channel: Any = None) -> list[Any]:
        """This scope as WHERE conditions on a query's own columns: ``practice`` matches, ``when`` lies in
        ``[start, end)``, and ``team`` / ``agent`` / ``queue`` / ``channel`` equal the asked ones (a column not
        given is not narrowed)."""
        where = [practice == self.practice]
        if self.start is not None:
            where.append(when >= self.start)
        if self.end is not None:
            where.append(when < self.end)
        for asked, column in ((self.team, team), (self.agent_id, agent), (self.queue, queue),
                              (self.channel, channel)):
            if asked is not None and column is not None:
                where.append(column == asked)
        return where


@dataclass(frozen=True)
class Facts:
    """The joined prompt rows (``base``, a FROM with its WHERE) and the per-prompt 0/1 expressions."""

    base: Any
    where: list[ColumnElement[bool]]
    team: ColumnElement[str]
    queue: ColumnElement[str]
    channel: ColumnElement[str]
    shown: ColumnElement[int]
    accepted: ColumnElement[int]
    dismissed: ColumnElement[int]
    ignored: ColumnElement[int]
    open: ColumnElement[int]
    followed: ColumnElement[int]
    overridden: ColumnElement[int]
    closed: ColumnElement[int]
    resolved: ColumnElement[int]
    transferred: ColumnElement[int]
    csat: ColumnElement[Any]
    handle_seconds: ColumnElement[Any]
    seconds_to_act: ColumnElement[Any]

    def select(self, *columns: Any) -> Select[Any]:
        query: Any = Select(*columns)  # a Core select of any columns: typed by what it returns, not its arity
        return cast("Select[Any]", query.select_from(self.base).where(*self.where))


def prompt_facts(scope: Scope, now: datetime, ignore_after_seconds: float) -> Facts:
    """The facts of every prompt in ``scope``; ``now`` less ``ignore_after_seconds`` is when an unanswered
    prompt of a contact still open stops counting as open."""
    prompt, feedback = PromptRecord.__table__, PromptFeedback.__table__  # type: ignore[attr-defined]
    journey, contact, agent = (aliased(Journey.__table__), aliased(Interaction.__table__),  # type: ignore[attr-defined]
                               aliased(Agent.__table__))  # type: ignore[attr-defined]
    base = (prompt.outerjoin(feedback, feedback.c.prompt_id == prompt.c.id)
            .outerjoin(journey, journey.c.id == prompt.c.journey_id)
            .outerjoin(contact, contact.c.id == literal("I-") + prompt.c.session_id)
            .outerjoin(agent, agent.c.id == prompt.c.agent_id))
    team = func.coalesce(agent.c.team, literal(DEFAULT_TEAM))
    queue, channel = func.coalesce(prompt.c.queue, literal(UNKNOWN)), func.coalesce(prompt.c.channel, literal(UNKNOWN))
    where: list[ColumnElement[bool]] = scope.conditions(when=prompt.c.shown_at, practice=prompt.c.practice, team=team,
                                                         agent=prompt.c.agent_id, queue=queue, channel=channel)

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return case((condition, 1), else_=0)

    verdict = feedback.c.verdict
    is_closed = contact.c.id.is_not(None)
    cutoff = now - timedelta(seconds=ignore_after_seconds)
    done = step_done(journey.c.state, action_step(prompt.c.action))
    unanswered = verdict.is_(None)
    return Facts(
        base=base, where=where, team=team, queue=queue, channel=channel,
        shown=literal(1),
        accepted=flag(verdict == "accepted"),
        dismissed=flag(verdict == "dismissed"),
        ignored=flag(and_(unanswered, or_(is_closed, prompt.c.shown_at < cutoff))),
        open=flag(and_(unanswered, ~is_closed, prompt.c.shown_at >= cutoff)),
        followed=flag(and_(verdict == "accepted", done == 1)),
        overridden=flag(or_(and_(verdict == "accepted", done == 0),
                            and_(verdict == "dismissed", done == 0, steps_count(journey.c.state) > 0))),
        closed=flag(is_closed),
        resolved=flag(contact.c.outcome == "resolved"),
        transferred=flag(contact.c.outcome == "transferred"),
        csat=contact.c.csat,
        handle_seconds=seconds_between(contact.c.started_at, contact.c.ended_at),
        seconds_to_act=feedback.c.seconds_to_act,
    )
