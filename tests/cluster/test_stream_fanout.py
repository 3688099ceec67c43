"""tests/stream/test_fanout.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_fanout import *  # noqa: F403
