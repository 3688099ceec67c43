"""What a traffic simulation runs: queues (arrival profile, handle time, patience), agents with shifts,
and the contact stream drawn from them as flat numpy arrays (no per-contact objects until routing).

``single_queue`` is the M/M/n(+M) setting of the Erlang validation; ``contact_center_day`` is a day of
a multi-skill, multi-channel contact center built from the world's agent roster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linprog

from simulator.world.agents import LANGUAGE_SKILLS, AgentProfile, draw_agents
from simulator.world.world import stream

__all__ = [
    "DAY_QUEUES",
    "SHIFT_HOURS",
    "ContactStream",
    "QueueSpec",
    "Scenario",
    "SimAgent",
    "contact_center_day",
    "draw_contacts",
    "single_queue",
]

DAY = 86_400.0
_DAY_PROFILE = (0, 0, 0, 0, 0, 0, 0, 3, 8, 11, 12, 11, 10, 10, 11, 10, 9, 8, 7, 6, 5, 4, 0, 0)
"""Arrivals per hour of the day (relative): open 07:00-22:00, a morning and an early-afternoon peak."""


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """One queue: who may answer (skill at ``min_level``, language) and how its contacts behave.

    ``handle`` is "exponential" or "lognormal" (coefficient of variation ``handle_cv``) around
    ``mean_handle`` seconds for an agent of proficiency 3; ``proficiency_effect`` shortens it by that
    share per level above 3 (and lengthens below). Patience is exponential with ``mean_patience``
    (infinity: nobody abandons). ``hourly`` weights the 24 hours of the day (None: flat). A
    ``vip_share`` of contacts gets 30 more priority (served first, FCFS otherwise).
    """

    name: str
    channel: str
    skill: str
    share: float
    mean_handle: float
    mean_patience: float = math.inf
    language: str | None = None
    min_level: int = 1
    priority: int = 0
    after_contact_work: float = 0.0
    handle: str = "exponential"
    handle_cv: float = 1.0
    proficiency_effect: float = 0.0
    hourly: tuple[float, ...] | None = None
    vip_share: float = 0.0


@dataclass(frozen=True, slots=True)
class SimAgent:
    agent_id: str
    skills: dict[str, int]
    languages: frozenset[str]
    capacity: dict[str, int]
    shift_start: float
    shift_end: float


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    queues: tuple[QueueSpec, ...]
    agents: tuple[SimAgent, ...]
    contacts: int
    horizon: float
    """Arrivals fall in [0, horizon) seconds; the run continues until every contact has left."""


@dataclass(frozen=True, slots=True)
class ContactStream:
    """All contacts of a run, sorted by arrival: index i is contact i everywhere."""

    arrival: np.ndarray
    queue: np.ndarray
    handle: np.ndarray
    """Handle time in seconds for a proficiency-3 agent; the simulation applies the agent's level."""
    patience: np.ndarray
    priority: np.ndarray


def draw_contacts(scenario: Scenario, rng: np.random.Generator) -> ContactStream:
    """The contacts of ``scenario``: its queues' non-homogeneous Poisson arrivals conditioned on the total
    ``scenario.contacts`` (a multinomial split over queues, then each queue's hourly profile)."""
    shares = np.array([q.share for q in scenario.queues], dtype=float)
    counts = rng.multinomial(scenario.contacts, shares / shares.sum())
    parts = []
    for q, (spec, count) in enumerate(zip(scenario.queues, counts, strict=True)):
        if spec.hourly is None:
            times = rng.random(count) * scenario.horizon
        else:
            weights = np.asarray(spec.hourly, dtype=float)
            slot = scenario.horizon / len(weights)
            times = (rng.choice(len(weights), size=count, p=weights / weights.sum()) + rng.random(count)) * slot
        if spec.handle == "lognormal":
            sigma = math.sqrt(math.log1p(spec.handle_cv**2))
            handle = rng.lognormal(math.log(spec.mean_handle) - sigma**2 / 2, sigma, count)
        else:
            handle = rng.exponential(spec.mean_handle, count)
        endless = math.isinf(spec.mean_patience)
        patience = np.full(count, math.inf) if endless else rng.exponential(spec.mean_patience, count)
        vip = (rng.random(count) < spec.vip_share) * 30
        parts.append((times, np.full(count, q, dtype=np.int32), handle, patience, spec.priority + vip))
    arrival, queue, handle, patience, priority = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.argsort(arrival, kind="stable")
    return ContactStream(arrival[order], queue[order], handle[order], patience[order],
                         priority[order].astype(np.int32))


