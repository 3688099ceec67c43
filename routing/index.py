"""An in-memory, column-wise index of agents so that a decision need not scan them all.

Each attribute the hard filters test is a numpy column over agent rows (skill levels per skill, a flag
per language and group, capacity and load per channel, status, idle time), so the filters for one
contact are a handful of vectorised comparisons (the profile part of them remembered per requirement),
and scoring the survivors is vectorised too. Pure: no I/O and no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from routing.engine import (
    AgentState,
    AgentStatus,
    Candidate,
    Contact,
    Decision,
    QueuePolicy,
    Relaxation,
    current_step,
    decide,
    relaxation,
    skill_minimums,
    sticky_outcome,
)

__all__ = ["AgentIndex"]

_STATUS_CODE = {status: code for code, status in enumerate(AgentStatus)}
_ABSENT = -1
_NO_ROWS = np.empty(0, dtype=np.intp)
_PROFILE_CACHE_ROWS = 1_000_000  # rows kept over all remembered requirements (8 MB), oldest dropped first


def _best(scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` highest ``scores`` and of any score tied with the last of them (the
    tie-breaks, idle time and agent id, are applied by the caller)."""
    if scores.size <= limit:
        return np.arange(scores.size)
    threshold = np.partition(scores, scores.size - limit)[scores.size - limit]
    best: np.ndarray = (scores >= threshold).nonzero()[0]
    return best


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
        # Rows whose profile (skills, language, pool) meets a requirement, by requirement: profiles change
        # rarely, loads and statuses all the time, so a decision narrows these rows by ``_open`` instead
        # of testing every agent's profile again. Emptied whenever a profile changes.
        self._profile_rows: dict[tuple[object, ...], np.ndarray] = {}
        self._profile_rows_size = 0

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
        old = None if row is None else self._agents[row]
        if old is None or (old.skills, old.languages, old.groups) != (agent.skills, agent.languages, agent.groups):
            self._forget_profiles()
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
            self._forget_profiles()
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
        _, rows = self._first_step_with_agents(contact, policy, range(last_step + 1) if sticky is None
                                               else (int(sticky),))
        eligible = int(rows.size)
        if eligible > limit:
            scores = self._scores(rows, contact, policy, now)[3]
            rows = rows[_best(scores, limit)]
        found = [a for r in rows if (a := self._agents[r]) is not None]
        return self._with_last_agent(found, contact, policy, now), eligible

    def decide(self, contact: Contact, policy: QueuePolicy, now: float) -> Decision:
        """``engine.decide`` over every indexed agent, with ``eligible`` counting every eligible agent.

        Outside a sticky window (the common case) the whole decision, explanation included, is computed
        here on the columns, with the same float operations as ``engine.score`` so it is the same
        decision, without re-checking the best agents one by one in Python; within a sticky window
        ``engine.decide`` settles it on the ``shortlist``. The hard rules are enforced again, against the
        stored truth, by the reservation script.
        """
        if contact.last_agent_id is not None and now - contact.arrived_at < policy.sticky_seconds:
            shortlist, eligible = self.shortlist(contact, policy, now)
            decided = decide(contact, shortlist, policy, now)
            return Decision(decided.agent_id, decided.step, decided.candidates, decided.reason, eligible)
        last_step = current_step(policy, now - contact.arrived_at)
        step, rows = self._first_step_with_agents(contact, policy, range(last_step + 1))
        if not rows.size:
            return Decision(None, last_step, (), f"no eligible agent up to step {last_step}")
        parts = self._scores(rows, contact, policy, now)
        kept = _best(parts[3], policy.explain_limit)
        best_rows = rows[kept]
        proficiency, idle, free, score = (part[kept].tolist() for part in parts)
        ranked = sorted(  # engine.decide's order: score, then longest idle, then agent id
            (-s, idle_since, agent.agent_id, p, i, f)
            for p, i, f, s, idle_since, row in zip(proficiency, idle, free, score, self._idle[best_rows].tolist(),
                                                   best_rows.tolist(), strict=True)
            if (agent := self._agents[row]) is not None)
        candidates = tuple(Candidate(agent_id, -negated, proficiency, idle, free, 0.0)
                           for negated, _, agent_id, proficiency, idle, free in ranked[:policy.explain_limit])
        return Decision(candidates[0].agent_id, step, candidates, f"best score at step {step}", int(rows.size))

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

    def _first_step_with_agents(self, contact: Contact, policy: QueuePolicy,
                                steps: Iterable[int]) -> tuple[int, np.ndarray]:
        """The first of ``steps`` with eligible agents and their rows (the last step and no rows if none):
        the relaxation cascade."""
        step, rows = 0, _NO_ROWS
        for step in steps:
            rows = self._eligible(contact, relaxation(policy, step))
            if rows.size:
                break
        return step, rows

    def _eligible(self, contact: Contact, relax: Relaxation) -> np.ndarray:
        """Row numbers of the agents passing every hard filter for ``contact`` under ``relax``."""
        open_rows = self._open.get(contact.channel)
        if open_rows is None:
            return _NO_ROWS
        key = (tuple(skill_minimums(contact, relax).items()), contact.language, relax.pool_groups)
        qualified = self._profile_rows.get(key)
        if qualified is None:
            mask = self._qualified(self._status != _ABSENT, contact, relax)
            qualified = _NO_ROWS if mask is None else mask.nonzero()[0]
            self._remember(key, qualified)
        rows: np.ndarray = qualified[open_rows[qualified]]
        if contact.excluded_agents:
            excluded = [r for a in contact.excluded_agents if (r := self._rows.get(a)) is not None]
            rows = rows[~np.isin(rows, excluded)]
        return rows

    def _remember(self, key: tuple[object, ...], rows: np.ndarray) -> None:
        self._profile_rows[key] = rows
        self._profile_rows_size += rows.size
        while self._profile_rows_size > _PROFILE_CACHE_ROWS and len(self._profile_rows) > 1:
            self._profile_rows_size -= self._profile_rows.pop(next(iter(self._profile_rows))).size

    def _forget_profiles(self) -> None:
        self._profile_rows.clear()
        self._profile_rows_size = 0

    def _scores(self, rows: np.ndarray, contact: Contact, policy: QueuePolicy,
                now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``engine.score`` for ``rows`` (sticky part 0, and x + 0.0 == x) as its parts (proficiency,
        idle, free share) and the score, same operations in the same order so the floats are equal."""
        skills = contact.required_skills.keys() | contact.preferred_skills.keys()
        held = [levels[rows] for skill in skills if (levels := self._levels.get(skill)) is not None]
        if len(held) == 1:
            total = held[0]
        else:
            total = np.zeros(rows.size, dtype=np.int32)  # sums of small integers: exact in any order
            for levels in held:
                total += levels
        proficiency = total / (5.0 * len(skills)) if skills else total.astype(np.float64)
        waited = np.maximum(now - self._idle[rows], 0.0)
        idle = waited / (waited + policy.idle_half_seconds)
        free = self._free[contact.channel][rows]
        w = policy.weights  # 1.0 * x is x exactly: skip those products
        score = proficiency if w.proficiency == 1.0 else w.proficiency * proficiency
        score = score + (idle if w.idle == 1.0 else w.idle * idle)
        return proficiency, idle, free, score + w.load * free

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
