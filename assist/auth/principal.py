"""The authenticated caller, as every domain function sees it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    ADMIN = "admin"
    SERVICE = "service"
    """A machine client (a routing system) authenticated by API key."""


PEOPLE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.TRAINER, Role.ADMIN)


class Principal(BaseModel, frozen=True):
    subject: str
    """The agent id for people, the API key's name for machines."""
    role: Role

    @property
    def is_machine(self) -> bool:
        return self.role is Role.SERVICE

    def may_act_as(self, agent_id: str) -> bool:
        """A person may act only as themselves; supervisors and admins may look at (not act as) others."""
        return self.subject == agent_id and not self.is_machine
