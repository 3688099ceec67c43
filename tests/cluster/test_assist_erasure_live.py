"""tests/assist/test_erasure_live.py on the Redis Cluster (see conftest.py)."""

from tests.assist.test_erasure_live import *  # noqa: F403
