"""Shared, session-scoped worlds and histories: drawing them is deterministic, so tests can share."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.world import World, generate_history, generate_world


@pytest.fixture(scope="session")
def world() -> World:
    return generate_world(11, n_customers=5_000, n_agents=40)


@pytest.fixture(scope="session")
def history(world: World) -> pd.DataFrame:
    return generate_history(world, 20_000)
