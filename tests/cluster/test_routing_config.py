"""tests/routing/test_config.py on the Redis Cluster (see conftest.py)."""

from tests.routing.test_config import *  # noqa: F403
