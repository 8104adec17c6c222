"""Core commands: init, import, export, stats (search lives in cli/query.py)."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    cli_language,
    console,
    err_console,
    handle_errors,
    open_workspace,
    output_file,
    print_json,
    print_rows,
    said_heads,
    speaker,
    tell,
    warn_unknown_platforms,
)
from veille.errors import UsageError, tr
from veille.i18n import platform_name
from veille.store.base import PostFilter


def progress(total: int | None = None, *, label: str = "") -> Progress:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    return Progress(
        TextColumn(label or "[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


def parse_day(value: str | None, name: str, timezone: str = "UTC") -> datetime | None:
    """``--since``/``--until`` values: an ISO date (its midnight in ``timezone``,
    the workspace time zone, as ``veille volume --period`` reads days) or
    date-time (in ``timezone`` when it has no offset)."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    from veille.analytics.scope import time_bound
    from veille.records import RecordError, parse_time

    try:
        return time_bound(value, ZoneInfo(timezone), field=f"--{name}")
    except ValueError:
        pass  # the import formats (Unix seconds …)
    try:
        return parse_time(value, name)
    except RecordError as exc:
        raise UsageError(tr("--%(option)s: %(error)s", option=name, error=exc.message)) from None


def post_filter(
    since: str | None,
    until: str | None,
    platform: list[str] | None,
    lang: list[str] | None,
    timezone: str = "UTC",
) -> PostFilter:
    """The command line's filters; days are read in ``timezone`` (the workspace's)."""
    warn_unknown_platforms("--platform", platform)
    start, end = parse_day(since, "since", timezone), parse_day(until, "until", timezone)
    if start is not None and end is not None and end <= start:
        # Nothing can match: said, not an empty result a script takes for a quiet day.
        raise UsageError(
            tr(
                "--until %(until)s is not after --since %(since)s: no post can be in between",
                until=until,
                since=since,
            ),
            hint=tr("--since is inclusive and --until exclusive: give a later --until."),
        )
    return PostFilter(
        since=start,
        until=end,
        platforms=tuple(platform or ()),
        languages=tuple(lang or ()),
    )


