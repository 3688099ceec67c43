"""The core records, as sqlmodel tables (one schema for SQLite and PostgreSQL).

JSON columns hold what has no fixed shape across contact centers (consent purposes, skills, transaction
state); replace a JSON value wholesale when changing it, since in-place mutation is not tracked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, TypeDecorator, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way out, whatever the backend kept (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(default: Any = None) -> Any:
    return Field(default_factory=default or dict, sa_column=Column(JSONType, nullable=False))


def _when(nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=index))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=index))


CONSENT_PURPOSES = ("service", "marketing", "profiling", "analytics", "recording")


class Customer(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    date_of_birth: str | None = None
    address: str | None = None
    account_number: str | None = None
    segment: str = "standard"
    tenure_months: int = 0
    lifetime_value: float = 0.0
    churn_risk: float = 0.0
    vulnerable: bool = False
    language: str = "en"
    preferred_channel: str = "chat"
    consent: dict[str, bool] = _json()
    created_at: datetime = _when()
    erased_at: datetime | None = _when(nullable=True)


class CustomerIdentifier(SQLModel, table=True):
    """A channel identifier (phone, email, chat visitor id, account number) of one customer.

    The same value may belong to several customers (a household's landline): resolution then reports an
    ambiguous match instead of picking one.
    """

    __table_args__ = (UniqueConstraint("kind", "value", "customer_id", name="uq_identifier_owner"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    value: str = Field(max_length=256)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    created_at: datetime = _when()


class Interaction(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    journey_id: str | None = Field(default=None, index=True)
    channel: str
    agent_id: str | None = None
    started_at: datetime = _when(index=True)
    ended_at: datetime | None = _when(nullable=True)
    intent: str = "general"
    outcome: str | None = None
    csat: int | None = None
    summary: str = ""
    practice: bool = False
    disposition: str | None = Field(default=None, max_length=64)
    """The wrap-up's disposition code (``ASSIST_DISPOSITIONS``); None until the agent picks one. Last, where
    migration 0003 adds it, so a migrated database and ``create_all`` agree on the column order."""
    experiment_id: str | None = Field(default=None, max_length=32)
    """The experiment this contact was served under (``assist.experiments``), None outside one (0007)."""
    arm: str | None = Field(default=None, max_length=64)
    """Its arm there: recorded per contact because a guidance-off hold-out leaves no prompt to carry it."""
    temperament: str | None = Field(default=None, max_length=16)
    """The temperament this contact's words showed (``models.language.temperament``), recorded only with the
    customer's profiling consent: a detection, remembered for their next contacts (0013); None if none."""
    temperament_confidence: float | None = None
    """The detector's confidence in ``temperament``."""


class Journey(SQLModel, table=True):
    """One customer issue across interactions and channels; ``state`` is its transaction state."""

    id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    reason: str
    status: str = Field(default="open", index=True)
    owner_agent_id: str | None = None
    channels: list[str] = _json(list)
    state: dict[str, Any] = _json()
    opened_at: datetime = _when()
    updated_at: datetime = _when()
    closed_at: datetime | None = _when(nullable=True)
    practice: bool = False


class Agent(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str
    role: str = "agent"
    team: str = "default"
    skills: dict[str, int] = _json()
    languages: list[str] = _json(list)
    channels: dict[str, int] = _json()
    refund_limit: float = 50.0
    active: bool = True


class AuditEntry(SQLModel, table=True):
    """Who read or changed which customer data, when and why; kept (anonymised) after erasure."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    actor_id: str
    actor_role: str
    customer_id: str | None = Field(default=None, index=True)
    action: str
    purpose: str = "service"
    fields: list[str] = _json(list)
    reason: str = ""
    request_id: str | None = None


class ApiKey(SQLModel, table=True):
    """A machine client's key; only its SHA-256 is stored."""

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(unique=True, max_length=128)
    key_hash: str
    scopes: list[str] = _json(list)
    created_at: datetime = _when()
    revoked_at: datetime | None = _when(nullable=True)
    last_used_at: datetime | None = _when(nullable=True)
    """Noted at most once a minute per process: enough to find a key nobody uses, cheap on the hot path."""
    previous_key_hash: str | None = None
    previous_valid_until: datetime | None = _when(nullable=True)
    """After a rotation the replaced key keeps working until then, so the client can switch without a gap."""


class PromptRecord(SQLModel, table=True):
    """A prompt as it was shown: what, why, how sure, from which model; adoption analytics join on it."""

    __tablename__ = "prompt"
    id: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(index=True, max_length=64)
    journey_id: str | None = Field(default=None, index=True)
    agent_id: str = Field(index=True, max_length=64)
    action: str
    confidence: float
    source: str
    model_version: str | None = None
    guardrails: list[str] = _json(list)
    reasons: list[dict[str, Any]] = _json(list)
    degraded: bool = False
    practice: bool = False
    shown_at: datetime = _when(index=True)
    propensity: float | None = None
    """P(shown in its place | context) under the serving policy (1 without exploration); null before 0005."""
    context: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    """The model's input when it was chosen (``assist.guidance.model.journey_context``), for the live export."""
    experiment_id: str | None = Field(default=None, max_length=32)
    """The experiment and arm that chose its provider (``assist.experiments``); None outside one (0007)."""
    arm: str | None = Field(default=None, max_length=64)
    queue: str | None = Field(default=None, max_length=64)
    """The routing queue the contact came in on (its reason when it was offered directly), from the session;
    None for prompts recorded before 0012 (reports show them as ``unknown``)."""
    channel: str | None = Field(default=None, max_length=16)
    """The session's channel (chat, phone, email); None before 0012, like ``queue``."""


class PromptFeedback(SQLModel, table=True):
    """The agent's answer to a prompt: accepted, or dismissed with a reason (ignored = no row)."""

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: str = Field(foreign_key="prompt.id", index=True)
    agent_id: str = Field(index=True, max_length=64)
    verdict: str
    reason: str = ""
    at: datetime = _when()
    seconds_to_act: float | None = None
