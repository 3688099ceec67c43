"""Payloads that start sessions and carry events in from machines."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from assist.guidance.interface import Prompt
from assist.sessions.state import SERVER_ONLY, SessionState
from assist.stream.protocol import EventBody

Channel = Literal["chat", "phone", "email"]


class OfferRequest(BaseModel):
    """A contact offered to one agent (by routing, a handoff, or an admin/test client)."""

    agent_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    reason: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")
    queue: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$",  # routing's queue names
                              description="the routing queue it came in on; the reason when not given")
    identifiers: dict[str, str] = Field(default_factory=dict, max_length=8)
    practice: bool = Field(default=False, strict=True)  # lax mode read 0, 1 and "yes" as booleans
    journey_id: str | None = Field(default=None, max_length=64)
    reservation_id: str | None = Field(default=None, max_length=64)
    expires_in_seconds: float = Field(default=30.0, gt=0, le=600, strict=True)

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"agent_id": "A1", "channel": "chat", "reason": "refund", "identifiers": {"customer_id": "C000001"}}]})


class OfferResponse(BaseModel):
    session_id: str
    agent_id: str
    status: str
    expires_at: float | None


class MachineEvent(EventBody):
    """An event posted over REST by a channel system (telephony transcription, CRM)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"kind": "utterance", "speaker": "customer", "text": "I was charged twice for my order"},
        {"kind": "crm", "speaker": "system", "fields": {"plan": "premium", "order_value": 120.0}}]})


class EventAnswer(BaseModel):
    session_id: str
    prompts: list[Prompt]
    """The guidance the event produced (also pushed to the agent's panel)."""


def _view_fields() -> dict[str, Any]:
    return {name: (field.annotation, field) for name, field in SessionState.model_fields.items()
            if name not in SERVER_ONLY}


SessionView: type[BaseModel] = create_model(
    "SessionView", __doc__="A live session as its agent, supervisors and admins read it.", **_view_fields())
"""``SessionState`` without its server-only fields, derived so that a new session field shows here too."""