SinceOpt = Annotated[
    str | None,
    typer.Option(help="From this day (YYYY-MM-DD, workspace time zone) or date-time, inclusive."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(help="Until this day (YYYY-MM-DD, workspace time zone) or date-time, exclusive."),
]
PlatformOpt = Annotated[
    list[str] | None, typer.Option("--platform", help="Only this platform (repeatable).")
]
LangOpt = Annotated[
    list[str] | None, typer.Option("--lang", help="Only this language (repeatable).")
]


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder to create.")] = Path("."),
    ) -> None:
        """Create a workspace: a commented veille.toml and an empty database."""
        from veille.workspace import Workspace, init_workspace

        root = init_workspace(directory)
        # The SQLite stores are created now (an empty database, as said); a
        # server named in [store] (ClickHouse, PostgreSQL) is left alone: its
        # tables are made on first use, and init works without it.
        with Workspace.open(root) as ws:
            posts_url, state_url = ws.settings.store.urls()
            if state_url.startswith("sqlite:"):
                ws.state  # noqa: B018 (opening creates the file and its tables)
            if posts_url.startswith("sqlite:"):
                ws.posts  # noqa: B018
            tell(ws, tr("Workspace ready in %(root)s. Edit veille.toml to change settings.",
                        root=str(root)))  # fmt: skip

    @app.command("import")
    @handle_errors
    def import_(
        file: Annotated[
            Path,
            typer.Argument(
                help="A .csv or .jsonl file of posts, or - for standard input "
                "(with --input-format)."
            ),
        ],
        workspace: WorkspaceOpt = None,
        platform: Annotated[
            str | None, typer.Option(help="Platform of rows that have no platform column.")
        ] = None,
        fmt: Annotated[
            str | None,
            typer.Option("--input-format", help="csv or jsonl (default: from the name)."),
        ] = None,
        strict: Annotated[
            bool, typer.Option(help="Stop at the first bad row and store nothing.")
        ] = False,
        no_enrich: Annotated[
            bool, typer.Option("--no-enrich", help="Store rows as they are, without enrichment.")
        ] = False,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Import posts from CSV or JSON lines (column mapping: docs/import.md)."""
        from veille.importer import STDIN, ImportStopped, import_file
        from veille.pipeline import build_pipeline

        stdin = str(file) == STDIN
        if stdin and not fmt:
            raise UsageError(
                tr("veille import -: standard input has no name to tell its format from"),
                hint=tr("Give it: veille import - --input-format csv|jsonl."),
            )
        warn_unknown_platforms("--platform", [platform] if platform else None)
        with open_workspace(workspace) as ws:
            pipeline = build_pipeline(ws, skip=("enrich",) if no_enrich else ())
            label = "standard input" if stdin else file.name
            try:
                with progress(label=f"importing {label}") as bar:
                    task = bar.add_task("import", total=None)
                    report = import_file(
                        pipeline,
                        STDIN if stdin else file,
                        platform=platform,
                        fmt=fmt,
                        strict=strict,
                        on_progress=lambda n: bar.advance(task, n),
                        stream=sys.stdin.buffer if stdin else None,
                    )
            except ImportStopped as stopped:
                # Ctrl-C: one line, in the reader's language, not an error.
                say = speaker(cli_language(ws.root))
                err_console().print(say(stopped.message), markup=False, soft_wrap=True)
                raise typer.Exit(stopped.exit_code) from None
        if output is DataFormat.json:
            print_json(report)
        else:
            # In the reader's language (--language, ui_language, the locale),
            # counts agreeing with their words and written the reader's way.
            say = speaker(cli_language(ws.root))
            out = console()
            for bad in report.bad[:20]:
                err_console().print(
                    f"{'stdin' if stdin else file}:{bad.line}: {say(bad.reason)}",
                    soft_wrap=True,
                    markup=False,
                )
            if report.bad_count > 20:
                err_console().print(say(report.more_bad(20)), markup=False)
            out.print(say(report.summary()), markup=False, highlight=False, soft_wrap=True)
        if report.bad_count and report.stored + report.updated + report.unchanged == 0:
            raise typer.Exit(1)

    @app.command()
    @handle_errors
    def export(
        workspace: WorkspaceOpt = None,
        fmt: Annotated[
            ExportFormat,
            typer.Option("--format", "-f", help="jsonl, csv, or parquet (needs --output)."),
        ] = ExportFormat.jsonl,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
        ] = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        pseudonymize: Annotated[
            bool,
            typer.Option(
                "--pseudonymize",
                help="Name authors by stable pseudonyms; leave out names, profile and "
                "post links (the text is kept as written).",
            ),
        ] = False,
    ) -> None:
        """Export stored posts, streamed, as JSON lines, CSV or Parquet."""
        from veille.services.export import export_stored

        output = output_file(output, "--output")
        with open_workspace(workspace) as ws, progress(label="exporting") as bar:
            transform = None
            if pseudonymize:
                from veille.services.disclosure import pseudonymizer

                transform = pseudonymizer(ws.state)
            task = bar.add_task("export", total=None)
            n = export_stored(
                ws.posts,
                fmt.value,
                output if output is not None else sys.stdout,
                post_filter(since, until, platform, lang, ws.settings.workspace.timezone),
                on_total=lambda total: bar.update(task, total=total),
                on_progress=lambda k: bar.advance(task, k),
                transform=transform,
            )
            # Posts name people: who took a copy of them, and which, is in the audit log.
            from veille.services.audit import record

            asked = [("--since", since), ("--until", until)]
            asked += [("--platform", p) for p in platform or ()]
            asked += [("--lang", x) for x in lang or ()]
            detail = f"{n} posts, {fmt.value}" + (", pseudonymized" if pseudonymize else "")
            detail += "".join(f" {opt} {value}" for opt, value in asked if value)
            where = str(output) if output is not None else "stdout"
            record(ws.state, None, "posts.export", where, detail)
            reader = cli_language(ws.root)
        if output is not None:
            from veille.errors import Count, trn

            said = trn("%(n)s post written to %(path)s", "%(n)s posts written to %(path)s", n,
                       n=Count(n), path=str(output))  # fmt: skip
            err_console().print(speaker(reader)(said), markup=False, soft_wrap=True)

    @app.command()
    @handle_errors
    def stats(
        workspace: WorkspaceOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Counts of stored posts by platform, language and day."""
        from datetime import date

        from veille.cli.common import count_cell
        from veille.errors import Count, tr, trn
        from veille.i18n import format_date

        with open_workspace(workspace) as ws:
            tz = ws.settings.workspace.timezone
            st = ws.store.stats(post_filter(since, until, platform, lang, tz), timezone=tz)
            reader = cli_language(ws.root)
        if output is DataFormat.json:
            print_json(st)
            return
        say = speaker(reader)

        def day(value: date | str) -> str:  # ISO in English, as it was; French: 1 novembre 2026
            if reader == "en":
                return str(value)
            return format_date(value if isinstance(value, date) else date.fromisoformat(value),
                               reader)  # fmt: skip

        out = console()
        total = Count(st.total)  # grouped as the web says it: 1,300 in English, 1 300 in French
        said = trn("%(n)s post", "%(n)s posts", st.total, n=total)
        if st.first and st.last:  # local days, as the day table below
            from zoneinfo import ZoneInfo

            first, last = st.first.astimezone(ZoneInfo(tz)), st.last.astimezone(ZoneInfo(tz))
            said = trn("%(n)s post from %(first)s to %(last)s",
                       "%(n)s posts from %(first)s to %(last)s", st.total, n=total,
                       first=day(first.date()), last=day(last.date()))  # fmt: skip
        out.print(say(said), markup=False, soft_wrap=True)
        heads = said_heads(say, {"platform": tr("platform"), "language": tr("language"),
                                 "day": tr("day"), "posts": tr("posts")})  # fmt: skip
        for title, counts in (("platform", st.by_platform), ("language", st.by_language)):
            # A platform named as the pages name it (Hacker News, not hackernews).
            named = platform_name if title == "platform" else str
            print_rows(
                ({title: named(c.key), "posts": count_cell(c.count, reader)} for c in counts),
                [title, "posts"],
                RowFormat.table,
                heads=heads,
            )
        days = ({"day": day(c.key), "posts": count_cell(c.count, reader)} for c in st.by_day)
        print_rows(days, ["day", "posts"], RowFormat.table, heads=heads)
