"""What the ``veille`` command itself does before any of its commands:
``--version``, each command's one-line summary, and SIGTERM handed to the
command (see :mod:`veille.stopping`)."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

#: The commands that stop cleanly (status 0) on SIGTERM and take the signal
#: over themselves: one that came while they started stops them at once.
STOP_ON_SIGTERM = frozenset({"run", "serve"})


def _show_version(value: bool) -> None:
    if value:
        from veille import __version__

        print(f"veille {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print veille's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    # What every command shares is an option of each (--workspace …); this
    # answers `veille --version` (a bug report, a script's log) and gives
    # SIGTERM back to a command that does not stop on it by itself.
    if ctx.invoked_subcommand not in STOP_ON_SIGTERM:
        from veille.stopping import hand_over

        hand_over()


def one_line_summaries(app: typer.Typer) -> None:
    """Each command's line in its group's list (``veille --help``) is the
    first paragraph of its docstring on one line: typer's rich mode kept the
    docstring's line breaks there, and the list read as ragged fragments."""
    for info in app.registered_commands:
        if info.short_help is None and info.help is None and info.callback is not None:
            first = (inspect.getdoc(info.callback) or "").split("\n\n")[0]
            info.short_help = " ".join(first.split()) or None
    for group in app.registered_groups:
        if group.typer_instance is not None:
            one_line_summaries(group.typer_instance)
