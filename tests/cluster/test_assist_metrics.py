"""tests/assist/test_metrics.py on the Redis Cluster (see conftest.py)."""

from tests.assist.test_metrics import *  # noqa: F403
