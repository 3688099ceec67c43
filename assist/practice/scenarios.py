"""Where the service finds a scenario: the shipped library first, then the ones trainers built (SQL)."""

from __future__ import annotations

from collections.abc import Sequence

from assist.practice import repository as repo
from assist.stores.sql import Database
from simulator.practice import SCENARIOS, Scenario
from simulator.practice.scenario import scenario_from_dict

__all__ = ["load_scenario", "load_scenarios"]


async def load_scenarios(db: Database, names: Sequence[str] | None = None) -> dict[str, Scenario]:
    """The scenarios called ``names`` that exist (every one when ``names`` is None), library ones first."""
    found = {n: s for n, s in SCENARIOS.items() if names is None or n in names}
    wanted = None if names is None else [n for n in names if n not in SCENARIOS]
    if wanted is None or wanted:
        async with db.session() as s:
            rows = await repo.custom_scenarios(s, wanted)
        found |= {row.name: scenario_from_dict(row.data or {}) for row in rows}
    return found


async def load_scenario(db: Database, name: str) -> Scenario:
    """The scenario called ``name``; raises KeyError when there is none."""
    found = await load_scenarios(db, [name])
    if name not in found:
        raise KeyError(f"unknown scenario {name!r}")
    return found[name]
