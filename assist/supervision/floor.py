"""The live floor: per queue service level, speed of answer, abandonment; occupancy; agents and their contacts.

Queue figures come from routing's floor log (each contact answered or abandoned, with its arrival) and the
contacts still waiting, over a recent window, computed by the simulator's own ``figures`` so that the floor
and a traffic run mean the same thing (``simulator.traffic.report``: service level over every contact offered,
abandoned and still-waiting ones counting as misses; ASA over answered contacts). A contact that arrived in
the window counts once it is answered, abandoned, or waiting; one ringing at an agent right now counts when
it settles.

Occupancy is the report's ratio, slot-seconds worked over staffed seconds, taken over the present instant:
each staffed agent (any status but away) works the share of their slots in use (load over capacity, per
channel), and the floor's occupancy is the sum over the number staffed. Each queue's occupancy restricts both
sides to the queue (``assist.supervision.occupancy``, where the sharing of agents between queues is explained).
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sqlmodel import select

from assist.journeys.state import JourneyState
from assist.journeys.store import JourneyStore
from assist.sessions.state import SessionStore
from assist.stores.sql import Database
from assist.stores.tables import Agent
from assist.supervision.occupancy import queue_occupancy, queue_work
from assist.supervision.schemas import AgentContact, AgentOnFloor, FloorView, QueueOnFloor
from routing.engine import AgentState
from routing.service import RoutingService

__all__ = ["agent_occupancy", "floor_view", "natural_key", "open_contacts", "queue_figures"]

FLOOR_LOG_LIMIT = 50_000
CLOCK_SLACK_SECONDS = 60.0
"""The floor log is read from the window's start by Redis's clock; this covers a service clock that differs."""


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that counts as people do: "A2" before "A10"."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def queue_figures(log: Iterable[Mapping[str, Any]], waiting: Mapping[str, Sequence[float]], now: float,
                  window_seconds: float, sl_seconds: float, queues: Iterable[str] = ()) -> list[QueueOnFloor]:
    """Each queue's figures for the contacts that arrived in the last ``window_seconds``: ``log`` holds
    answered and abandoned contacts (``queue``, ``arrived``, ``outcome``, ``at``), ``waiting`` each queue's
    waiting contacts' arrival times. ``queues`` are reported even when nothing arrived."""
    from simulator.traffic.report import figures  # the simulator's package costs ~0.1 s to import: on first use

    since = now - window_seconds
    rows: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    nan = float("nan")
    for entry in log:
        if entry["arrived"] >= since:
            at = float(entry["at"])
            rows[entry["queue"]].append((entry["arrived"], at if entry["outcome"] == "answered" else nan,
                                         at if entry["outcome"] == "abandoned" else nan))
    for queue, arrivals in waiting.items():
        rows[queue] += [(a, nan, nan) for a in arrivals if a >= since]
    out = []
    for queue in sorted({*rows, *queues, *waiting}, key=natural_key):
        table = np.array(rows.get(queue) or np.empty((0, 3)), dtype=float).reshape(-1, 3)
        f = figures(table[:, 0], table[:, 1], table[:, 2], np.zeros(len(table)), sl_seconds)
        waits = [now - a for a in waiting.get(queue, ())]
        out.append(QueueOnFloor(queue=queue, offered=f.offered, answered=f.answered, abandoned=f.abandoned,
                                waiting=len(waiting.get(queue, ())), service_level=_number(f.service_level_all),
                                service_level_answered=_number(f.service_level_answered),
                                asa_seconds=_number(f.asa), abandonment=_number(f.p_abandon),
                                longest_wait_seconds=max(waits) if waits else None))
    return out


def agent_occupancy(agent: AgentState) -> float:
    """The share of the agent's slots in use now (each contact over the capacity of its channel), at most 1."""
    used = sum(agent.load.get(ch, 0) / cap for ch, cap in agent.capacity.items() if cap > 0)
    return min(1.0, used)


def floor_occupancy(agents: Iterable[AgentState]) -> tuple[float | None, int]:
    """The floor's occupancy now and how many agents are staffed (any status but away)."""
    from simulator.traffic.report import occupancy

    staffed = [a for a in agents if a.status != "away"]
    return _number(occupancy(sum(agent_occupancy(a) for a in staffed), float(len(staffed)))), len(staffed)


