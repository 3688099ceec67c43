"""The panel-use table: one row per thing the panel reported (visible, hidden, a card section or an article
opened), stamped with the server's time and the contact's channel, queue and the model then served."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from assist.stores.tables import UTCDateTime, utcnow


class PanelEvent(SQLModel, table=True):
    """``kind`` is panel_visible, panel_hidden, card_view or article_view; ``ref`` names the card section or the
    article (empty for visibility). ``at`` is when the server received it, never the panel's clock."""

    __tablename__ = "panel_event"
    __table_args__ = (Index("ix_panel_event_session_at", "session_id", "at"),)
    id: str = Field(primary_key=True, max_length=40)
    session_id: str = Field(max_length=64)
    agent_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)
    ref: str = Field(default="", max_length=64)
    channel: str = Field(default="", max_length=16)
    queue: str = Field(default="", max_length=64)
    """The contact's queue: its reason as routed (``SessionState.reason``, the queue's name for routed work)."""
    model_version: str | None = Field(default=None, max_length=64)
    practice: bool = False
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    """Indexed for a report's date range; ``(session_id, at)`` orders each session's events for the window."""


class PanelUseDay(SQLModel, table=True):
    """The report's sums for the closed contacts one agent started on one (UTC) day (``assist.panel_use.rollup``):
    a contact counts whole on the day it started, as the report's date range counts it, even when it (or its
    panel) ran past midnight. ``team`` is the agent's team when the day was rolled."""

    __tablename__ = "panel_use_day"
    day: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    agent_id: str = Field(primary_key=True, max_length=64)
    practice: bool = Field(primary_key=True)
    team: str = Field(index=True, max_length=64)
    contacts: int = 0
    handle_seconds: float = 0.0
    contacts_with_panel: int = 0
    panel_seconds: float = 0.0
    card_views: int = 0
    article_views: int = 0
