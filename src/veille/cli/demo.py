"""``veille demo``: a populated workspace from the simulator, a tour of it,
and (with ``--serve``, as ``make demo`` does) the web app over it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import console, handle_errors, say_stopped, speaker
from veille.cli.reader import cli_language
from veille.errors import tr


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def demo(
        directory: Annotated[Path, typer.Argument(help="Folder of the demo workspace.")] = Path(
            "demo-workspace"
        ),
        seed: Annotated[int, typer.Option(help="Seed of the generated world.")] = 42,
        days: Annotated[int, typer.Option(min=7, max=365, help="Days of history generated.")] = 60,
        serve: Annotated[
            bool,
            typer.Option(
                "--serve/--no-serve",
                help="Then start the web app on 127.0.0.1:8000 (or the next free port) "
                "with a demo admin login, until Ctrl-C.",
            ),
        ] = False,
        port: Annotated[int, typer.Option(min=0, max=65535, help="Web app port.")] = 8000,
    ) -> None:
        """Create a demo workspace from the built-in simulator and show what is in it."""
        from veille.cli.root import short_unless
        from veille.demo import build_demo

        # With --serve it runs until stopped: a SIGTERM that comes while it
        # starts stops it at once, before it builds anything (a supervisor's
        # stop is met at once, not after the seconds a demo takes to build;
        # Docker kills what has not stopped within 10 s); one
        # that comes while it builds stops it once the workspace is built,
        # never half made (status 0 either way).
        short_unless(serve)

        if serve:
            import signal

            from veille.stopping import stopped_early

            if stopped_early(signal.getsignal(signal.SIGTERM)):
                say_stopped(directory)
                return
            from veille.analytics.chart_fonts import prefer_shipped_sans

            prefer_shipped_sans()  # before any thread: the web app's charts drawn faster
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        lang = cli_language(directory)
        summary = build_demo(directory, seed=seed, days=days, end=now, lang=lang)
        from veille.demo import demo_account
        from veille.workspace import Workspace

        # Its login, served or not: the inbox items and the plan it tours
        # name it (items given to demo, demo as spokesperson), and
        # `veille serve` on a workspace without one asked to make a first
        # admin, the tour's /inbox and /plan then out of reach as it said them.
        with Workspace.open(directory) as ws:
            username, password = demo_account(ws)
            root = ws.root
        say = speaker(lang)
        out = console()
        for line in summary:
            out.print(say(line), soft_wrap=True)
        if not serve:
            out.print(say(tr("In the web app, sign in as [bold]%(user)s[/] with the password "
                             "[bold]%(password)s[/] (a new one each time the demo is built).",
                             user=username, password=password)), soft_wrap=True)  # fmt: skip
            return
        from veille.web.serve import run

        def announce(url: str, _app_ws: object) -> None:
            out.print("")
            out.print(say(tr("Web app: [bold]%(url)s[/]  (stop with Ctrl-C)", url=url)))
            out.print(say(tr("Sign in as [bold]%(user)s[/] with the password [bold]%(password)s[/]",
                             user=username, password=password)))  # fmt: skip
            out.print(say(tr("(a new password is made each time the demo starts)")))

        run(
            root, host="127.0.0.1", port=port, tries=20, announce=announce, log_level="warning"
        )  # fmt: skip
        say_stopped(root)
