"""tests/stream/test_continuity.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_continuity import *  # noqa: F403
