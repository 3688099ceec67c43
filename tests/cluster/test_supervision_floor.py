"""tests/supervision/test_floor.py on the Redis Cluster (see conftest.py)."""

from tests.supervision.test_floor import *  # noqa: F403
