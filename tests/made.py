"""A workspace made once per test process and copied for each test: opening
a new workspace's database runs every migration (a third of a second of CPU,
most of many a test's time), while copying a made one takes a hundredth.

Conftests import the fixture to offer it to their tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from veille.workspace import Workspace, init_workspace


@pytest.fixture(scope="session")
def made_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new workspace as ``veille init`` leaves it, its database made."""
    root = init_workspace(tmp_path_factory.mktemp("made") / "ws")
    with Workspace.open(root) as ws:
        ws.store  # noqa: B018  # opening it creates and migrates the database
    return root


def copy_workspace(made: Path, to: Path) -> Path:
    """A workspace at ``to`` as ``init_workspace(to)`` makes it, its database
    opened once: a copy of ``made``."""
    shutil.copytree(made, to)
    return to.resolve()
