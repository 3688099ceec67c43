"""The discrete-event simulation (SimPy) that drives the real routing engine.

Contacts arrive (a chain of SimPy timeouts over the pre-drawn arrival times), wait with a patience timer, and
are routed by ``routing.engine.decide``: on arrival and whenever a relaxation step comes into force, on
the shortlist ``routing.index.AgentIndex`` keeps; when an agent frees a slot (or starts a shift), on the
head of each queue of that channel the agent qualifies for, the heads taken in the engine's
``queue_order``. A slot stays taken through after-contact work. Agents are ``available`` on shift and
``away`` off it; occupancy is carried by ``load`` against ``capacity``.

Why not route every waiting contact on every change: a contact can only be routed to an agent who just
became eligible for it, and the contacts of a queue share their requirements, so the head of each queue
is the only one worth asking. That keeps a 100,000-contact day to a few seconds.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy
from tqdm import tqdm

from routing.engine import (
    AgentState,
    AgentStatus,
    Contact,
    current_step,
    decide,
    eligibility_failure,
    queue_order,
    relaxation,
)
from routing.index import AgentIndex
from simulator.traffic.policies import SimPolicy
from simulator.traffic.scenario import ContactStream, Scenario, draw_contacts
from simulator.world.world import stream as world_stream

__all__ = ["TrafficResult", "simulate"]

_WAITING, _SERVED, _ABANDONED = 0, 1, 2
_AVAILABLE, _AWAY = AgentStatus.AVAILABLE, AgentStatus.AWAY
_DIRECT = 16
"""Up to this many free qualified agents go to ``decide`` as they are; more go through the index."""


@dataclass(frozen=True)
class TrafficResult:
    """Raw outcome of one run, one array entry per contact (in arrival order) or per agent.

    ``answered_at``/``abandoned_at`` are NaN when it did not happen; ``agent`` is the row in
    ``scenario.agents`` (-1 if none); ``step`` the relaxation step of the decision (-1 if none);
    ``busy`` the slot-seconds each agent worked (handle + after-contact work) divided by its capacity.
    """

    scenario: Scenario
    policy: str
    contacts: ContactStream
    answered_at: np.ndarray
    abandoned_at: np.ndarray
    handle: np.ndarray
    agent: np.ndarray
    step: np.ndarray
    busy: np.ndarray
    staffed: np.ndarray
    wall_seconds: float


class _Run:
    """State of one simulation; lists rather than arrays on the hot path (faster scalar access)."""

    def __init__(self, scenario: Scenario, policy: SimPolicy, contacts: ContactStream) -> None:
        self.env = simpy.Environment()
        self.scenario, self.policy, self.qp = scenario, policy, policy.queue
        self.relax = [relaxation(self.qp, s) for s in range(len(self.qp.steps) + 1)]
        self.arrival = contacts.arrival.tolist()
        self.queue = contacts.queue.tolist()
        self.base_handle = contacts.handle.tolist()
        self.patience = contacts.patience.tolist()
        self.priority = contacts.priority.tolist()
        n = len(self.arrival)
        self.status = [_WAITING] * n
        self.answered = [math.nan] * n
        self.abandoned = [math.nan] * n
        self.handle = [math.nan] * n
        self.agent_of = [-1] * n
        self.step_of = [-1] * n
        self.contact: list[Contact | None] = [None] * n
        specs = scenario.queues
        self.specs = specs
        self.required = [{q.skill: policy.required_level} for q in specs]
        self.q_channel = [q.channel for q in specs]
        self.q_effect = [q.proficiency_effect for q in specs]
        self.q_acw = [q.after_contact_work for q in specs]
        self.no_preference: dict[str, int] = {}
        self.heaps: list[list[tuple[int, float, int]]] = [[] for _ in specs]
        self.waiting = [0] * len(specs)
        self.queues_on: dict[str, list[int]] = {}
        for q, spec in enumerate(specs):
            self.queues_on.setdefault(spec.channel, []).append(q)
        self.index = AgentIndex(size_hint=len(scenario.agents))
        self.states: list[AgentState] = []
        self.row_of = {a.agent_id: r for r, a in enumerate(scenario.agents)}
        self.on_shift = [False] * len(scenario.agents)
        self.channel_of: list[str] = []
        self.levels = [[a.skills.get(q.skill, 0) for q in specs] for a in scenario.agents]
        self.busy = [0.0] * len(scenario.agents)
        self.qualified: dict[tuple[int, int, int], bool] = {}
        loosest = max(1, policy.required_level - max((st.proficiency_delta for st in self.qp.steps), default=0))
        self.quals = [[q for q, spec in enumerate(specs) if spec.channel in a.capacity
                       and a.skills.get(spec.skill, 0) >= loosest
                       and (spec.language is None or spec.language in a.languages)] for a in scenario.agents]
        self.free_agents: list[set[int]] = [set() for _ in specs]
        for agent in scenario.agents:
            state = AgentState(agent.agent_id, agent.skills, agent.languages, agent.capacity,
                               {c: 0 for c in agent.capacity}, _AWAY, 0.0, 0.0)
            self.states.append(state)
            self.channel_of.append(next(iter(agent.capacity)))
            self.index.upsert(state)

    # -- agents -------------------------------------------------------------------------------------

    def _set(self, row: int, load: dict[str, int], status: AgentStatus, now: float) -> AgentState:
        old = self.states[row]
        since = now if status is not old.status else old.status_since
        state = AgentState(old.agent_id, old.skills, old.languages, old.capacity, load, status, since, now)
        self.states[row] = state
        self.index.upsert(state)
        return state

    def _shift_start(self, row: int, _event: object = None) -> None:
        now, state = self.env.now, self.states[row]
        self.on_shift[row] = True
        state = self._set(row, dict(state.load), _AVAILABLE, now)
        free = state.free_slots(self.channel_of[row])
        if free > 0:
            self._mark_free(row, True)
        for _ in range(free):
            if not self._pull(row, now):
                break

    def _shift_end(self, row: int, _event: object) -> None:
        state = self.states[row]
        self.on_shift[row] = False
        self._mark_free(row, False)
        self._set(row, dict(state.load), _AWAY, self.env.now)

    def _mark_free(self, row: int, free: bool) -> None:
        """Keep ``free_agents[q]``: on-shift agents with a free slot who could qualify for queue q."""
        for q in self.quals[row]:
            if free:
                self.free_agents[q].add(row)
            else:
                self.free_agents[q].discard(row)

    def _start(self, i: int, row: int, now: float, step: int) -> None:
        q = self.queue[i]
        channel = self.q_channel[q]
        self.status[i] = _SERVED
        self.answered[i], self.agent_of[i], self.step_of[i] = now, row, step
        handle = self.base_handle[i] * max(1.0 - self.q_effect[q] * (self.levels[row][q] - 3), 0.2)
        self.handle[i] = handle
        state = self.states[row]
        held = state.load[channel] + 1
        self.index.set_load(state.agent_id, channel, held, now)
        self.states[row] = self.index.get(state.agent_id)  # type: ignore[assignment]
        capacity = state.capacity[channel]
        if held >= capacity:
            self._mark_free(row, False)
        hold = handle + self.q_acw[q]
        self.busy[row] += hold / capacity
        self.env.timeout(hold).callbacks.append(partial(self._release, row, channel))

    def _release(self, row: int, channel: str, _event: object) -> None:
        """Free the slot; the index learns of it at once unless the agent takes the next contact now
        (then ``_start`` writes the net load, one index update instead of two)."""
        now, state = self.env.now, self.states[row]
        load = dict(state.load)
        load[channel] -= 1
        freed = AgentState(state.agent_id, state.skills, state.languages, state.capacity, load, state.status,
                           state.status_since, now)
        self.states[row] = freed
        if self.on_shift[row]:
            if load[channel] == state.capacity[channel] - 1:
                self._mark_free(row, True)
            if self._pull(row, now):
                return
        self.index.set_load(freed.agent_id, channel, load[channel], now)

    def _pull(self, row: int, now: float) -> bool:
        """Give the agent in ``row`` (with a free slot) the first waiting contact it qualifies for."""
        state = self.states[row]
        heads: list[Contact] = []
        for q in self.queues_on[self.channel_of[row]]:
            if not self.waiting[q]:
                continue
            heap = self.heaps[q]
            while self.status[heap[0][2]] != _WAITING:
                heapq.heappop(heap)
            i = heap[0][2]
            step = current_step(self.qp, now - self.arrival[i]) if self.qp.steps else 0
            key = (row, q, step)
            ok = self.qualified.get(key)
            if ok is None:
                contact = self.contact[i]
                assert contact is not None
                ok = self.qualified[key] = eligibility_failure(state, contact, self.relax[step]) is None
            if ok:
                heads.append(self.contact[i])  # type: ignore[arg-type]
        if not heads:
            return False
        contact = queue_order(heads)[0]
        decision = decide(contact, (state,), self.qp, now)
        if decision.agent_id is None:
            return False
        i = int(contact.contact_id)
        self.waiting[self.queue[i]] -= 1
        self._start(i, row, now, decision.step)
        return True

    # -- contacts -----------------------------------------------------------------------------------

    def _route(self, i: int, now: float) -> bool:
        """Ask the engine for an agent. A queue's free qualified agents are a superset of the eligible
        ones, so with none the answer is known, and with a few ``decide`` takes them as they are."""
        contact = self.contact[i]
        assert contact is not None
        free = self.free_agents[self.queue[i]]
        if not free:
            return False
        if len(free) <= _DIRECT:
            shortlist = [self.states[r] for r in free]
        else:
            shortlist, _ = self.index.shortlist(contact, self.qp, now, 1)
        decision = decide(contact, shortlist, self.qp, now)
        if decision.agent_id is None:
            return False
        self._start(i, self.row_of[decision.agent_id], now, decision.step)
        return True

    def _arrive(self, i: int) -> None:
        now = self.env.now
        q = self.queue[i]
        spec = self.specs[q]
        self.contact[i] = Contact(str(i), spec.channel, self.required[q], self.no_preference, spec.language,
                                  self.priority[i], None, now, None, spec.name)
        if not self.waiting[q] and self._route(i, now):
            return
        heapq.heappush(self.heaps[q], (-self.priority[i], now, i))
        self.waiting[q] += 1
        if self.patience[i] < math.inf:
            self.env.timeout(self.patience[i]).callbacks.append(partial(self._abandon, i))
        for relax_step in self.qp.steps:
            self.env.timeout(relax_step.after_seconds).callbacks.append(partial(self._retry, i))

    def _abandon(self, i: int, _event: object) -> None:
        if self.status[i] == _WAITING:
            self.status[i] = _ABANDONED
            self.abandoned[i] = self.env.now
            self.waiting[self.queue[i]] -= 1

    def _retry(self, i: int, _event: object) -> None:
        if self.status[i] == _WAITING and self._route(i, self.env.now):
            self.waiting[self.queue[i]] -= 1

    def start_arrivals(self, bar: tqdm) -> None:
        """Chain the arrivals: each one schedules the next (a callback, lighter than a process)."""
        self.bar, self.next_arrival = bar, 0
        if self.arrival:
            self.env.timeout(self.arrival[0]).callbacks.append(self._on_arrival)

    def _on_arrival(self, _event: object) -> None:
        i = self.next_arrival
        self._arrive(i)
        self.next_arrival = i + 1
        if i + 1 < len(self.arrival):
            self.env.timeout(self.arrival[i + 1] - self.env.now).callbacks.append(self._on_arrival)
        if (i + 1) % 5000 == 0 or i + 1 == len(self.arrival):
            self.bar.update((i + 1) - self.bar.n)

    def schedule_shifts(self) -> None:
        for row, agent in enumerate(self.scenario.agents):
            if agent.shift_start <= 0:
                self._shift_start(row)
            else:
                self.env.timeout(agent.shift_start).callbacks.append(partial(self._shift_start, row))
            if agent.shift_end < math.inf:
                self.env.timeout(agent.shift_end).callbacks.append(partial(self._shift_end, row))


def simulate(scenario: Scenario, policy: SimPolicy, seed: int = 0, *, progress: bool = False,
             contacts: ContactStream | None = None) -> TrafficResult:
    """Run ``scenario`` under ``policy`` until every contact has been answered or abandoned.

    ``contacts`` defaults to ``draw_contacts(scenario, ...)`` from ``seed``; pass the same stream to
    compare policies on identical traffic (common random numbers). ``progress`` shows a tqdm bar over
    arrivals. Returns the raw per-contact and per-agent arrays (see ``simulator.traffic.report``).
    """
    rng = world_stream(seed, "arrivals")
    contacts = contacts if contacts is not None else draw_contacts(scenario, rng)
    started = time.perf_counter()
    run = _Run(scenario, policy, contacts)
    with tqdm(total=len(run.arrival), unit="contact", disable=not progress, desc=policy.name) as bar:
        run.schedule_shifts()
        run.start_arrivals(bar)
        run.env.run()
    staffed = np.array([max(0.0, min(a.shift_end, scenario.horizon) - a.shift_start) if a.shift_end < math.inf
                        else scenario.horizon for a in scenario.agents])
    return TrafficResult(
        scenario=scenario, policy=policy.name, contacts=contacts,
        answered_at=np.asarray(run.answered), abandoned_at=np.asarray(run.abandoned),
        handle=np.asarray(run.handle), agent=np.asarray(run.agent_of, dtype=np.int64),
        step=np.asarray(run.step_of, dtype=np.int64), busy=np.asarray(run.busy), staffed=staffed,
        wall_seconds=time.perf_counter() - started,
    )
