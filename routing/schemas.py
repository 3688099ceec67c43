"""Payloads of the routing REST API (``/v1/routing``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from routing.engine import AgentState, AgentStatus, Candidate, Decision
from routing.records import Routed

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_:@-]{0,127}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
ContactReason = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")]


def _json_integer(value: object) -> object:
    """JSON Schema's ``integer``: a number without a fraction (``2.0`` too), never a boolean or a numeric string,
    which pydantic's lax mode would read as 1 or 3 although the document calls them invalid."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


def _json_number(value: object) -> object:
    """JSON Schema's ``number``: never a boolean or a numeric string (pydantic's lax mode reads both)."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number")
    return value


_NOT_BOOL_OR_STR = BeforeValidator(_json_integer)  # after the bounds, which must stay on the int to be documented
JsonInteger = _NOT_BOOL_OR_STR
"""Put after an int's bounds in ``Annotated``: the value must be a JSON integer."""
JsonNumber = BeforeValidator(_json_number)
"""Put after a float's bounds in ``Annotated``: the value must be a JSON number."""
Level = Annotated[int, Field(ge=1, le=5, description="proficiency, 1 (novice) to 5 (expert)"), _NOT_BOOL_OR_STR]
Capacity = Annotated[int, Field(ge=0, le=100, description="sessions the agent can hold at once"), _NOT_BOOL_OR_STR]
Priority = Annotated[int, Field(ge=0, le=100), _NOT_BOOL_OR_STR]
NAMED_KEYS: JsonDict = {"additionalProperties": False}
"""``json_schema_extra`` for ``dict[Name, ...]`` fields: pydantic documents the key pattern as
``patternProperties`` only, which leaves every other key valid in the document while the service refuses it."""


def _examples(*examples: JsonDict) -> ConfigDict:
    """An input model's configuration with the examples the API document shows."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkillIn(_In):
    description: str = Field("", max_length=500)

    model_config = _examples({"description": "Refunds and billing disputes"})


class SkillOut(BaseModel):
    name: str
    description: str


class AgentIn(_In):
    """An agent's profile; ``status`` is optional (a new agent starts away unless given)."""

    skills: dict[Name, Level] = Field(json_schema_extra=NAMED_KEYS)
    languages: list[Name] = Field(default_factory=list, max_length=50)
    capacity: dict[Name, Capacity] = Field(description="channel -> concurrent sessions, e.g. {'chat': 3}",
                                           json_schema_extra=NAMED_KEYS)
    groups: list[Name] = Field(default_factory=list, max_length=50)
    status: AgentStatus | None = None

    model_config = _examples({"skills": {"billing": 4, "refund": 3}, "languages": ["en", "es"],
                              "capacity": {"chat": 3, "phone": 1}, "groups": ["tier1"], "status": "available"})


class StatusIn(_In):
    status: AgentStatus

    model_config = _examples({"status": "available"})


class AgentOut(BaseModel):
    agent_id: str
    status: AgentStatus
    status_since: float
    idle_since: float
    skills: dict[str, int]
    languages: list[str]
    groups: list[str]
    capacity: dict[str, int]
    load: dict[str, int]

    @classmethod
    def of(cls, agent: AgentState) -> AgentOut:
        return cls(agent_id=agent.agent_id, status=agent.status, status_since=agent.status_since,
                   idle_since=agent.idle_since, skills=dict(agent.skills), languages=sorted(agent.languages),
                   groups=sorted(agent.groups), capacity=dict(agent.capacity), load=dict(agent.load))


class ReservationOut(BaseModel):
    reservation_id: str
    contact_id: str
    queue: str
    channel: str
    state: Literal["pending", "accepted", "rejected", "expired", "cancelled", "completed"]
    created_at: float
    expires_at: float
    accepted_at: float | None = None
    settled_at: float | None = None

    @classmethod
    def of(cls, stored: dict[str, str]) -> ReservationOut:
        return cls(reservation_id=stored["rid"], contact_id=stored["contact"], queue=stored["queue"],
                   channel=stored["channel"], state=stored["state"],  # type: ignore[arg-type]
                   created_at=float(stored["created_at"]), expires_at=float(stored["expires_at"]),
                   accepted_at=_float(stored.get("accepted_at")), settled_at=_float(stored.get("settled_at")))


