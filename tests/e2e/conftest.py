"""Fixtures the command-line tests share."""

import pytest

from tests.e2e.helpers import scli


@pytest.fixture
def ready(database_url: str) -> str:
    """A database on which `scli init-db` has run."""
    assert scli(database_url, "init-db").exit_code == 0
    return database_url
