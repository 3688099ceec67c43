"""Practice records: a trainer's run, each trainee's session in it, and each session's ordered event log.

The log holds the conversation's inputs (trainee turns, prompts shown, verdicts, the close) and its
outputs (the customer's turns with their mood), so a session can be watched live, debriefed, and replayed
from its inputs alone to check that the outputs come out the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from assist.stores.tables import JSONType, UTCDateTime, utcnow


def _json_column(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(JSONType, nullable=True))
    return Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


def _time_column(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PracticeRun(SQLModel, table=True):
    """A cohort run: the scenarios every trainee plays, in order, and the seed their customers use."""

    __tablename__ = "practice_run"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    created_by: str = Field(max_length=64)
    scenarios: list[str] = _json_column()
    seed: int
    status: str = Field(default="running", max_length=16)
    """running, or finished once every session has ended."""
    created_at: datetime = _time_column()
    weights: dict[str, float] | None = _json_column(nullable=True)
    """The trainer's rubric weights (summing to 1); None for the default rubric."""


class PracticeSession(SQLModel, table=True):
    """One trainee playing one scenario; ``session_id`` is the agent-stream session once offered.

    Status: queued (waits for the trainee's previous scenario), offered, open, closed, declined.
    """

    __tablename__ = "practice_session"
    id: str = Field(primary_key=True, max_length=64)
    run_id: str = Field(foreign_key="practice_run.id", index=True, max_length=64)
    trainee_id: str = Field(index=True, max_length=64)
    position: int
    scenario: str = Field(max_length=64)
    seed: int
    session_id: str | None = Field(default=None, unique=True, max_length=64)
    status: str = Field(default="queued", index=True, max_length=16)
    refund_limit: float = 50.0
    opened_at: float | None = None
    """Epoch seconds at accept: every event's ``at`` counts from here."""
    offer_expires_at: float | None = None
    outcome: str | None = Field(default=None, max_length=16)
    score: float | None = None
    debrief: dict[str, Any] | None = _json_column(nullable=True)
    created_at: datetime = _time_column()
    ended_at: datetime | None = _time_column(nullable=True)


class PracticeEvent(SQLModel, table=True):
    """One entry of a session's log, in ``seq`` order.

    source trainee (utterance, action, close), guidance (prompt, feedback) or customer (utterance, with
    ``mood`` after it and ``reply_to``: the seq of the trainee turn it answers, 0 for the opening; unique,
    so two workers can never both answer the same turn).
    """

    __tablename__ = "practice_event"
    __table_args__ = (UniqueConstraint("practice_session_id", "seq", name="uq_practice_event_seq"),
                      UniqueConstraint("practice_session_id", "reply_to", name="uq_practice_event_reply"))
    id: int | None = Field(default=None, primary_key=True)
    practice_session_id: str = Field(foreign_key="practice_session.id", index=True, max_length=64)
    seq: int
    source: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    at: float
    text: str = ""
    action: str | None = Field(default=None, max_length=64)
    fields: dict[str, Any] | None = _json_column(nullable=True)
    verdict: str | None = Field(default=None, max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    mood: float | None = None
    moment: str | None = Field(default=None, max_length=32)
    reply_to: int | None = None
    created_at: datetime = _time_column()


class PracticeScenario(SQLModel, table=True):
    """A scenario a trainer built (from a real closed journey, masked); ``data`` is ``scenario_to_dict``."""

    __tablename__ = "practice_scenario"
    name: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=200)
    source_journey: str | None = Field(default=None, max_length=64)
    created_by: str = Field(max_length=64)
    data: dict[str, Any] | None = _json_column(nullable=True)
    created_at: datetime = _time_column()
