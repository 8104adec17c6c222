"""``veille serve``: the web app on this machine (uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli.common import (
    WorkspaceOpt,
    configure_logging,
    console,
    err_console,
    handle_errors,
    open_workspace,
)


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def serve(
        host: Annotated[
            str | None,
            typer.Option(
                help="Address to listen on (127.0.0.1: this machine only). "
                "Default: \\[web] host in veille.toml, else 127.0.0.1.",
                show_default=False,
            ),
        ] = None,
        port: Annotated[
            int | None,
            typer.Option(
                min=0,
                max=65535,
                help="Port (0: any free one). Default: \\[web] port in veille.toml, else 8000.",
                show_default=False,
            ),
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Serve the web app and the REST API (stop with Ctrl-C)."""
        from veille.services.users import count_users
        from veille.web.serve import run

        configure_logging()
        with open_workspace(workspace) as ws:
            root = ws.root
            first_run = count_users(ws.state) == 0
            # veille.toml's [web] host and port, unless the command line says.
            host = ws.settings.web.host if host is None else host
            port = ws.settings.web.port if port is None else port
        out = console()
        out.print(f"veille web app for {root}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            out.print(
                "[yellow]warning:[/] listening beyond this machine; put it behind a TLS "
                "proxy (it sets X-Forwarded-Proto) so that cookies are Secure."
            )

        def announce(url: str) -> None:
            out.print(f"open {url}", soft_wrap=True)
            if first_run:
                out.print(
                    f"no account yet: {url}/setup creates the first admin "
                    "(or run `veille user add NAME --role admin`)",
                    soft_wrap=True,
                )

        run(root, host=host, port=port, announce=announce)
        err_console().print("Stopped.")
