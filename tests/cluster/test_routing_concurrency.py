"""tests/routing/test_concurrency.py on the Redis Cluster (see conftest.py)."""

from tests.routing.test_concurrency import *  # noqa: F403
