"""tests/assist/test_rate_limits.py on the Redis Cluster (see conftest.py)."""

from tests.assist.test_rate_limits import *  # noqa: F403
