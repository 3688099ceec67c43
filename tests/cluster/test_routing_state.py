"""tests/routing/test_state.py on the Redis Cluster (see conftest.py)."""

from tests.routing.test_state import *  # noqa: F403
