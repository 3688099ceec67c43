"""Payloads of the adoption summary (``GET /v1/adoption/summary``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Tally(BaseModel):
    """What happened to a group of prompts.

    ``open`` prompts are unanswered but recent (still on screen, the agent may yet act); ``ignored`` ones
    were left unanswered for longer than the summary's ``ignore_after_seconds``. Rates are shares of the
    settled prompts (``shown - open``), so a prompt shown a second ago does not count as ignored.
    """

    shown: int = 0
    accepted: int = 0
    dismissed: int = 0
    ignored: int = 0
    open: int = 0
    acceptance_rate: float | None = None
    dismissal_rate: float | None = None
    ignore_rate: float | None = None
    mean_seconds_to_act: float | None = None


class AgentTally(Tally):
    agent_id: str


class ActionTally(Tally):
    action: str


class DismissalReason(BaseModel):
    reason: str
    count: int


class AdoptionSummary(BaseModel):
    """Prompt feedback so far: overall, per agent and per action, with the reasons agents gave to dismiss."""

    generated_at: datetime
    since: datetime | None
    practice: bool
    ignore_after_seconds: float
    totals: Tally
    by_agent: list[AgentTally] = Field(default_factory=list)
    by_action: list[ActionTally] = Field(default_factory=list)
    dismissal_reasons: list[DismissalReason] = Field(default_factory=list)
