"""tests/stream/test_conversation_indicators.py on the Redis Cluster (see conftest.py)."""

from tests.stream.test_conversation_indicators import *  # noqa: F403