class AgentDetail(AgentOut):
    misses: int
    reservations: list[ReservationOut]


class ContactIn(_In):
    """A contact to route; the arrival time is the time the service receives it."""

    contact_id: Identifier
    channel: Name
    queue: Name = "default"
    required_skills: dict[Name, Level] = Field(default_factory=dict, json_schema_extra=NAMED_KEYS)
    preferred_skills: dict[Name, Level] = Field(default_factory=dict, json_schema_extra=NAMED_KEYS)
    language: Name | None = None
    priority: Priority = Field(0, description="0..100; VIP and at-risk customers higher")
    reason: ContactReason | None = Field(None, description="the reason for contact (e.g. refund, cancel): the "
                                         "agent's offer and first prompts follow it; omitted, the queue's name")
    customer_id: str | None = Field(None, max_length=128)
    last_agent_id: Identifier | None = Field(None, description="last agent or journey owner (sticky)")

    model_config = _examples({"contact_id": "K-1001", "channel": "chat", "queue": "default",
                              "required_skills": {"billing": 2}, "language": "en", "priority": 10,
                              "customer_id": "C000001"})


class CandidateOut(BaseModel):
    agent_id: str
    score: float
    proficiency: float
    idle: float
    load: float
    sticky: float

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(agent_id=c.agent_id, score=c.score, proficiency=c.proficiency, idle=c.idle, load=c.load,
                   sticky=c.sticky)


class DecisionOut(BaseModel):
    """Why: the relaxation step applied, how many agents were eligible, the best candidates' scores."""

    agent_id: str | None
    step: int
    eligible: int
    reason: str
    candidates: list[CandidateOut]

    @classmethod
    def of(cls, d: Decision) -> DecisionOut:
        return cls(agent_id=d.agent_id, step=d.step, eligible=d.eligible, reason=d.reason,
                   candidates=[CandidateOut.of(c) for c in d.candidates])


class RoutedOut(BaseModel):
    """``assigned``: agent, reservation id and offer expiry; ``queued``: position (0 = next) and wait."""

    outcome: Literal["assigned", "queued"]
    contact_id: str
    agent_id: str | None = None
    reservation_id: str | None = None
    expires_at: float | None = None
    position: int | None = None
    estimated_wait_seconds: float | None = None
    decision: DecisionOut | None = None

    @classmethod
    def of(cls, routed: Routed, explain: bool) -> RoutedOut:
        decision = DecisionOut.of(routed.decision) if explain else None
        offer = routed.offer
        if offer is not None:
            return cls(outcome="assigned", contact_id=routed.contact.contact_id, agent_id=offer.agent_id,
                       reservation_id=offer.reservation_id, expires_at=offer.expires_at, decision=decision)
        wait = routed.estimated_wait_seconds
        return cls(outcome="queued", contact_id=routed.contact.contact_id, position=routed.position,
                   estimated_wait_seconds=None if wait is None or wait == float("inf") else wait,
                   decision=decision)


class ContactOut(BaseModel):
    contact_id: str
    state: str
    queue: str
    agent_id: str | None
    reservation_id: str | None
    excluded_agents: list[str]
    created_at: float
    updated_at: float


class WaitingOut(BaseModel):
    position: int
    contact_id: str
    priority: int
    channel: str
    waited_seconds: float


class QueueOut(BaseModel):
    queue: str
    size: int
    waiting: list[WaitingOut]


class DecisionLogOut(BaseModel):
    """One entry of the decision stream (candidates as [agent_id, score] pairs)."""

    id: str
    ts: float
    contact_id: str
    queue: str
    agent_id: str | None
    reservation_id: str | None
    step: int
    eligible: int
    reason: str
    candidates: list[tuple[str, float]]
    refused: str | None = None
    """Why the agent's slot was refused at commit (its stored state had changed), on one Redis node."""


def _float(value: str | None) -> float | None:
    return None if value is None or value == "" else float(value)
