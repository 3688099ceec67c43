"""tests/routing/test_api.py on the Redis Cluster (see conftest.py)."""

from tests.routing.test_api import *  # noqa: F403
