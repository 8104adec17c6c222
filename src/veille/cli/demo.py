"""``veille demo``: a populated workspace from the simulator, and a tour of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import console, handle_errors


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def demo(
        directory: Annotated[Path, typer.Argument(help="Folder of the demo workspace.")] = Path(
            "demo-workspace"
        ),
        seed: Annotated[int, typer.Option(help="Seed of the generated world.")] = 42,
        days: Annotated[int, typer.Option(min=7, max=365)] = 60,
    ) -> None:
        """Create a demo workspace from the built-in simulator and show what is in it."""
        from veille.demo import build_demo

        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        summary = build_demo(directory, seed=seed, days=days, end=now)
        out = console()
        for line in summary:
            out.print(line, soft_wrap=True)
