"""What the routing service hands out: offers to agents, withdrawals of offers, submit outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from routing.engine import Contact, Decision

__all__ = ["ContactState", "Offer", "Routed", "Withdrawal"]


class ContactState(StrEnum):
    ROUTING = "routing"
    QUEUED = "queued"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Offer:
    """A reserved slot offered to ``agent_id``: accept it before ``expires_at`` (epoch seconds)."""

    reservation_id: str
    agent_id: str
    contact: Contact
    expires_at: float


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """An offer taken back from ``agent_id``: ``reason`` is ``expired`` or ``cancelled``."""

    reservation_id: str
    agent_id: str
    contact_id: str
    reason: str
    agent_set_away: bool = False


@dataclass(frozen=True, slots=True)
class Routed:
    """The outcome of routing one contact: an ``offer``, or a queue ``position`` and wait estimate."""

    contact: Contact
    decision: Decision
    offer: Offer | None = None
    position: int | None = None
    estimated_wait_seconds: float | None = None
