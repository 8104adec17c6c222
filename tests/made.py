"""What tests make once per test process and copy for each test: a
workspace or a store holding data (posts stored, topics filed), which takes
far longer to make again than to copy.

A plain new store or workspace is not copied: its database is made at the
newest schema at once (``veille.store.sqlite.newest``), about as fast as a
copy; a test opens a new one. (``memory_store`` in ``tests/conftest.py``
copies the pages of an in-memory store instead, for the property tests that
want one per example: that copy is a few times faster still.)

Conftests import the fixture to offer it to their tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from veille.store.sqlite import SQLiteStore
from veille.workspace import Workspace, init_workspace


@pytest.fixture(scope="session")
def made_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new workspace as ``veille init`` leaves it, its database made: to
    copy once data is added (see ``tests/plan/conftest.py``)."""
    root = init_workspace(tmp_path_factory.mktemp("made") / "ws")
    with Workspace.open(root) as ws:
        ws.store  # noqa: B018  # opening it creates the database
    return root


def copy_workspace(made: Path, to: Path) -> Path:
    """A workspace at ``to``, a copy of the one made once at ``made``
    (closed), its posts in SQLite or chDB, sharing nothing with it; its root."""
    # symlinks=True: chDB links its tables' folders by relative links, which
    # a copy must keep as links (copied as folders, chDB refuses to open).
    # veille.toml is copied as it is: a chDB folder in the workspace is
    # named relative to it (chdb:///posts.chdb), as veille names it.
    shutil.copytree(made, to, symlinks=True)
    return to.resolve()


def copy_store(made: Path, to: Path) -> SQLiteStore:
    """The SQLite store at ``to``, opened, a copy of the database file made
    once at ``made`` (closed)."""
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made, to)
    return SQLiteStore.open(to)