def single_queue(servers: int, arrival_rate: float, mean_handle: float, horizon: float,
                 mean_patience: float = math.inf) -> Scenario:
    """M/M/n (or M/M/n+M with finite ``mean_patience``): one phone queue, ``servers`` identical agents
    on shift for the whole run, exponential handle times, no after-contact work."""
    queue = QueueSpec("single", "phone", "general", 1.0, mean_handle, mean_patience)
    agents = tuple(SimAgent(f"A{i + 1}", {"general": 3}, frozenset({"en"}), {"phone": 1}, 0.0, math.inf)
                   for i in range(servers))
    return Scenario("single-queue", (queue,), agents, contacts=int(round(arrival_rate * horizon)), horizon=horizon)


_PHONE = QueueSpec("", "phone", "", 0.0, 0.0, mean_patience=180.0, after_contact_work=20.0, handle="lognormal",
                   handle_cv=0.8, proficiency_effect=0.12, hourly=_DAY_PROFILE, vip_share=0.05)
_CHAT = replace(_PHONE, channel="chat", mean_patience=300.0, after_contact_work=10.0, handle_cv=0.7,
                proficiency_effect=0.1)
_EMAIL = replace(_PHONE, channel="email", mean_patience=math.inf, after_contact_work=0.0, handle_cv=0.6,
                 proficiency_effect=0.1)

DAY_QUEUES: tuple[QueueSpec, ...] = (
    replace(_PHONE, name="billing-phone", skill="billing", share=0.16, mean_handle=280.0),
    replace(_PHONE, name="technical-phone", skill="technical", share=0.14, mean_handle=420.0),
    replace(_PHONE, name="retention-phone", skill="retention", share=0.07, mean_handle=360.0, priority=20),
    replace(_PHONE, name="complaints-phone", skill="complaints", share=0.05, mean_handle=480.0, priority=10),
    replace(_PHONE, name="sales-phone", skill="sales", share=0.06, mean_handle=300.0),
    replace(_PHONE, name="billing-phone-es", skill="billing", share=0.04, mean_handle=300.0, language="es"),
    replace(_PHONE, name="technical-phone-es", skill="technical", share=0.03, mean_handle=440.0, language="es"),
    replace(_CHAT, name="billing-chat", skill="billing", share=0.12, mean_handle=540.0),
    replace(_CHAT, name="technical-chat", skill="technical", share=0.12, mean_handle=660.0),
    replace(_CHAT, name="sales-chat", skill="sales", share=0.08, mean_handle=480.0),
    replace(_EMAIL, name="billing-email", skill="billing", share=0.07, mean_handle=360.0),
    replace(_EMAIL, name="complaints-email", skill="complaints", share=0.06, mean_handle=420.0),
)
"""The day's queues; handle times are rescaled per channel by ``contact_center_day`` to hit its load."""

SHIFT_HOURS = (8.5, 4.0)
"""Full-time and part-time shift lengths the rostering may use."""
_POOLS = ("phone", "chat", "email")


def _pool(profile: AgentProfile, serial: int) -> str:
    """Voice, chat or e-mail: about 60/30/10 %, voice only for agents whose profile takes calls."""
    slot = serial % 20
    if slot < 12 and "phone" in profile.channels:
        return "phone"
    return "email" if slot >= 18 else "chat"


