"""tests/stream/test_transfers.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_transfers import *  # noqa: F403
