"""A workspace of imported rows made once a module and copied for each test:
making one runs ``veille init`` (every migration), an import and the set-up
commands, most of a short test's time, while a copy takes a hundredth.

A module's fixture calls :func:`made_once` (module scope) and each test's
fixture :func:`copied_run` on it, so that what a test writes stays its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.analytics.conftest import imported_workspace


def copy_whole(made: Path, to: Path) -> Path:
    """A copy at ``to`` of the workspace ``made`` (closed), its posts in
    SQLite or chDB, that shares nothing with it; returns ``to``."""
    # symlinks=True: chDB links its tables' folders by relative links, which
    # a copy must keep as links (copied as folders, chDB refuses to open).
    shutil.copytree(made, to, symlinks=True)
    # A chDB store is named by its absolute path: the copy's, not the made one's.
    config = to / "veille.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(made), str(to)), encoding="utf-8"
    )
    return to


def made_once(
    folder: Path, backend: str, rows: list[dict[str, object]], *setup: tuple[str, ...]
) -> Path:
    """:func:`~tests.analytics.conftest.imported_workspace` made in
    ``folder`` (as the current folder, no ``VEILLE_WORKSPACE``); its root."""
    with pytest.MonkeyPatch.context() as m:
        m.delenv("VEILLE_WORKSPACE", raising=False)
        m.chdir(folder)
        imported_workspace(backend, folder, rows, *setup)
    return folder / "ws"


def copied_run(made: Path, tmp_path: Path) -> Callable[..., str]:
    """``veille …`` in a copy of ``made`` at ``tmp_path / "ws"`` (the caller
    has made ``tmp_path`` the current folder): each call asserts success and
    returns the output, as ``imported_workspace``'s do."""
    from typer.testing import CliRunner

    from veille.cli import build_app

    copy_whole(made, tmp_path / "ws")
    app = build_app()

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, [*args, "-w", "ws"])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    return invoke
