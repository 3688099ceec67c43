"""Payloads of supervisor requests: what the dashboard lists, what a decision carries, what the agent is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

RequestKind = Literal["approval", "help"]
RequestStatus = Literal["pending", "approved", "refused", "acknowledged"]
Verdict = Literal["approved", "refused", "acknowledged"]

VERDICTS: dict[str, frozenset[str]] = {"approval": frozenset({"approved", "refused"}),
                                       "help": frozenset({"acknowledged"})}
"""Which answers each kind of request takes."""


class SupervisorRequestOut(BaseModel):
    """A request as the dashboard shows it, and as the agent's panel is told about it."""

    id: str
    kind: RequestKind
    status: RequestStatus
    agent_id: str
    session_id: str
    journey_id: str | None = None
    prompt_id: str | None = None
    customer: dict[str, Any] = Field(default_factory=dict, description=(
        "the customer as a supervisor may see them (masked); withheld fields are named in `withheld`"))
    channel: str = ""
    contact_reason: str = ""
    action: str | None = None
    amount: float | None = None
    reason: str = Field(default="", description="the guardrail that required the approval, or the agent's note")
    practice: bool = False
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str = ""


class RequestList(BaseModel):
    requests: list[SupervisorRequestOut]


class DecisionIn(BaseModel):
    verdict: Verdict = Field(description="approved or refused for an approval; acknowledged for a raised hand")
    note: str = Field(default="", max_length=1000, description="shown to the agent")
