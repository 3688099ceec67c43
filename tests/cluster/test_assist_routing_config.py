"""tests/assist/test_routing_config.py on the Redis Cluster (see conftest.py)."""

from tests.assist.test_routing_config import *  # noqa: F403
