"""The stream, routing and session tests once more, on a real local three-master Redis Cluster.

Each module here imports the tests of one module elsewhere; ``redis_url`` is overridden to the run's cluster
(``redis_cluster_url``, started once for the session), so every store, app and live server of those tests
talks to the cluster through the ``redis+cluster://`` URL, as a deployment would. Between them they run every
Lua script (routing's, the outbox append, the live commit's per-key path, the prompt journal, erasure, rate
limits), every MULTI (session claim, outbox read, the routing configuration's version) and every pub/sub
(fan-out across workers, routing's agent feed), through stores, in-process apps and uvicorn processes;
``test_slots.py`` checks what only a cluster has. A test marked ``single_node`` checks what only one
server can do (a script across hash tags, a NUMSUB count) and is skipped here.
"""

from __future__ import annotations

import pytest

from tests.routing.conftest import clock, key, make_service, prefix, redis_client, service  # noqa: F401


@pytest.fixture(scope="session")
def redis_url(redis_cluster_url: str) -> str:
    return redis_cluster_url


@pytest.fixture(autouse=True)
def _skip_single_node_behaviour(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("single_node") is not None:
        pytest.skip("checks one Redis server's behaviour (a script across hash tags, NUMSUB): not a cluster's")
