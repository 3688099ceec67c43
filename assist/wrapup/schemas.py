"""What a session keeps of its wrap-up, and the messages about it (docs/protocol.md)."""

from __future__ import annotations

from pydantic import BaseModel

from assist.wrapup.dispositions import Disposition
from assist.wrapup.summary import ContactSummary

__all__ = ["WrapUpOffer", "WrapUpSaved", "WrapUpState"]


class WrapUpState(BaseModel):
    """Kept on the closed session (Redis), so any worker can take the agent's wrap-up."""

    draft: str
    """The automatic summary, as offered to the agent."""
    deadline: float | None = None
    """When after-contact work ends by itself (epoch seconds); None: the agent was not put in it."""
    disposition: str | None = None
    summary: str | None = None
    saved_at: float | None = None
    csat: int | None = None
    outcome: str | None = None
    """The close's CSAT and outcome, kept for the wrap-up's follow-up (``assist.supervision.followups``)."""


class WrapUpOffer(BaseModel):
    """The ``wrapup`` message: the form the panel shows after a close."""

    session_id: str
    journey_id: str | None
    practice: bool
    dispositions: list[Disposition]
    summary: str
    draft: ContactSummary
    deadline: float | None
    seconds: int


class WrapUpSaved(BaseModel):
    """The ``wrapup_saved`` message: the wrap-up as stored with the interaction."""

    session_id: str
    disposition: Disposition
    summary: str
