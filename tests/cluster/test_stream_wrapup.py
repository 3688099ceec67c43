"""tests/stream/test_wrapup.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_wrapup import *  # noqa: F403
