"""tests/stream/test_records.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_records import *  # noqa: F403
