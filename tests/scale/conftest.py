"""Workspaces whose posts and state are two backends (posts in SQLite or
chDB, state in the session's PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from veille.config import CONFIG_NAME
from veille.workspace import Workspace


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


@pytest.fixture
def split_ws(tmp_path: Path, state_url: str) -> Iterator[Workspace]:
    with Workspace.open(split_root(tmp_path / "ws", state_url)) as ws:
        yield ws
