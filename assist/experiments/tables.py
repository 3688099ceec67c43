"""The experiment table: what is compared (its arms), on which unit, over which time, and whether it runs.

Assignment is not stored: it is a hash of (experiment id, unit id) (``assist.experiments.assignment``). What is
stored is the arm each prompt and each closed contact was served under (``prompt.arm``, ``interaction.arm``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, text
from sqlmodel import Field, SQLModel

from assist.stores.tables import Interaction, JSONType, PromptRecord, UTCDateTime, utcnow


class Experiment(SQLModel, table=True):
    """One experiment; ``arms`` is a list of ``assist.experiments.schemas.Arm`` as JSON (name, kind, model
    version, weight, control), fixed at creation: changing arms mid-run would mix two experiments' data."""

    __tablename__ = "experiment"
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=128)
    unit: str = Field(max_length=16)
    """agent (every contact of an agent in one arm) or contact (each contact drawn on its own)."""
    queue: str | None = Field(default=None, max_length=64)
    """The routing queue (contact reason) it runs on; None for every live contact."""
    arms: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    status: str = Field(default="running", max_length=16, index=True)
    """running or stopped; a running one serves between ``start_at`` and ``end_at``."""
    start_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    end_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str = Field(default="", max_length=64)
    stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    stopped_by: str | None = Field(default=None, max_length=64)


def _experiment_index(name: str, table: object, *columns: str) -> Index:
    """A partial index of the rows served under an experiment: nothing for the others (most of them), and
    covering what the results read, so one experiment's report reads the index alone (SQLite, PostgreSQL)."""
    where = text("experiment_id IS NOT NULL")
    table_columns = table.__table__.c  # type: ignore[attr-defined]
    return Index(name, *(table_columns[c] for c in columns), sqlite_where=where, postgresql_where=where)


INTERACTION_INDEX = _experiment_index("ix_interaction_experiment", Interaction, "experiment_id", "arm", "practice",
                                      "outcome", "csat", "started_at", "ended_at")
PROMPT_INDEX = _experiment_index("ix_prompt_experiment", PromptRecord, "experiment_id", "arm")
