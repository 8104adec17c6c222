"""The ``veille`` command: a thin layer over the library.

Each module listed in ``COMMAND_MODULES`` has a ``register(app)`` function that
adds its commands; built-in command groups are registered like any other.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Annotated

import typer

COMMAND_MODULES: tuple[str, ...] = (
    "core", "demo", "enrich", "query", "topic", "sources", "alerts", "analytics", "privacy",
    "plan", "draft", "publish", "calendar", "inbox",
    "users", "serve", "store",
)  # fmt: skip


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="veille",
        help="Self-hosted social media listening and presence planning.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )
    app.callback()(_root)
    for name in COMMAND_MODULES:
        importlib.import_module(f"veille.cli.{name}").register(app)
    _one_line_summaries(app)
    return app


def _show_version(value: bool) -> None:
    if value:
        from veille import __version__

        print(f"veille {__version__}")
        raise typer.Exit()


def _root(
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
    # only answers `veille --version` (a bug report, a script's log).
    pass


def _one_line_summaries(app: typer.Typer) -> None:
    """Each command's line in its group's list (``veille --help``) is the
    first paragraph of its docstring on one line: typer's rich mode kept the
    docstring's line breaks there, and the list read as ragged fragments."""
    for info in app.registered_commands:
        if info.short_help is None and info.help is None and info.callback is not None:
            first = (inspect.getdoc(info.callback) or "").split("\n\n")[0]
            info.short_help = " ".join(first.split()) or None
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


def main() -> None:
    build_app()(prog_name="veille")
