"""Payloads of supervisor requests: what the dashboard lists, what a decision carries, what the agent is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"verdict": "approved", "note": "Fine this once: long-standing customer"}]})

    verdict: Verdict = Field(description="approved or refused for an approval; acknowledged for a raised hand")
    note: str = Field(default="", max_length=1000, description="shown to the agent")


class QueueOnFloor(BaseModel):
    """One queue over the window: the traffic report's figures (``simulator.traffic.report``)."""

    queue: str
    offered: int = Field(description="arrived in the window: answered, abandoned or still waiting")
    answered: int
    abandoned: int
    waiting: int = Field(description="waiting now")
    service_level: float | None = Field(description="answered within sl_seconds over offered (null: none offered)")
    service_level_answered: float | None = Field(description="answered within sl_seconds over answered")
    asa_seconds: float | None = Field(description="average speed of answer: mean wait of answered contacts")
    abandonment: float | None = Field(description="abandoned over offered")
    longest_wait_seconds: float | None = None
    occupancy: float | None = Field(default=None, description=(
        "now: the slots in use on this queue's contacts over the agents staffed for it (null: nobody staffed); "
        "agents in several queues count in each"))
    staffed: int = Field(default=0, description=(
        "agents staffed (not away) who can take this queue's contacts under its base rule, or serve one now"))


class AgentContact(BaseModel):
    session_id: str
    channel: str
    reason: str
    practice: bool = False
    since: float | None = Field(default=None, description="opened at, epoch seconds")
    sentiment: float | None = Field(default=None, description="the customer's last words, -1 (angry) to 1")


class AgentOnFloor(BaseModel):
    agent_id: str
    name: str
    team: str | None = None
    status: str = Field(description="routing's status, or not_routed for an agent routing does not know")
    status_since: float | None = None
    occupancy: float | None = Field(default=None, description="share of the agent's slots in use now")
    contacts: list[AgentContact] = Field(default_factory=list)


class FloorView(BaseModel):
    at: float
    window_seconds: float
    sl_seconds: float
    occupancy: float | None = Field(description="slots in use over staffed agents, now (null: nobody staffed)")
    staffed: int
    queues: list[QueueOnFloor]
    agents: list[AgentOnFloor] = Field(description="by name, as people count (A2 before A10)")


FollowUpStatus = Literal["open", "done"]


class FollowUpOut(BaseModel):
    """A detractor contact for supervisors to follow up, with its journey: who, what was said of it, and why."""

    id: str
    status: FollowUpStatus
    session_id: str
    journey_id: str | None = None
    agent_id: str
    customer: dict[str, Any] = Field(default_factory=dict, description=(
        "the customer as a supervisor may see them (masked); withheld fields are named in `withheld`"))
    channel: str = ""
    contact_reason: str = ""
    outcome: str | None = None
    csat: int | None = Field(default=None, description="the customer's satisfaction, 1 (worst) to 5, if given")
    disposition: str | None = Field(default=None, description="the wrap-up's disposition code")
    summary: str = Field(default="", description="the contact's summary: the agent's wrap-up, else the automatic one")
    why: list[str] = Field(default_factory=list, description="what made it a detractor contact, in words")
    created_at: datetime
    assignee: str | None = None
    updated_at: datetime | None = None
    closed_by: str | None = None
    note: str = ""


class FollowUpList(BaseModel):
    follow_ups: list[FollowUpOut]


class FollowUpUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "assign", "assignee": "S2", "note": "Call her back before Friday"},
        {"action": "close", "note": "Called back: refund confirmed, customer satisfied"}]})

    action: Literal["assign", "close"] = Field(description="assign: give it to someone (still open); close: done")
    assignee: str | None = Field(default=None, max_length=64, description="assign: who (default: yourself)")
    note: str = Field(default="", max_length=1000, description="what was done or is to be done")