def _shifts(pools: list[str], profile: tuple[float, ...]) -> list[tuple[float, float]]:
    """Roster each pool to the arrival curve with full-time and part-time shifts (``SHIFT_HOURS``): the
    number of agents on each (start, length) is the linear program "maximise the worst ratio of staffed
    to wanted agents over the open half hours" (wanted proportional to arrivals), rounded by largest
    remainder. Returns one (start, end) in seconds per agent, in the order of ``pools``."""
    demand = np.repeat(np.asarray(profile, dtype=float), 2)
    open_slots = np.flatnonzero(demand > 0)
    options = [(int(start), int(hours * 2)) for hours in SHIFT_HOURS
               for start in range(open_slots[0], open_slots[-1] + 2 - int(hours * 2))]
    cover = np.zeros((len(open_slots), len(options)))
    for k, (start, length) in enumerate(options):
        cover[:, k] = (open_slots >= start) & (open_slots < start + length)
    wanted = demand[open_slots] / demand.sum()
    chosen: dict[str, list[tuple[float, float]]] = {}
    for pool in _POOLS:
        size = pools.count(pool)
        if size == 0:
            continue
        hours = cover.sum(axis=0)
        objective = np.concatenate([-1e-4 * hours / hours.max(), [-1.0]])
        solution = linprog(objective, A_ub=np.hstack([-cover, wanted[:, None]]), b_ub=np.zeros(len(open_slots)),
                           A_eq=np.concatenate([np.ones(len(options)), [0.0]])[None, :], b_eq=[size],
                           bounds=[(0, None)] * (len(options) + 1), method="highs")
        x = solution.x[:-1] if solution.success else np.full(len(options), size / len(options))
        counts = np.floor(x + 1e-9).astype(int)
        remainder = np.argsort(-(x - counts), kind="stable")[: size - counts.sum()]
        counts[remainder] += 1
        chosen[pool] = [(start * 1800.0, (start + length) * 1800.0)
                        for (start, length), n in zip(options, counts, strict=True) for _ in range(n)]
    taken = {pool: 0 for pool in _POOLS}
    result = []
    for pool in pools:
        result.append(chosen[pool][taken[pool]])
        taken[pool] += 1
    return result


def contact_center_day(agents: int = 500, contacts: int = 100_000, seed: int = 0, *, load: float = 0.9,
                       staffing: float = 1.0) -> Scenario:
    """A 24-hour day (open 07:00-22:00) of ``contacts`` over ``DAY_QUEUES``, answered by agents from the
    world's roster on full- and part-time shifts rostered to the arrival curve (``_shifts``).

    Agents serve one channel each (phone 1, chat up to 3, e-mail 3 at a time). Handle times are scaled
    per channel so that ``agents`` agents carry an offered load of ``load`` of their staffed capacity;
    ``staffing`` then changes the head count (0.9 = 10 % fewer agents) with the same contacts and handle
    times (the roster re-planned for the new head count), so staffing levels compare like for like.
    Raises ValueError for non-positive counts or factors.
    """
    if agents < 1 or contacts < 1 or load <= 0 or staffing <= 0:
        raise ValueError("agents, contacts, load and staffing must be positive")
    head_count = max(1, round(agents * staffing))
    profiles = draw_agents(stream(seed, "traffic"), max(agents, head_count))
    pools = [_pool(p, i) for i, p in enumerate(profiles)]
    base = _roster(profiles[:agents], pools[:agents])
    roster = base if head_count == agents else _roster(profiles[:head_count], pools[:head_count])
    total_share = sum(q.share for q in DAY_QUEUES)
    queues: list[QueueSpec] = []
    for pool in _POOLS:
        mine = [q for q in DAY_QUEUES if q.channel == pool]
        supply = sum(a.capacity.get(pool, 0) * (a.shift_end - a.shift_start) for a in base)
        expected = contacts * sum(q.share for q in mine) / total_share
        slot_time = load * supply / max(expected, 1.0)
        share = sum(q.share for q in mine)
        mean_handle = sum(q.share * q.mean_handle for q in mine) / share
        mean_acw = sum(q.share * q.after_contact_work for q in mine) / share
        factor = max(slot_time - mean_acw, 1.0) / mean_handle
        queues.extend(replace(q, mean_handle=q.mean_handle * factor) for q in mine)
    order = {q.name: i for i, q in enumerate(DAY_QUEUES)}
    queues.sort(key=lambda q: order[q.name])
    return Scenario(f"day-{agents}x{staffing:g}", tuple(queues), tuple(roster), contacts, DAY)


def _roster(profiles: tuple[AgentProfile, ...], pools: list[str]) -> list[SimAgent]:
    roster = []
    for profile, pool, (start, end) in zip(profiles, pools, _shifts(pools, _DAY_PROFILE), strict=True):
        capacity = {"phone": 1, "chat": min(3, max(2, profile.channels.get("chat", 2))), "email": 3}[pool]
        languages = frozenset(profile.languages) | {lang for lang, skill in LANGUAGE_SKILLS.items()
                                                     if skill in profile.skills}
        roster.append(SimAgent(profile.agent_id, dict(profile.skills), languages, {pool: capacity}, start, end))
    return roster
