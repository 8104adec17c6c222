"""Workspaces whose posts and state are two backends (posts in SQLite, chDB
or a ClickHouse server over HTTP, state in the session's PostgreSQL)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from veille.config import CONFIG_NAME
from veille.workspace import Workspace

if TYPE_CHECKING:
    from veille.store.postgres.testing import TestServer


def split_root(folder: Path, state_url: str, posts_url: str = "sqlite:///posts.db") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_NAME).write_text(
        f'[store]\nposts = "{posts_url}"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    return folder


@pytest.fixture
def state_url(postgres_url: str, tmp_path: Path) -> str:
    """A fresh schema on the session's PostgreSQL."""
    from veille.store.postgres.testing import fresh_schema_url

    return fresh_schema_url(postgres_url, tmp_path)


def _chdb() -> bool:
    try:
        import chdb  # noqa: F401
    except ImportError:
        return False
    return True


POST_URLS = [
    pytest.param("sqlite:///posts.db", id="sqlite-posts"),
    pytest.param(
        "chdb:///posts",
        id="chdb-posts",
        marks=pytest.mark.skipif(not _chdb(), reason="chdb is not installed"),
    ),
    # A ClickHouse server over HTTP (the session's: tests/conftest.py), as
    # production keeps them.
    pytest.param(
        "clickhouse",
        id="clickhouse-posts",
        marks=pytest.mark.skipif(not _chdb(), reason="chdb is not installed"),
    ),
]


def posts_url_of(param: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a :data:`POST_URLS` parameter (``clickhouse``: a fresh
    database on the session's server)."""
    from tests.conftest import clickhouse_posts_url

    return param if param != "clickhouse" else clickhouse_posts_url(param, folder, request)


@pytest.fixture(params=POST_URLS)
def split_ws(request: pytest.FixtureRequest, tmp_path: Path, state_url: str) -> Iterator[Workspace]:
    """Posts in SQLite, chDB or a ClickHouse server, state in PostgreSQL."""
    posts_url = posts_url_of(request.param, tmp_path, request)
    with Workspace.open(split_root(tmp_path / "ws", state_url, posts_url)) as ws:
        yield ws


@contextlib.contextmanager
def started_pair(*, synchronous: bool = True) -> Iterator[tuple[TestServer, TestServer]]:
    """A primary (durable: each commit written and sent to the replica) and
    its streaming replica, on loopback ports; skipped where Debian's
    PostgreSQL or pg_basebackup is missing. ``synchronous``: the primary's
    commits wait for the replica; else they do not (an asynchronous replica,
    which may lose the last commits)."""
    from veille.store.postgres.testing import TestServer, find_binary, missing_reason

    reason = missing_reason()
    if reason is None and find_binary("pg_basebackup") is None:
        reason = "pg_basebackup not found (apt-get install postgresql)"
    if reason is not None:
        pytest.skip(reason)
    primary = TestServer(durable=True).start()
    replica = None
    try:
        replica = primary.standby(synchronous=synchronous)
        yield primary, replica
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()


@pytest.fixture(scope="module")
def failover_pair() -> Iterator[tuple[TestServer, TestServer]]:
    """:func:`started_pair`, one a module: a failover test SIGKILLs the
    primary and promotes the replica, so no other module may see them."""
    with started_pair() as pair:
        yield pair


@pytest.fixture
def async_pair() -> Iterator[tuple[TestServer, TestServer]]:
    """A primary and its asynchronous streaming replica (:func:`started_pair`),
    one pair per test: the primary's commits do not wait for the replica."""
    with started_pair(synchronous=False) as pair:
        yield pair
