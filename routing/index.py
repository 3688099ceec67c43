"""An in-memory, column-wise index of agents so that a decision need not scan them all.

Each attribute the hard filters test is a numpy column over agent rows (skill levels per skill, a flag
per language and group, capacity and load per channel, status, idle time), so the filters for one
contact are a handful of vectorised comparisons, and scoring the survivors is vectorised too. Pure:
no I/O and no clock.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from routing.engine import (
    AgentState,
    AgentStatus,
    Contact,
    QueuePolicy,
    Relaxation,
    current_step,
    relaxation,
    skill_minimums,
    sticky_outcome,
)

__all__ = ["AgentIndex"]

_STATUS_CODE = {status: code for code, status in enumerate(AgentStatus)}
_ABSENT = -1


class AgentIndex:
    """Agents by row, with per-skill/language/group/channel columns; upsert and remove are O(skills)."""

    def __init__(self, size_hint: int = 1024) -> None:
        self._size = max(16, size_hint)
        self._rows: dict[str, int] = {}
        self._free_rows: list[int] = []
        self._agents: list[AgentState | None] = []
        self._status = np.full(self._size, _ABSENT, dtype=np.int8)
        self._idle = np.zeros(self._size, dtype=np.float64)
        self._levels: dict[str, np.ndarray] = {}
        self._languages: dict[str, np.ndarray] = {}
        self._groups: dict[str, np.ndarray] = {}
        self._capacity: dict[str, np.ndarray] = {}
        self._open: dict[str, np.ndarray] = {}  # per channel: available with a free slot
        self._free: dict[str, np.ndarray] = {}  # per channel: engine.score's free share, same float

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._rows

    def get(self, agent_id: str) -> AgentState | None:
        """The indexed state of ``agent_id``, or None."""
        row = self._rows.get(agent_id)
        return None if row is None else self._agents[row]

    def agents(self) -> Iterator[AgentState]:
        """Every indexed agent, in no particular order."""
        return (a for a in self._agents if a is not None)

    def upsert(self, agent: AgentState) -> None:
        """Insert ``agent`` or replace the indexed state with the same ``agent_id``."""
        row = self._rows.get(agent.agent_id)
        if row is None:
            row = self._free_rows.pop() if self._free_rows else self._new_row()
            self._rows[agent.agent_id] = row
        else:
            self._clear_row(row)
        self._agents[row] = agent
        self._status[row] = _STATUS_CODE[agent.status]
        self._idle[row] = agent.idle_since
        for skill, level in agent.skills.items():
            self._column(self._levels, skill, np.int8)[row] = level
        for language in agent.languages:
            self._column(self._languages, language, np.bool_)[row] = True
        for group in agent.groups:
            self._column(self._groups, group, np.bool_)[row] = True
        for channel, cap in agent.capacity.items():
            self._column(self._capacity, channel, np.int32)[row] = cap
            self._set_slots(row, agent, channel)

    def set_load(self, agent_id: str, channel: str, load: int, idle_since: float) -> None:
        """Record a new ``load`` on ``channel`` and ``idle_since`` for an indexed agent (the fast path
        after a reservation); unknown agents are ignored."""
        row = self._rows.get(agent_id)
        agent = None if row is None else self._agents[row]
        if row is None or agent is None:
            return
        agent = AgentState(agent.agent_id, agent.skills, agent.languages, agent.capacity,
                           {**agent.load, channel: load}, agent.status, agent.status_since, idle_since,
                           agent.groups)
        self._agents[row] = agent
        self._idle[row] = idle_since
        if channel in agent.capacity:
            self._set_slots(row, agent, channel)

    def _set_slots(self, row: int, agent: AgentState, channel: str) -> None:
        cap, load = agent.capacity[channel], agent.load.get(channel, 0)
        is_open = agent.status is AgentStatus.AVAILABLE and load < cap
        self._column(self._open, channel, np.bool_)[row] = is_open
        self._column(self._free, channel, np.float64)[row] = 1.0 - load / cap if cap > 0 else 0.0

    def remove(self, agent_id: str) -> None:
        """Forget ``agent_id``; unknown ids are ignored."""
        row = self._rows.pop(agent_id, None)
        if row is not None:
            self._clear_row(row)
            self._agents[row] = None
            self._status[row] = _ABSENT
            self._free_rows.append(row)

    def candidates(self, contact: Contact, policy: QueuePolicy, now: float) -> list[AgentState]:
        """Agents passing the hard filters at the loosest step in force, plus the customer's last agent
        while the sticky window is open. ``decide`` on this list equals ``decide`` on every agent."""
        relax = relaxation(policy, current_step(policy, now - contact.arrived_at))
        found = [a for r in self._eligible(contact, relax) if (a := self._agents[r]) is not None]
        return self._with_last_agent(found, contact, policy, now)

    def shortlist(
        self, contact: Contact, policy: QueuePolicy, now: float, limit: int | None = None
    ) -> tuple[list[AgentState], int]:
        """The few agents ``decide`` needs, and how many agents were eligible at the step it will use.

        Runs the relaxation cascade here (vectorised), scores the eligible agents of the first step that
        has any and keeps the best ``limit`` (default: the policy's ``explain_limit``) plus any agent tied
        with the last kept one, so ``decide`` on the result picks the same agent as on every agent.
        """
        limit = policy.explain_limit if limit is None else limit
        last_step = current_step(policy, now - contact.arrived_at)
        sticky = self._sticky_step(contact, policy, now, last_step)
        if sticky == "hold":
            return self._with_last_agent([], contact, policy, now), 0
        for step in range(last_step + 1) if sticky is None else (int(sticky),):
            rows = self._eligible(contact, relaxation(policy, step))
            if rows.size:
                break
        else:
            return self._with_last_agent([], contact, policy, now), 0
        eligible = int(rows.size)
        if eligible > limit:
            scores = self._scores(rows, contact, policy, now)
            threshold = np.partition(scores, eligible - limit)[eligible - limit]
            rows = rows[scores >= threshold]
        found = [a for r in rows if (a := self._agents[r]) is not None]
        return self._with_last_agent(found, contact, policy, now), eligible

    def has_open(self, channel: str) -> bool:
        """Whether any agent is available with a free slot on ``channel`` (a cheap pre-check)."""
        open_rows = self._open.get(channel)
        return open_rows is not None and bool(open_rows.any())

    def servers(self, contact: Contact, policy: QueuePolicy, now: float) -> int:
        """Slots on the contact's channel held by logged-in agents (not away) who could serve it at the
        step in force, busy or not: the denominator of a wait estimate."""
        relax = relaxation(policy, current_step(policy, now - contact.arrived_at))
        logged_in = (self._status != _ABSENT) & (self._status != _STATUS_CODE[AgentStatus.AWAY])
        mask = self._qualified(logged_in, contact, relax)
        cap = self._capacity.get(contact.channel)
        return 0 if cap is None or mask is None else int(cap[mask].sum())

    def _sticky_step(self, contact: Contact, policy: QueuePolicy, now: float, last_step: int) -> int | str | None:
        last = self.get(contact.last_agent_id) if contact.last_agent_id else None
        if last is None:
            return None
        outcome = sticky_outcome(contact, last, policy, now, last_step)
        return outcome if outcome is None or isinstance(outcome, int) else "hold"

    def _with_last_agent(
        self, found: list[AgentState], contact: Contact, policy: QueuePolicy, now: float
    ) -> list[AgentState]:
        if contact.last_agent_id is None or now - contact.arrived_at >= policy.sticky_seconds:
            return found
        last = self.get(contact.last_agent_id)
        if last is not None and all(a.agent_id != last.agent_id for a in found):
            found.append(last)
        return found

    def _qualified(self, start: np.ndarray, contact: Contact, relax: Relaxation) -> np.ndarray | None:
        """``start`` narrowed to rows with the skills, language and pool for ``contact`` (a new array),
        or None when no row can have them (an unknown skill or language)."""
        mask = start.copy()
        for skill, level in skill_minimums(contact, relax).items():
            levels = self._levels.get(skill)
            if levels is None:
                return None
            mask &= levels >= level
        if contact.language is not None:
            speaks = self._languages.get(contact.language)
            if speaks is None:
                return None
            mask &= speaks
        if relax.pool_groups is not None:
            pool = np.zeros(self._size, dtype=np.bool_)
            for group in relax.pool_groups:
                if group in self._groups:
                    pool |= self._groups[group]
            mask &= pool
        return mask

    def _eligible(self, contact: Contact, relax: Relaxation) -> np.ndarray:
        """Row numbers of the agents passing every hard filter for ``contact`` under ``relax``."""
        open_rows = self._open.get(contact.channel)
        mask = None if open_rows is None else self._qualified(open_rows, contact, relax)
        if mask is None:
            return np.empty(0, dtype=np.intp)
        for agent_id in contact.excluded_agents:
            row = self._rows.get(agent_id)
            if row is not None:
                mask[row] = False
        return np.flatnonzero(mask)

    def _scores(self, rows: np.ndarray, contact: Contact, policy: QueuePolicy, now: float) -> np.ndarray:
        """``engine.score`` for ``rows`` (sticky part 0, and x + 0.0 == x), same operations in the same
        order so the floats are equal."""
        skills = contact.required_skills.keys() | contact.preferred_skills.keys()
        total = np.zeros(rows.size, dtype=np.float64)
        for skill in skills:
            levels = self._levels.get(skill)
            if levels is not None:
                total += levels[rows]
        proficiency = total / (5.0 * len(skills)) if skills else total
        waited = np.maximum(now - self._idle[rows], 0.0)
        idle = waited / (waited + policy.idle_half_seconds)
        free = self._free[contact.channel][rows]
        w = policy.weights
        result: np.ndarray = w.proficiency * proficiency + w.idle * idle + w.load * free
        return result

    def _new_row(self) -> int:
        row = len(self._agents)
        if row >= self._size:
            self._grow()
        self._agents.append(None)
        return row

    def _grow(self) -> None:
        old, self._size = self._size, self._size * 2
        self._status = np.concatenate([self._status, np.full(old, _ABSENT, dtype=np.int8)])
        self._idle = np.concatenate([self._idle, np.zeros(old)])
        for columns in (self._levels, self._languages, self._groups, self._capacity, self._open, self._free):
            for name, column in columns.items():
                columns[name] = np.concatenate([column, np.zeros(old, dtype=column.dtype)])

    def _column(self, columns: dict[str, np.ndarray], name: str, dtype: type) -> np.ndarray:
        column = columns.get(name)
        if column is None:
            column = columns[name] = np.zeros(self._size, dtype=dtype)
        return column

    def _clear_row(self, row: int) -> None:
        old = self._agents[row]
        if old is None:
            return
        for skill in old.skills:
            self._levels[skill][row] = 0
        for language in old.languages:
            self._languages[language][row] = False
        for group in old.groups:
            self._groups[group][row] = False
        for channel in old.capacity:
            self._capacity[channel][row] = 0
            self._open[channel][row] = False
            self._free[channel][row] = 0.0
