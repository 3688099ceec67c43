"""tests/stream/test_live.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_live import *  # noqa: F403
