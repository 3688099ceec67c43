"""The agent roster: skills with proficiency, languages, channel capacity and refund authority.

The same profiles feed the history (who handled a contact, with which refund limit), the demo data
and the traffic simulation (which turns them into routing ``AgentState`` records).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.world.names import person_name

__all__ = ["LANGUAGE_SKILLS", "SKILLS", "AgentProfile", "draw_agents"]

SKILLS: tuple[str, ...] = ("billing", "technical", "retention", "complaints", "sales")
LANGUAGE_SKILLS: dict[str, str] = {"es": "spanish", "fr": "french", "de": "german"}
"""Speaking a language other than English is also a routable skill with its own proficiency."""


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """One agent. ``channels`` maps channel -> how many contacts of it the agent may hold at once."""

    agent_id: str
    name: str
    role: str
    skills: dict[str, int]
    languages: tuple[str, ...]
    channels: dict[str, int]
    refund_limit: float
    team: str = "default"


def _skills(rng: np.random.Generator, primary: str) -> dict[str, int]:
    skills = {primary: int(rng.integers(3, 6))}
    others = [s for s in SKILLS if s != primary]
    for skill in rng.choice(others, size=int(rng.integers(1, 4)), replace=False):
        skills[str(skill)] = int(rng.integers(1, 5))
    return skills


def _channels(rng: np.random.Generator) -> dict[str, int]:
    channels: dict[str, int] = {}
    if rng.random() < 0.85:
        channels["phone"] = 1
    if rng.random() < 0.7 or not channels:
        channels["chat"] = int(rng.integers(2, 5))
    if rng.random() < 0.5:
        channels["email"] = int(rng.integers(3, 6))
    return channels


def draw_agents(rng: np.random.Generator, n: int, supervisor_every: int = 6) -> tuple[AgentProfile, ...]:
    """``n`` agents ``A1``..``An``; every ``supervisor_every``-th (A6, A12, ...) is a supervisor.

    Primary skills rotate through ``SKILLS`` so every skill is covered once n >= 5; supervisors hold
    every skill and a refund limit of 500, agents 50 or 100 (the senior ones). Raises ValueError if n < 1.
    """
    if n < 1:
        raise ValueError("a roster needs at least one agent")
    agents = []
    for i in range(1, n + 1):
        supervisor = i % supervisor_every == 0
        languages = ["en"] if rng.random() < 0.95 else []
        for lang, share in (("es", 0.25), ("fr", 0.08), ("de", 0.06)):
            if rng.random() < share:
                languages.append(lang)
        if not languages:
            languages.append("es")
        if supervisor:
            skills = {s: int(rng.integers(3, 6)) for s in SKILLS}
        else:
            skills = _skills(rng, SKILLS[(i - 1) % len(SKILLS)])
        for lang in languages:
            if lang in LANGUAGE_SKILLS:
                skills[LANGUAGE_SKILLS[lang]] = int(rng.integers(3, 6))
        senior = rng.random() < 0.3
        agents.append(AgentProfile(
            agent_id=f"A{i}", name=person_name(rng, languages[0]).full,
            role="supervisor" if supervisor else "agent", skills=skills, languages=tuple(languages),
            channels=_channels(rng), refund_limit=500.0 if supervisor else (100.0 if senior else 50.0),
            team=f"team-{(i - 1) // supervisor_every + 1}",
        ))
    return tuple(agents)
