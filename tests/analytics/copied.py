"""A workspace of imported rows made once a module and copied for each test:
making one runs ``veille init`` (every migration), an import and the set-up
commands, most of a short test's time, while a copy takes a hundredth.

A module's fixture calls :func:`made_once` (module scope) and each test's
fixture :func:`copied_run` on it, so that what a test writes stays its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.analytics.conftest import imported_workspace
from tests.cli_runner import CliRunner, veille_command
from tests.made import copy_workspace


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
    copy_workspace(made, tmp_path / "ws")
    app = veille_command()

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, [*args, "-w", "ws"])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    return invoke