async def floor_view(routing: RoutingService, db: Database, sessions: SessionStore, journeys: JourneyStore,
                     window_seconds: float = 3600.0, sl_seconds: float = 20.0) -> FloorView:
    """The floor as it is now (see the module docstring)."""
    now = routing.clock()
    queues = sorted(routing.config.policies)
    waiting = {}
    for queue in queues:
        snapshot = await routing.queue_snapshot(queue, limit=1000)
        waiting[queue] = [now - w["waited_seconds"] for w in snapshot["waiting"]]
    log = await routing.store.floor_log(time.time() - window_seconds - CLOCK_SLACK_SECONDS, FLOOR_LOG_LIMIT)
    routed = {a.agent_id: a for a in routing.agents.page(0, 100_000)}
    async with db.session() as s:
        people = {a.id: a for a in (await s.exec(select(Agent).where(Agent.active == True))).all()}  # noqa: E712
    occupancy_now, staffed = floor_occupancy(routed.values())
    figures = queue_figures(log, waiting, now, window_seconds, sl_seconds, queues)
    per_queue = queue_occupancy([q.queue for q in figures], routing.config.policies, routed.values(),
                                await queue_work(routing.store, sorted(routed)))
    figures = [q.model_copy(update=dict(zip(("occupancy", "staffed"), per_queue[q.queue], strict=True)))
               for q in figures]
    contacts = await open_contacts(sorted({*routed, *people}), sessions, journeys)
    agents = [_agent(agent_id, routed.get(agent_id), people.get(agent_id), contacts.get(agent_id, []))
              for agent_id in {*routed, *people}]
    agents.sort(key=lambda a: (natural_key(a.name), natural_key(a.agent_id)))
    return FloorView(at=time.time(), window_seconds=window_seconds, sl_seconds=sl_seconds,
                     occupancy=occupancy_now, staffed=staffed,
                     queues=figures, agents=agents)


async def open_contacts(agent_ids: Sequence[str], sessions: SessionStore,
                        journeys: JourneyStore) -> dict[str, list[AgentContact]]:
    """Each agent's open contacts with the customer's sentiment, in three round trips whatever the number of
    agents (their session sets, the sessions, the journeys): one read per agent made a 200-agent floor cost
    over a second. A journey whose live state expired shows no sentiment rather than being read from SQL."""
    replies = await sessions.commands.send([sessions.agent_sessions_cmd(a) for a in agent_ids])
    owned = [(agent_id, str(session_id)) for agent_id, ids in zip(agent_ids, replies, strict=True)
             if not isinstance(ids, Exception) for session_id in sorted(ids)]
    raw = await sessions.commands.send([sessions.get_cmd(session_id) for _, session_id in owned]) if owned else []
    states = [state for reply in raw if not isinstance(reply, Exception)
              and (state := sessions.parse(reply)) is not None and state.status == "open"]
    read = await journeys.commands.send([journeys.read_cmd(s.journey_id or "") for s in states]) if states else []
    out: dict[str, list[AgentContact]] = defaultdict(list)
    for state, reply in zip(states, read, strict=True):
        mood = None
        if not isinstance(reply, Exception) and reply[1]:
            turns = JourneyState.model_validate_json(reply[1]).transcript
            latest = next((t for t in reversed(turns) if t.speaker == "customer" and t.text), None)
            mood = round(latest.mood(), 2) if latest is not None else None  # scored once, when it was said
        out[state.agent_id].append(AgentContact(
            session_id=state.id, channel=state.channel, reason=state.reason, practice=state.practice,
            since=state.opened_at, sentiment=mood))
    return out


def _agent(agent_id: str, routed: AgentState | None, person: Agent | None,
           contacts: list[AgentContact]) -> AgentOnFloor:
    return AgentOnFloor(agent_id=agent_id, name=person.name if person else agent_id,
                        team=person.team if person else None,
                        status=str(routed.status) if routed else "not_routed",
                        status_since=routed.status_since if routed else None,
                        occupancy=agent_occupancy(routed) if routed else None, contacts=contacts)
