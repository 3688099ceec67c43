"""Agent payloads."""

from __future__ import annotations

from pydantic import BaseModel


class AgentPublic(BaseModel):
    id: str
    name: str
    role: str
    team: str
    skills: dict[str, int]
    languages: list[str]
    channels: dict[str, int]
    refund_limit: float
    active: bool


class Me(BaseModel):
    subject: str
    role: str
    agent: AgentPublic | None = None
