"""tests/supervision/test_requests.py on the Redis Cluster (see conftest.py)."""

from tests.supervision.test_requests import *  # noqa: F403
