"""``postgresql://user@host:port/db``: the state on PostgreSQL (role ``state``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Set by the test session (tests/conftest.py) or by CI (.ci/run): a server
# the contract suites may create schemas in.
TEST_URL_ENV = "VEILLE_TEST_POSTGRES_URL"


class PostgresBackend:
    """Registered under the ``postgresql`` scheme (see :mod:`veille.store.registry`)."""

    scheme = "postgresql"
    roles = frozenset({"state"})

    def open(self, url: str, *, root: Path) -> Any:
        from veille.store.postgres.store import PostgresStore

        return PostgresStore.open(url)

    def test_url(self, folder: Path) -> str | None:
        """A fresh, empty schema on the test server (``None`` when there is none)."""
        base = os.environ.get(TEST_URL_ENV)
        if not base:
            return None
        from veille.store.postgres.testing import fresh_schema_url

        return fresh_schema_url(base, folder)
