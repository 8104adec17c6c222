"""The ``veille`` command: a thin layer over the library.

Each module listed in ``COMMAND_MODULES`` has a ``register(app)`` function that
adds its commands; built-in command groups are registered like any other.
"""

from __future__ import annotations

import importlib

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
    for name in COMMAND_MODULES:
        importlib.import_module(f"veille.cli.{name}").register(app)
    return app


def main() -> None:
    build_app()(prog_name="veille")
