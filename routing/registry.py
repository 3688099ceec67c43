"""Who the agents are and what they can do: the skill catalog, agent profiles and statuses.

Every write validates first and writes only when the whole request is valid, so a refused request
changes nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from routing.codec import profile_fields
from routing.engine import MAX_PROFICIENCY, AgentState, AgentStatus
from routing.errors import RoutingError
from routing.mirror import AgentMirror
from routing.state import RoutingStore

__all__ = ["AgentRegistry", "AgentView"]


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent as stored now, with its consecutive missed offers and live reservations."""

    state: AgentState
    misses: int
    reservations: list[dict[str, str]]


class AgentRegistry:
    """Skill catalog and agent profile/status writes, each followed by a refresh of the local mirror."""

    def __init__(self, store: RoutingStore, mirror: AgentMirror, clock: Callable[[], float],
                 new_agent_status: AgentStatus = AgentStatus.AWAY) -> None:
        self.store = store
        self.mirror = mirror
        self._clock = clock
        self._new_agent_status = new_agent_status
        self._skills: set[str] = set()

    async def load_skills(self) -> dict[str, str]:
        """The catalog (skill -> description), also refreshing the local copy used for validation."""
        catalog = await self.store.skills()
        self._skills = set(catalog)
        return catalog

    async def put_skill(self, skill: str, description: str = "") -> bool:
        """Add ``skill`` to the catalog (or re-describe it); True when it is new."""
        created = await self.store.put_skill(skill, description)
        self._skills.add(skill)
        return created

    async def check_skills(self, skills: Iterable[str]) -> None:
        """Raise ``unknown_skill`` (422) unless every skill is in the catalog."""
        unknown = set(skills) - self._skills
        if unknown:
            await self.load_skills()
            unknown -= self._skills
        if unknown:
            raise RoutingError("unknown_skill", 422, f"unknown skill(s): {', '.join(sorted(unknown))}")

    async def put(self, agent_id: str, *, skills: Mapping[str, int], languages: Collection[str],
                  capacity: Mapping[str, int], groups: Collection[str] = (),
                  status: AgentStatus | None = None) -> AgentState:
        """Create or replace an agent's profile, keeping its load and reservations; a new agent starts
        ``status`` (default: the configured status, away). Raises ``unknown_skill``, ``invalid_agent``."""
        bad = [s for s, level in skills.items() if not 1 <= level <= MAX_PROFICIENCY]
        if bad or any(cap < 0 for cap in capacity.values()):
            raise RoutingError("invalid_agent", 422, "proficiency must be 1..5 and capacity >= 0")
        await self.check_skills(skills)
        now = self._clock()
        fields = profile_fields(skills, set(languages), set(groups), capacity)
        commands = self.store.upsert_agent_cmds(agent_id, fields, str(status or self._new_agent_status), now)
        if status is not None:
            commands.append(self.store.status_cmd(agent_id, str(status), now))
        _raise_errors(await self.store.send(commands))
        return await self.current(agent_id)

    async def set_status(self, agent_id: str, status: AgentStatus) -> AgentState:
        """Set the agent's status (available restarts its idle time). Raises ``unknown_agent``."""
        reply = await self.store.call(self.store.status_cmd(agent_id, str(status), self._clock()))
        if reply[0] == "unknown":
            raise RoutingError("unknown_agent", 404, f"no agent {agent_id!r}")
        return await self.current(agent_id)

    async def remove(self, agent_id: str) -> None:
        """Forget an agent. Raises ``unknown_agent``, or ``agent_busy`` (409) while it holds a reservation."""
        reply = await self.store.call(self.store.remove_agent_cmd(agent_id))
        if reply == "unknown":
            raise RoutingError("unknown_agent", 404, f"no agent {agent_id!r}")
        if reply == "busy":
            raise RoutingError("agent_busy", 409, f"agent {agent_id!r} holds live reservations")
        await self.store.redis.srem(self.store.registry_key, agent_id)
        await self.mirror.refresh([agent_id])

    async def current(self, agent_id: str) -> AgentState:
        """The agent as stored now (also refreshing the mirror). Raises ``unknown_agent``."""
        await self.mirror.refresh([agent_id])
        agent = self.mirror.index.get(agent_id)
        if agent is None:
            raise RoutingError("unknown_agent", 404, f"no agent {agent_id!r}")
        return agent

    async def view(self, agent_id: str) -> AgentView:
        """The agent with its misses and live reservations. Raises ``unknown_agent``."""
        state = await self.current(agent_id)
        misses = await self.store.redis.hget(self.store.agent_key(agent_id), "misses")
        reservations = await self.store.reservations_of(agent_id)
        return AgentView(state, int(misses or 0), reservations)

    def page(self, offset: int = 0, limit: int = 100) -> list[AgentState]:
        """Agents of the local mirror, sorted by id (may lag the store by a moment)."""
        agents = sorted(self.mirror.index.agents(), key=lambda a: a.agent_id)
        return agents[offset:offset + limit]


def _raise_errors(replies: list[Any]) -> None:
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
