"""tests/assist/test_health.py on the Redis Cluster (see conftest.py)."""

from tests.assist.test_health import *  # noqa: F403
