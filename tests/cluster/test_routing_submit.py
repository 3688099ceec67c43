"""tests/routing/test_submit.py on the Redis Cluster (see conftest.py)."""

from tests.routing.test_submit import *  # noqa: F403
