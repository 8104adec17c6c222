"""What the ``veille`` command itself does before any of its commands:
``--version``, each command's one-line summary, and SIGTERM handed to the
command (see :mod:`veille.stopping`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer

#: The commands that stop cleanly (status 0) on SIGTERM and take the signal
#: over themselves, by their names from ``veille`` down: one that came while
#: they started stops them at once. A value names the flag without which
#: the command is a short one (``veille demo`` without ``--serve``): the
#: command gives the signal back itself (:func:`short_unless`), as the
#: callbacks here cannot see a command's options.
STOP_ON_SIGTERM: dict[tuple[str, ...], str | None] = {
    ("run",): None,
    ("serve",): None,
    ("demo",): "--serve",
    ("alert", "dispatch"): "--loop",
    ("store", "serve-posts"): None,
    ("sim",): None,
}


def sigterm_to(path: tuple[str, ...]) -> None:
    """SIGTERM given back to the command at ``path`` (``("alert",
    "dispatch")``) unless it may stop on it cleanly, or a group whose
    callback decides for its subcommand (``("alert",)``): the root's and
    the groups' callbacks call it, with the subcommand about to run."""
    if any(key[: len(path)] == path for key in STOP_ON_SIGTERM):
        return
    from veille.stopping import hand_over

    hand_over()


def short_unless(long_running: bool) -> None:
    """For a command of :data:`STOP_ON_SIGTERM` with a flag: without it
    (``long_running`` false) the command is a short one, and SIGTERM ends
    it as it ends any other (a SIGTERM noted while it started, now)."""
    if not long_running:
        from veille.stopping import hand_over

        hand_over()


def group_callback(name: str) -> Callable[[typer.Context], None]:
    """The callback of the command group ``name`` (``veille alert``): it
    gives SIGTERM back unless its subcommand stops on it cleanly."""

    def callback(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is not None:
            sigterm_to((name, ctx.invoked_subcommand))

    return callback


def _show_version(value: bool) -> None:
    if value:
        from veille import __version__

        print(f"veille {__version__}")
        raise typer.Exit()


#: ``veille --language`` as the command that runs was given it (``None``:
#: not given); set by :func:`root` at each invocation, read by
#: :func:`veille.cli.reader.cli_language`.
language_given: str | None = None


class Language(StrEnum):
    en = "en"
    fr = "fr"


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
    language: Annotated[
        Language | None,
        typer.Option(
            "--language",
            help="The language veille's errors and notices are said in (default: the "
            "workspace's ui_language where veille.toml sets it, else the locale: LC_ALL, "
            "LC_MESSAGES, LANG; fr_* is French, any other English).",
            case_sensitive=False,
        ),
    ] = None,
) -> None:
    # What every command shares is an option of each (--workspace …); this
    # answers `veille --version` (a bug report, a script's log), keeps the
    # reader's --language for the command (veille.cli.reader.cli_language)
    # and gives SIGTERM back to a command that does not stop on it by itself.
    global language_given
    language_given = language.value if language is not None else None
    if ctx.invoked_subcommand is not None:
        sigterm_to((ctx.invoked_subcommand,))


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
