"""``veille serve``: the web app on this machine (uvicorn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from veille.cli.common import (
    WorkspaceOpt,
    cli_language,
    configure_logging,
    console,
    handle_errors,
    open_workspace,
    say_stopped,
    speaker,
)
from veille.errors import tr

HOST_HELP = (
    "Address to listen on (127.0.0.1: this machine only). "
    "Default: \\[web] host in veille.toml, else 127.0.0.1."
)
PORT_HELP = "Port (0: any free one). Default: \\[web] port in veille.toml, else 8000."


def host_option(text: str = HOST_HELP) -> Any:
    return typer.Option(help=text, show_default=False)


def port_option(text: str = PORT_HELP) -> Any:
    return typer.Option(min=0, max=65535, help=text, show_default=False)


HostOpt = Annotated[str | None, host_option()]
PortOpt = Annotated[int | None, port_option()]
# `veille run`'s, which listens with --serve only.
ServeHostOpt = Annotated[str | None, host_option("With --serve: the web app's. " + HOST_HELP)]
ServePortOpt = Annotated[int | None, port_option("With --serve: the web app's. " + PORT_HELP)]


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def serve(
        host: HostOpt = None,
        port: PortOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Serve the web app and the REST API (stop with Ctrl-C)."""
        from veille.analytics.chart_fonts import prefer_shipped_sans
        from veille.web.serve import run

        configure_logging()
        prefer_shipped_sans()  # before any thread (a pool's, chDB's): the charts drawn faster
        with open_workspace(workspace) as ws:
            root = ws.root
            say = speaker(cli_language(root))
            console().print(say(tr("veille web app for %(path)s", path=str(root))), markup=False)
            host, port, announce = web_address(ws, host, port)
        run(root, host=host, port=port, announce=announce)
        say_stopped(root)


def web_address(
    ws: Any, host: str | None, port: int | None
) -> tuple[str, int, Callable[[str, Any], None]]:
    """Where the web app listens (the options, else veille.toml's ``[web]``
    host and port) and what is said once it does (``veille serve``,
    ``veille run --serve``); a warning first when it listens beyond this
    machine. ``announce(url, workspace)`` is given the app's own workspace:
    whether an account exists is asked of the stores the app opens, not of
    ``ws`` (the command's, closed by then), which opened the state store a
    second time in the same process and, while the app's opening upgraded
    it, logged that "another veille process" migrated it."""
    import threading
    import time

    from veille.errors import StoreUpgrading
    from veille.services.users import count_users

    host = ws.settings.web.host if host is None else host
    port = ws.settings.web.port if port is None else port
    out, say = console(), speaker(cli_language(ws.root))
    if host not in ("127.0.0.1", "localhost", "::1"):
        out.print(say(tr("warning:")), style="yellow", markup=False, end=" ")
        out.print(
            say(tr("listening beyond this machine; put it behind a TLS proxy (it sets "
                   "X-Forwarded-Proto) so that cookies are Secure.")),
            markup=False,
        )  # fmt: skip

    def first_run(url: str, workspace: Any) -> None:
        # The app's opening may be upgrading the state store (minutes): its
        # other threads are told so (StoreUpgrading) rather than kept
        # waiting; this one asks again until it is done.
        while True:
            try:
                users = count_users(workspace.state)
                break
            except StoreUpgrading:
                time.sleep(1)
        if users == 0:
            out.print(
                say(tr("no account yet: %(url)s/setup creates the first admin (or run `veille "
                       "user add NAME --role admin`)", url=url)),
                soft_wrap=True,
                markup=False,
            )  # fmt: skip

    def announce(url: str, workspace: Any) -> None:
        # The same words in every language: scripts and supervisors read the
        # address off the line that starts with "open ".
        out.print(f"open {url}", soft_wrap=True)
        # Asked beside the server, not before it listens: the first opening
        # of the database after an upgrade of veille may upgrade it first
        # (minutes at a million posts), which the pages then say (503)
        # rather than nothing listening at all.
        threading.Thread(
            target=first_run, args=(url, workspace), name="veille-first-run", daemon=True
        ).start()

    return host, port, announce
