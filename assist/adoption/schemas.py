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
    """Prompt feedback shown in ``[since, end)`` (so far when neither is given): overall, per agent and per
    action, with the reasons agents gave to dismiss."""

    generated_at: datetime
    since: datetime | None
    end: datetime | None = None
    practice: bool
    ignore_after_seconds: float
    totals: Tally
    by_agent: list[AgentTally] = Field(default_factory=list)
    by_action: list[ActionTally] = Field(default_factory=list)
    dismissal_reasons: list[DismissalReason] = Field(default_factory=list)


class FunnelRow(BaseModel):
    """The funnel of one group of prompts (an agent, team, action, queue, channel or week; ``all`` for the totals).

    ``ignored`` counts unanswered prompts of closed contacts (and of open ones after ``ignore_after_seconds``);
    ``followed`` prompts were accepted and their action's step is in the journey; ``overridden`` ones were
    accepted but not done, or dismissed while another step was done. Rates of settled prompts
    (``shown - open``), ``follow_rate`` of the accepted ones; outcome figures are those of the prompts' contacts
    once closed (``closed`` of them), so a contact with three prompts weighs three times.
    """

    key: str
    shown: int = 0
    accepted: int = 0
    dismissed: int = 0
    ignored: int = 0
    open: int = 0
    followed: int = 0
    overridden: int = 0
    closed: int = 0
    resolved: int = 0
    transferred: int = 0
    acceptance_rate: float | None = None
    dismissal_rate: float | None = None
    ignore_rate: float | None = None
    follow_rate: float | None = None
    override_rate: float | None = None
    resolution_rate: float | None = None
    transfer_rate: float | None = None
    mean_csat: float | None = None
    mean_handle_seconds: float | None = None


class FunnelReport(BaseModel):
    """The guidance funnel grouped ``by`` agent, team, action, queue, channel or week (weeks start on Monday,
    UTC); ``queue`` and ``channel`` are the filters asked for (None: every one)."""

    generated_at: datetime
    by: str
    start: datetime | None
    end: datetime | None
    team: str | None
    agent_id: str | None
    queue: str | None = None
    channel: str | None = None
    practice: bool
    ignore_after_seconds: float
    totals: FunnelRow
    rows: list[FunnelRow] = Field(default_factory=list)


class RateInterval(BaseModel):
    """A proportion with its 95 % Wilson score interval."""

    n: int
    successes: int
    rate: float | None
    low: float | None
    high: float | None


class Lift(BaseModel):
    """Resolution when guidance was followed minus when it was not, with a 95 % interval (Newcombe's hybrid
    score method from the two Wilson intervals). ``enough_data`` is false, and ``warning`` says why, when either
    side has fewer than ``min_per_side`` prompts of closed contacts, or fewer than 5 resolved or unresolved."""

    key: str
    followed: RateInterval
    not_followed: RateInterval
    difference: float | None
    low: float | None
    high: float | None
    enough_data: bool
    warning: str | None = None


class LiftReport(BaseModel):
    """Outcome lift overall and per action. Observational: agents choose when to follow guidance, so a
    difference may come from the contacts, not the guidance; only an experiment (random arms) shows cause."""

    generated_at: datetime
    start: datetime | None
    end: datetime | None
    team: str | None
    agent_id: str | None
    queue: str | None = None
    channel: str | None = None
    practice: bool
    min_per_side: int
    caveat: str
    overall: Lift
    by_action: list[Lift] = Field(default_factory=list)


class ItemCoverage(BaseModel):
    item: str
    label: str
    required: int
    covered: int
    rate: float | None


class AdherenceRow(BaseModel):
    """Checklist steps covered in a group's closed contacts: ``covered`` of ``required`` item checks, and the
    same per item (except in an agent's row, which lists no items)."""

    key: str
    contacts: int
    required: int
    covered: int
    rate: float | None
    items: list[ItemCoverage] = Field(default_factory=list)


class AdherenceReport(BaseModel):
    """Checklist adherence per contact reason, agent and team, from the steps done in each contact's journey
    (``models/checklists.json``; the panel also ticks items by the agent's words, which SQL cannot see)."""

    generated_at: datetime
    start: datetime | None
    end: datetime | None
    team: str | None
    agent_id: str | None
    practice: bool
    totals: AdherenceRow
    by_reason: list[AdherenceRow] = Field(default_factory=list)
    by_agent: list[AdherenceRow] = Field(default_factory=list)
    by_team: list[AdherenceRow] = Field(default_factory=list)
