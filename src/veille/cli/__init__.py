"""The ``veille`` command: a thin layer over the library.

Each module named in :data:`veille.cli.commands.COMMANDS` has a
``register(app)`` function that adds its commands; built-in command groups
are registered like any other. A command's module is imported when the
command runs or its help is shown, not to list it (:mod:`veille.cli.commands`).

Nothing heavy is imported here: :func:`main` first notes a SIGTERM that
comes while the rest is imported (:mod:`veille.stopping`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def build_app() -> typer.Typer:
    import typer

    from veille.cli.root import root
    from veille.cli.usage import RootGroup

    app = typer.Typer(
        cls=RootGroup,  # typer's usage errors in the reader's language
        name="veille",
        help="Self-hosted social media listening and presence planning.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )
    app.callback()(root)  # the commands: RootGroup's (veille.cli.commands)
    return app


def main() -> None:
    from veille.stopping import catch_early, interrupted

    catch_early()  # before the imports: a supervisor may stop it during them
    try:
        build_app()(prog_name="veille")
    except KeyboardInterrupt:
        # Ctrl-C before a command runs (its code still loading) or outside
        # one's own handling: the commands' one line, not a traceback.
        interrupted()
