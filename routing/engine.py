"""Skill-based routing decisions, pure: no I/O, no clock (``now`` is always passed in).

A decision runs in three stages, each recorded in the returned :class:`Decision`:

1. **Hard filters** (``eligibility_failure``): status available, a free slot on the contact's channel,
   every required skill at its minimum, the language, the queue's agent pool, not excluded.
2. **Relaxation cascade**: the longer a contact waits, the more steps of its queue's policy are in
   force (``current_step``). Steps accumulate: the largest ``proficiency_delta`` so far applies, once a
   step drops preferred skills they stay dropped, and every overflow group named so far joins the pool.
   The cascade tries the strict rules first and relaxes only when no agent passes: a relaxation widens
   the pool, it never prefers a worse-fitting free agent over a better-fitting one.
3. **Score** among the eligible agents at that step (``score``): proficiency, longest idle, free
   capacity, and stickiness to the customer's last agent within the queue's sticky window.

Preferred skills filter like required ones until a step with ``drop_preferred`` is in force, and count
in the proficiency score always.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field, replace
from enum import StrEnum

__all__ = [
    "AgentState",
    "AgentStatus",
    "Candidate",
    "Contact",
    "Decision",
    "QueuePolicy",
    "Relaxation",
    "RelaxationStep",
    "ScoreWeights",
    "current_step",
    "decide",
    "eligibility_failure",
    "estimate_wait",
    "queue_order",
    "relaxation",
    "score",
    "skill_minimums",
    "sticky_outcome",
    "with_queue_skills",
]

MAX_PROFICIENCY = 5
MAX_PRIORITY = 100


class AgentStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AFTER_CONTACT_WORK = "after_contact_work"
    AWAY = "away"


@dataclass(frozen=True, slots=True)
class AgentState:
    """One agent as the router sees it.

    ``load`` counts the sessions held on each channel, pending reservations included. ``idle_since`` is
    the last time the agent's work changed (a slot taken or freed, or the agent became available): the
    longest-idle agent is the least recently routed one.
    """

    agent_id: str
    skills: Mapping[str, int]
    languages: frozenset[str]
    capacity: Mapping[str, int]
    load: Mapping[str, int]
    status: AgentStatus
    status_since: float
    idle_since: float
    groups: frozenset[str] = frozenset()

    def free_slots(self, channel: str) -> int:
        """Sessions the agent can still take on ``channel`` (0 or less means full or not staffed)."""
        return self.capacity.get(channel, 0) - self.load.get(channel, 0)


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact to route. ``priority`` is 0..100 (VIP and at-risk customers higher).

    ``last_agent_id`` is the customer's last agent or the journey's owner (sticky routing);
    ``excluded_agents`` are agents who already declined or missed this contact; ``reason`` is the reason for
    contact (an intent such as ``refund``), which routing carries to the agent's offer and does not decide on.
    """

    contact_id: str
    channel: str
    required_skills: Mapping[str, int]
    preferred_skills: Mapping[str, int]
    language: str | None
    priority: int
    customer_id: str | None
    arrived_at: float
    last_agent_id: str | None = None
    queue: str = "default"
    excluded_agents: frozenset[str] = frozenset()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RelaxationStep:
    """What a queue relaxes once a contact has waited ``after_seconds`` (cumulative with earlier steps)."""

    after_seconds: float
    proficiency_delta: int = 0
    drop_preferred: bool = False
    overflow_group: str | None = None

    def __post_init__(self) -> None:
        if self.after_seconds < 0 or self.proficiency_delta < 0:
            raise ValueError("after_seconds and proficiency_delta must be >= 0")


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Weights of the score parts, each part being in [0, 1]."""

    proficiency: float = 1.0
    idle: float = 1.0
    load: float = 0.5
    sticky: float = 10.0


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    """How one queue routes.

    ``group``: the queue's own agent pool (agents whose ``groups`` hold it); None means every agent.
    ``steps``: relaxation steps, by strictly increasing ``after_seconds``.
    ``sticky_seconds``: for that long after arrival the customer's last agent wins when free, and with
    ``sticky_hold`` the contact waits for them while they are logged in but full.
    ``idle_half_seconds``: the idle time that scores 0.5 (idle part = idle / (idle + half)).
    ``offer_timeout_seconds``, ``handle_seconds``: used by the service (offer expiry, wait estimates).
    ``explain_limit``: how many best candidates a decision keeps.
    ``required_skills``: (skill, minimum level) every contact of the queue needs on top of its own
    (``with_queue_skills``).
    """

    name: str = "default"
    steps: tuple[RelaxationStep, ...] = ()
    sticky_seconds: float = 0.0
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    group: str | None = None
    sticky_hold: bool = True
    idle_half_seconds: float = 60.0
    offer_timeout_seconds: float = 20.0
    handle_seconds: float = 300.0
    explain_limit: int = 5
    required_skills: tuple[tuple[str, int], ...] = ()
    # The rules in force at each step, worked out once: a decision reads them several times, and
    # hashing a policy to look them up costs more than the lookup.
    _cascade: tuple[Relaxation, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        times = [step.after_seconds for step in self.steps]
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            raise ValueError("relaxation steps must have strictly increasing after_seconds")
        if self.idle_half_seconds <= 0 or self.explain_limit < 1:
            raise ValueError("idle_half_seconds must be > 0 and explain_limit >= 1")
        object.__setattr__(self, "_cascade", tuple(_relax(self, step) for step in range(len(self.steps) + 1)))


@dataclass(frozen=True, slots=True)
class Relaxation:
    """The rules in force at one step: ``pool_groups`` None means every agent is in the pool."""

    step: int
    proficiency_delta: int
    drop_preferred: bool
    pool_groups: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible agent's score and its weighted parts (each part in [0, 1] before weighting)."""

    agent_id: str
    score: float
    proficiency: float
    idle: float
    load: float
    sticky: float


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome: ``agent_id`` None means wait. ``candidates`` holds the best eligible agents, best
    first (at most the policy's ``explain_limit``); ``eligible`` counts all eligible agents."""

    agent_id: str | None
    step: int
    candidates: tuple[Candidate, ...]
    reason: str
    eligible: int = 0


def current_step(policy: QueuePolicy, waited: float) -> int:
    """Number of relaxation steps in force after ``waited`` seconds (0 = strict rules)."""
    return sum(1 for step in policy.steps if step.after_seconds <= waited)


def relaxation(policy: QueuePolicy, step: int) -> Relaxation:
    """The cumulative rules of ``policy`` at ``step`` (0 = strict); raises IndexError past the last step."""
    if not 0 <= step <= len(policy.steps):
        raise IndexError(f"policy {policy.name!r} has no step {step}")
    return policy._cascade[step]


def _relax(policy: QueuePolicy, step: int) -> Relaxation:
    applied = policy.steps[:step]
    delta = max((s.proficiency_delta for s in applied), default=0)
    dropped = any(s.drop_preferred for s in applied)
    pool: frozenset[str] | None = None
    if policy.group is not None:
        pool = frozenset({policy.group, *(s.overflow_group for s in applied if s.overflow_group)})
    return Relaxation(step, delta, dropped, pool)


def with_queue_skills(contact: Contact, policy: QueuePolicy) -> Contact:
    """``contact`` with its queue's required skills added (the higher level where both name a skill), so a
    queue's requirement travels with the contact wherever it is routed from."""
    if not policy.required_skills:
        return contact
    required = dict(policy.required_skills)
    for skill, level in contact.required_skills.items():
        required[skill] = max(level, required.get(skill, 0))
    return replace(contact, required_skills=required)


def skill_minimums(contact: Contact, relax: Relaxation) -> dict[str, int]:
    """Skill -> minimum proficiency an agent needs under ``relax`` (never below 1: the skill is held)."""
    needs = {s: max(1, level - relax.proficiency_delta) for s, level in contact.required_skills.items()}
    if not relax.drop_preferred:
        for s, level in contact.preferred_skills.items():
            needs[s] = max(needs.get(s, 1), level - relax.proficiency_delta)
    return needs


def eligibility_failure(
    agent: AgentState, contact: Contact, relax: Relaxation, needs: Mapping[str, int] | None = None
) -> str | None:
    """The first hard filter ``agent`` fails for ``contact`` under ``relax``, or None if eligible.

    Reasons: ``excluded``, ``status``, ``capacity``, ``language``, ``pool``, ``skill:<name>``.
    """
    if agent.agent_id in contact.excluded_agents:
        return "excluded"
    if agent.status is not AgentStatus.AVAILABLE:
        return "status"
    if agent.free_slots(contact.channel) <= 0:
        return "capacity"
    if contact.language is not None and contact.language not in agent.languages:
        return "language"
    if relax.pool_groups is not None and relax.pool_groups.isdisjoint(agent.groups):
        return "pool"
    for s, level in (skill_minimums(contact, relax) if needs is None else needs).items():
        if agent.skills.get(s, 0) < level:
            return f"skill:{s}"
    return None


def _in_sticky_window(contact: Contact, policy: QueuePolicy, now: float) -> bool:
    return contact.last_agent_id is not None and now - contact.arrived_at < policy.sticky_seconds


def score(agent: AgentState, contact: Contact, policy: QueuePolicy, now: float) -> Candidate:
    """Score ``agent`` for ``contact`` (higher is better); assumes the agent is eligible.

    proficiency: mean of level/5 over required and preferred skills; idle: x/(x+half) for x seconds
    since ``idle_since``; load: the free share of the channel's capacity; sticky: 1 for the last agent
    within the sticky window. ``routing.index`` computes the same formula vectorised: keep them equal.
    """
    return _score(agent, contact, policy, now, contact.required_skills.keys() | contact.preferred_skills.keys())


def _score(agent: AgentState, contact: Contact, policy: QueuePolicy, now: float, skills: Set[str]) -> Candidate:
    total = sum(agent.skills.get(s, 0) for s in skills)
    proficiency = total / (5.0 * len(skills)) if skills else 0.0
    waited = max(now - agent.idle_since, 0.0)
    idle = waited / (waited + policy.idle_half_seconds)
    free = 1.0 - agent.load.get(contact.channel, 0) / agent.capacity[contact.channel]
    sticky = 1.0 if agent.agent_id == contact.last_agent_id and _in_sticky_window(contact, policy, now) else 0.0
    w = policy.weights
    value = w.proficiency * proficiency + w.idle * idle + w.load * free + w.sticky * sticky
    return Candidate(agent.agent_id, value, proficiency, idle, free, sticky)


def sticky_outcome(
    contact: Contact, last: AgentState | None, policy: QueuePolicy, now: float, last_step: int
) -> Decision | int | None:
    """What stickiness decides for ``contact``, given its last agent's state (None if unknown).

    Returns the lowest step (<= ``last_step``) at which the last agent is eligible, a holding
    ``Decision`` if they are logged in but not free (and the policy holds), or None when stickiness
    does not apply (outside the window, no last agent, away, unqualified).
    """
    if last is None or not _in_sticky_window(contact, policy, now):
        return None
    failure = None
    for step in range(last_step + 1):
        failure = eligibility_failure(last, contact, relaxation(policy, step))
        if failure is None:
            return step
    if policy.sticky_hold and failure in ("status", "capacity") and last.status is not AgentStatus.AWAY:
        until = contact.arrived_at + policy.sticky_seconds
        return Decision(None, last_step, (), f"holding for last agent {last.agent_id} until {until:.3f}")
    return None


def decide(contact: Contact, agents: Iterable[AgentState], policy: QueuePolicy, now: float) -> Decision:
    """Pick the agent for ``contact`` at time ``now`` (epoch seconds), or none (the contact waits).

    ``agents`` may be every agent or a pre-filtered set (``AgentIndex.candidates``/``shortlist``); hard
    filters are applied here again. Within the sticky window the customer's last agent is decided at the
    lowest step where they are eligible, and, if they are logged in but full, the contact is held.
    Ties go to the longest idle, then the smallest agent id. Never raises for ordinary input.
    """
    pool = list(agents)
    last_step = current_step(policy, now - contact.arrived_at)
    last = next((a for a in pool if a.agent_id == contact.last_agent_id), None) if contact.last_agent_id else None
    sticky = sticky_outcome(contact, last, policy, now, last_step)
    if isinstance(sticky, Decision):
        return sticky
    steps = range(last_step + 1) if sticky is None else (sticky,)
    for step in steps:
        relax = relaxation(policy, step)
        needs = skill_minimums(contact, relax)
        eligible = [a for a in pool if eligibility_failure(a, contact, relax, needs) is None]
        if not eligible:
            continue
        skills = contact.required_skills.keys() | contact.preferred_skills.keys()
        ranked = [c for _, _, _, c in sorted(
            (-c.score, a.idle_since, a.agent_id, c) for a in eligible
            for c in (_score(a, contact, policy, now, skills),))]
        best = ranked[0]
        why = "sticky to last agent" if best.sticky else "best score"
        reason = f"{why} at step {step}"
        return Decision(best.agent_id, step, tuple(ranked[: policy.explain_limit]), reason, len(eligible))
    return Decision(None, last_step, (), f"no eligible agent up to step {last_step}")


def queue_order(contacts: Iterable[Contact]) -> list[Contact]:
    """Contacts in service order: priority descending, then arrival, then contact id (stable ties)."""
    return sorted(contacts, key=lambda c: (-c.priority, c.arrived_at, c.contact_id))


def estimate_wait(position: int, servers: int, handle_seconds: float) -> float:
    """Expected wait in seconds for a contact ``position`` places from the head (0 = next).

    With ``servers`` slots able to serve it, a slot frees every ``handle_seconds / servers`` seconds on
    average, and the contact needs ``position + 1`` of them. No server means no estimate (infinity).
    """
    if servers <= 0:
        return float("inf")
    return (position + 1) * handle_seconds / servers
