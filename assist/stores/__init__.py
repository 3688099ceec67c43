"""Connections to the two stores: Redis (live state, streams, pub/sub) and SQL (records)."""
