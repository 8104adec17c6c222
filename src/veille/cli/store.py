"""Store commands: ``store migrate`` (move a workspace between backends),
``store backup`` (a copy of a SQLite workspace, taken while it runs) and
``store serve-posts`` (serve the posts to collectors on other machines)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    cli_language,
    configure_logging,
    console,
    err_console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    say_stopped,
    speaker,
)
from veille.cli.root import group_callback


def register(app: typer.Typer) -> None:
    store = typer.Typer(
        help="Where posts and state are kept: move them, serve the posts.", no_args_is_help=True
    )
    store.callback()(group_callback("store"))  # SIGTERM: serve-posts stops on it
    app.add_typer(store, name="store")

    @store.command("migrate")
    @handle_errors
    def migrate(
        to: Annotated[
            str | None,
            typer.Option(
                "--to",
                help="A store URL: each role its backend keeps goes there (postgresql:// "
                "the state, chdb:// or clickhouse:// the posts, sqlite:// both).",
            ),
        ] = None,
        posts: Annotated[
            str | None, typer.Option("--posts", help="Copy the posts to this URL.")
        ] = None,
        state: Annotated[
            str | None, typer.Option("--state", help="Copy the state to this URL.")
        ] = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Copy the workspace's posts and state to other stores (resumable),
        then check every table by row count and checksum."""
        from veille.errors import Count, tr, trn
        from veille.services.migrate import BOOKKEEPING, migrate_workspace, targets

        posts_url, state_url = targets(to, posts, state)
        lang = cli_language(workspace)
        say = speaker(lang)
        with open_workspace(workspace) as ws:

            def progress(table: str, rows: int) -> None:
                if rows:
                    said = trn("%(table)s: %(rows)s row copied", "%(table)s: %(rows)s rows copied",
                               rows, table=table, rows=Count(rows))  # fmt: skip
                    err_console().print(
                        say(said),
                        highlight=False,
                        markup=False,
                    )

            report = migrate_workspace(
                ws, posts_url=posts_url, state_url=state_url, on_progress=progress
            )
        if output is DataFormat.json:
            print_json(report)
        else:
            print_rows(
                (
                    {
                        "table": c.table,
                        "rows here": c.rows_from,
                        "rows there": c.rows_to,
                        "copied": c.copied,
                        "checksum": "same" if c.sum_from == c.sum_to else "DIFFERENT",
                    }
                    for c in report.checks
                ),
                ["table", "rows here", "rows there", "copied", "checksum"],
                RowFormat.table,
            )
            out = console()
            for name in report.left:
                # A store's own bookkeeping (its migrations, SQLite's purge
                # guard) holds nothing of the workspace: said plainly.
                if name in BOOKKEEPING:
                    said = tr("%(table)s: the source's own bookkeeping; not copied", table=name)
                    out.print(say(said), markup=False, highlight=False)
                else:
                    said = tr("%(table)s: the target keeps no such table; not copied", table=name)
                    out.print(say(said), markup=False, highlight=False, style="yellow")
            if report.ok:
                # The URLs as the report has them: their passwords masked
                # (a terminal is read over shoulders and kept in logs).
                lines = []
                if report.posts_url:
                    lines.append(f'posts = "{report.posts_url}"')
                if report.state_url:
                    lines.append(f'state = "{report.state_url}"')
                same = tr("Every table is the same on both sides. To use the copy, set in "
                          "veille.toml:")  # fmt: skip
                out.print(
                    say(same) + "\n[store]\n" + "\n".join(lines),
                    highlight=False,
                    markup=False,
                    soft_wrap=True,  # lines to paste whole
                )
                if report.masked:
                    hidden = tr("(Write the password or token where it reads ****.)")
                    out.print(say(hidden), highlight=False, markup=False)
        if not report.ok:
            err = err_console()
            extra = [c for c in report.checks if not c.ok and c.rows_to > c.rows_from]
            for c in extra:
                more = Count(c.rows_to - c.rows_from)
                extra_rows = trn(
                    "%(table)s: the target holds %(rows)s more row than this workspace (an "
                    "earlier copy, or posts erased here since): a copy never deletes; copy "
                    "to an empty store.",
                    "%(table)s: the target holds %(rows)s more rows than this workspace "
                    "(an earlier copy, or posts erased here since): a copy never "
                    "deletes; copy to an empty store.",
                    more, table=c.table, rows=more)  # fmt: skip
                err.print(say(extra_rows), markup=False)
            if len(extra) < sum(not c.ok for c in report.checks):
                err.print(
                    say(tr("Some tables differ: run the command again to continue.")),
                    markup=False,
                )
            raise typer.Exit(1)

    @store.command("backup")
    @handle_errors
    def backup(
        folder: Annotated[
            Path,
            typer.Argument(
                help="A new folder for the copy (outside the workspace); it opens as a "
                "workspace: --workspace FOLDER.",
                show_default=False,
            ),
        ],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Copy veille.toml and the SQLite database (and a chDB posts folder no
        other process holds) into a new folder, consistent while collectors
        write; nothing is migrated (back up before an upgrade). A chDB folder
        that veille run holds is backed up by that process: [backup] folder."""
        from veille.errors import Count, tr, trn
        from veille.services.backup import backup_workspace

        lang = cli_language(workspace)
        say = speaker(lang)
        with open_workspace(workspace) as ws:
            report = backup_workspace(ws, folder)
        out = console()
        for name, size in report.files:
            said = trn("%(name)s: %(size)s byte", "%(name)s: %(size)s bytes", size,
                       name=name, size=Count(size))  # fmt: skip
            out.print(
                say(said),
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        for name, source in report.moved.items():
            said = tr("%(name)s: the copy of %(source)s, which veille.toml names by that path: "
                      "restore it there.", name=name, source=source)  # fmt: skip
            out.print(say(said), highlight=False, markup=False, soft_wrap=True)
        done = tr(
            "Backed up to %(folder)s. To restore: stop veille, move the workspace's database "
            "aside (a SQLite file with its -wal and -shm files, a chDB folder), copy these in "
            "its place; or use the copy as it is: --workspace %(folder)s",
            folder=str(report.folder),
        )
        out.print(
            say(done),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )

    @store.command("serve-posts")
    @handle_errors
    def serve_posts(
        host: Annotated[str, typer.Option(help="Address to listen on (a private one).")] = (
            "127.0.0.1"
        ),
        port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 8790,
        token: Annotated[
            str,
            typer.Option(
                envvar="VEILLE_POSTS_TOKEN", help="Require this token (Authorization: Bearer)."
            ),
        ] = "",
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Serve the workspace's posts store to collectors on other machines
        (their veille.toml: posts = "veille+http://HOST:PORT")."""
        import contextlib
        import signal

        from veille.stopping import stopped_early
        from veille.store.remote.server import PostServer, check_address

        configure_logging()
        # Before the posts store is opened (chDB takes a while): a clear
        # error naming --port or --host rather than a traceback after it.
        check_address(host, port)
        # SIGTERM (a supervisor's stop) is a Ctrl-C from now on, and one
        # that came while it started stops it now: it killed the process
        # (status 143, a failure to systemd or Docker), at any moment.
        before = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            with contextlib.suppress(KeyboardInterrupt), open_workspace(workspace) as ws:
                if stopped_early(before):
                    raise KeyboardInterrupt
                server = PostServer(ws.posts, host, port, token)
                try:
                    console().print(f"Serving posts at {server.url}; press Ctrl-C to stop.")
                    server.serve_forever()
                finally:
                    server.httpd.server_close()
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        say_stopped(workspace)
