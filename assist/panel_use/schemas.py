"""Payload of the panel-use report (``GET /v1/adoption/panel-use``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PanelUseRow(BaseModel):
    """Panel use in the closed contacts of one group (an agent, a team; ``all`` for the totals).

    ``panel_seconds`` is how long the panel was in view while those contacts were open (each visible stretch
    cut to the contact's start and end); the per-contact figures divide by every closed contact of the group,
    those where the panel never reported included, so an agent who never looks at it reads 0.
    """

    key: str
    contacts: int = 0
    contacts_with_panel: int = 0
    """Contacts during which the panel was in view at all."""
    panel_seconds: float = 0.0
    panel_seconds_per_contact: float | None = None
    handle_seconds: float = 0.0
    panel_share: float | None = None
    """``panel_seconds`` / ``handle_seconds``: the share of contact time the panel was in view."""
    card_views: int = 0
    card_views_per_contact: float | None = None
    article_views: int = 0
    article_views_per_contact: float | None = None


class PanelUseReport(BaseModel):
    generated_at: datetime
    start: datetime | None
    end: datetime | None
    team: str | None
    agent_id: str | None
    practice: bool
    totals: PanelUseRow
    by_agent: list[PanelUseRow] = Field(default_factory=list)
    by_team: list[PanelUseRow] = Field(default_factory=list)
