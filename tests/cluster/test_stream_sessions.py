"""tests/stream/test_sessions.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_sessions import *  # noqa: F403
