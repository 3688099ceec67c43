"""Payloads that start sessions and carry events in from machines."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assist.stream.protocol import EventBody

Channel = Literal["chat", "phone", "email"]


class OfferRequest(BaseModel):
    """A contact offered to one agent (by routing, a handoff, or an admin/test client)."""

    agent_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    reason: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")
    identifiers: dict[str, str] = Field(default_factory=dict, max_length=8)
    practice: bool = Field(default=False, strict=True)  # lax mode read 0, 1 and "yes" as booleans
    journey_id: str | None = Field(default=None, max_length=64)
    reservation_id: str | None = Field(default=None, max_length=64)
    expires_in_seconds: float = Field(default=30.0, gt=0, le=600, strict=True)


class OfferResponse(BaseModel):
    session_id: str
    agent_id: str
    status: str
    expires_at: float | None


class MachineEvent(EventBody):
    """An event posted over REST by a channel system (telephony transcription, CRM)."""
