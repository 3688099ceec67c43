"""The supervisor requests table: an agent's ask (an approval a guardrail required, or a raised hand) and the
supervisor's answer, kept durably so a decision is taken once and stays on record; and the follow-ups that
detractor contacts open for supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from assist.stores.tables import JSONType, UTCDateTime, utcnow


class SupervisorRequest(SQLModel, table=True):
    """One request; ``status`` is pending until a supervisor answers (approved, refused, acknowledged)."""

    __tablename__ = "supervisor_request"
    id: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=16)
    """approval (a refund above the agent's limit) or help (the agent raised their hand)."""
    agent_id: str = Field(max_length=64, index=True)
    session_id: str = Field(max_length=64)
    journey_id: str | None = Field(default=None, max_length=64)
    prompt_id: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=64)
    customer: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    """The customer as a supervisor may see them (masked), taken when the request was made."""
    channel: str = Field(default="", max_length=16)
    contact_reason: str = Field(default="", max_length=64)
    action: str | None = Field(default=None, max_length=64)
    amount: float | None = None
    reason: str = Field(default="", max_length=1000)
    practice: bool = False
    status: str = Field(default="pending", max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    decided_by: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=1000)


class FollowUp(SQLModel, table=True):
    """A detractor contact for a supervisor to follow up (``assist.supervision.followups``): one per contact
    (``FU-<session id>``), ``open`` until someone closes it (``done``), with the journey it belongs to."""

    __tablename__ = "follow_up"
    id: str = Field(primary_key=True, max_length=80)
    session_id: str = Field(max_length=64)
    journey_id: str | None = Field(default=None, max_length=64)
    agent_id: str = Field(max_length=64, index=True)
    customer_id: str | None = Field(default=None, max_length=64)
    customer: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    """The customer as a supervisor may see them (masked), taken when the contact closed."""
    channel: str = Field(default="", max_length=16)
    contact_reason: str = Field(default="", max_length=64)
    outcome: str | None = Field(default=None, max_length=32)
    csat: int | None = None
    disposition: str | None = Field(default=None, max_length=64)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    why: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    """What made the contact a detractor, in words ("CSAT 1 of 5", "wrap-up: Complaint logged")."""
    status: str = Field(default="open", max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    assignee: str | None = Field(default=None, max_length=64)
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_by: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=1000)
