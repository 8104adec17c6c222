"""A workspace with its posts in chDB or on a ClickHouse server, and its state in
SQLite, chosen in veille.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import clickhouse_posts_url, make_post
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


def test_posts_on_a_clickhouse_server(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """``[store] posts = "clickhouse://…"``: the posts on a server over HTTP
    (the session's, see tests/conftest.py), folded words found as in chDB."""
    root = tmp_path / "ws"
    root.mkdir()
    url = clickhouse_posts_url("clickhouse", tmp_path, request)
    (root / CONFIG_NAME).write_text(
        f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
    )
    with Workspace.open(root) as ws:
        assert type(ws.posts).__name__ == "ClickHouseStore"
        assert ws.posts.upsert_posts([make_post("1", "L'Été à Montréal")]).inserted == 1
        assert ws.posts.upsert_posts([make_post("1", "L'Été à Montréal")]).inserted == 0
        assert [p.id for p in ws.posts.search("ete montreal")] == ["mastodon:1"]
    with Workspace.open(root) as ws:  # a second process would see the same
        assert ws.posts.count_posts() == 1


def test_a_clickhouse_server_that_does_not_answer_is_named(tmp_path: Path) -> None:
    import socket

    from veille.errors import StoreError
    from veille.store.registry import open_store

    pytest.importorskip("clickhouse_connect")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nothing listens once closed
    with pytest.raises(StoreError, match=f"cannot reach ClickHouse at 127.0.0.1:{port}") as err:
        open_store(f"clickhouse://127.0.0.1:{port}/veille", role="posts", root=tmp_path)
    assert "[store] posts" in (err.value.hint or "")
