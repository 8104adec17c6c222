"""A workspace with its posts in chDB and its state in SQLite, chosen in veille.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_post
from veille.config import CONFIG_NAME
from veille.errors import ConfigError
from veille.store import PostStore, StateStore
from veille.workspace import Workspace

pytest.importorskip("chdb")


def test_posts_in_chdb_state_in_sqlite(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / CONFIG_NAME).write_text(
        '[store]\nposts = "chdb:///posts.chdb"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
    )
    with Workspace.open(root) as ws:
        assert isinstance(ws.posts, PostStore) and isinstance(ws.state, StateStore)
        assert type(ws.posts).__name__ == "ClickHouseStore"
        assert ws.posts.upsert_posts([make_post("1", "bonjour Montréal")]).inserted == 1
        assert [p.id for p in ws.posts.search("montreal")] == ["mastodon:1"]
        # Through the joined view, posts calls reach chDB; a transaction over
        # both is refused by name.
        assert [p.id for p in ws.store.search("montreal")] == ["mastodon:1"]
        with pytest.raises(ConfigError, match="one store"):
            ws.store.transaction()
    assert (root / "posts.chdb").is_dir()


def test_chdb_cannot_keep_the_state(tmp_path: Path) -> None:
    from veille.store.registry import open_store

    with pytest.raises(ConfigError, match="does not keep state"):
        open_store("chdb:///x.chdb", role="state", root=tmp_path)
    with pytest.raises(ConfigError, match="names no folder"):
        open_store("chdb:///", role="posts", root=tmp_path)
