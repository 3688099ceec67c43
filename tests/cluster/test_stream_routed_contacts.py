"""tests/stream/test_routed_contacts.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_routed_contacts import *  # noqa: F403
