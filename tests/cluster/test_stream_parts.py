"""tests/stream/test_parts.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_parts import *  # noqa: F403
