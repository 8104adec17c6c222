"""Shared fixtures: workspaces in temporary folders, posts built by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from veille.models import Author, Engagement, Post
from veille.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def make_post(native_id: str = "1", text: str = "hello", **kw: Any) -> Post:
    """A post with sensible defaults; any field can be given."""
    kw.setdefault("platform", "mastodon")
    kw.setdefault("published_at", datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    kw.setdefault("author", Author("alice", followers=100))
    likes = kw.pop("likes", 0)
    kw.setdefault("engagement", Engagement(likes=likes))
    return Post.create(native_id=native_id, text=text, **kw)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        yield ws


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (reference data ships only with the dev setup)")
    return SHARED_DATA
