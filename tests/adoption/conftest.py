"""Fixtures of the adoption tests."""

from __future__ import annotations

import pytest

from tests.assist.test_migrations import empty_postgres  # noqa: F401 - a fixture, asked for by history_url


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request, tmp_path, postgres_server_url) -> str:
    """An empty database of each backend, for a test that migrates it to an old revision and writes history."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    return str(request.getfixturevalue("empty_postgres")())
