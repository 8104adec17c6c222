"""Backends chosen by URL in veille.toml: the registry, the defaults, the old keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_post
from veille.config import CONFIG_NAME
from veille.errors import ConfigError
from veille.store import PostStore, StateStore, Store
from veille.store.registry import get_backend, registry
from veille.workspace import Workspace, init_workspace


def _workspace(tmp_path: Path, store_section: str) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / CONFIG_NAME).write_text(f"[store]\n{store_section}\n", encoding="utf-8")
    return root


def test_sqlite_is_registered_by_scheme() -> None:
    assert "sqlite" in registry()
    backend = get_backend("sqlite:///veille.db")
    assert backend.scheme == "sqlite"
    assert backend.roles == {"posts", "state"}


def test_default_is_one_sqlite_file_for_posts_and_state(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        assert isinstance(ws.posts, PostStore)
        assert isinstance(ws.state, StateStore)
        assert ws.posts is ws.state is ws.store
        assert isinstance(ws.store, Store)
        ws.posts.upsert_posts([make_post("1")])
    assert (root / "veille.db").is_file()


def test_urls_pick_the_file(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path, 'posts = "sqlite:///data/posts.db"\nstate = "sqlite:///data/posts.db"'
    )
    (root / "data").mkdir()
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts([make_post("1")])
        assert ws.posts is ws.state
    assert (root / "data" / "posts.db").is_file()
    assert not (root / "veille.db").exists()
    # An absolute path after sqlite:/// (four slashes in all).
    other = tmp_path / "elsewhere.db"
    root2 = tmp_path / "ws2"
    root2.mkdir()
    (root2 / CONFIG_NAME).write_text(
        f'[store]\nposts = "sqlite:///{other}"\nstate = "sqlite:///{other}"\n', encoding="utf-8"
    )
    with Workspace.open(root2) as ws:
        assert ws.posts.count_posts() == 0
    assert other.is_file()


def test_posts_and_state_in_two_files(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'posts = "sqlite:///posts.db"\nstate = "sqlite:///state.db"')
    with Workspace.open(root) as ws:
        assert ws.posts is not ws.state
        ws.posts.upsert_posts([make_post("1")])
        assert ws.posts.count_posts() == 1
        # Read through one object, each call goes to the store that keeps it...
        assert ws.store.count_posts() == 1
        assert ws.store.topics() == []
        # ...but code that needs both in one transaction says so plainly.
        with pytest.raises(ConfigError, match="posts and state in one store"):
            ws.store.transaction()


def test_old_backend_and_path_keys_keep_working(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'backend = "sqlite"\npath = "old.db"')
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([make_post("1")])
    assert (root / "old.db").is_file()
    root2 = tmp_path / "b"
    root2.mkdir()
    (root2 / CONFIG_NAME).write_text('[store]\nbackend = "clickhouse"\n', encoding="utf-8")
    with Workspace.open(root2) as ws, pytest.raises(ConfigError, match="not available"):
        _ = ws.posts


def test_unknown_scheme_names_the_nearest(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'posts = "sqlit:///x.db"\nstate = "sqlite:///x.db"')
    with Workspace.open(root) as ws, pytest.raises(ConfigError) as err:
        _ = ws.posts
    assert "sqlit://" in str(err.value)
    assert "sqlite" in (err.value.hint or "")


def test_a_url_without_scheme_is_refused(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'posts = "veille.db"\nstate = "veille.db"')
    with Workspace.open(root) as ws, pytest.raises(ConfigError, match="not a store URL"):
        _ = ws.state
