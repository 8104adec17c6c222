"""Sources commands: ``source add|list|test|remove|health``, ``collect``, ``run``,
``quarantine list|retry`` and ``sim``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer

from veille.cli.common import (
    LIST_HEADS,
    DataFormat,
    FormatOpt,
    LanguageOpt,
    RowFormat,
    RowFormatOpt,
    WorkspaceOpt,
    author_cell,
    cli_language,
    configure_logging,
    console,
    count_cell,
    err_console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    reader_language,
    said_heads,
    say_links,
    say_stopped,
    speaker,
    tell,
    time_cell,
)
from veille.cli.serve import ServeHostOpt, ServePortOpt
from veille.errors import Count, tr, trn

log = logging.getLogger(__name__)


def _options(values: list[str] | None) -> dict[str, str]:
    from veille.services.sources import parse_options

    return parse_options(values or [])


def _kind(kind: str, reader: str, say: Callable[[str], str]) -> str:
    """A source kind in a table: the code ``source add`` takes in English;
    in French in words with the code beside where the words are not it
    (« flux (feeds) », « Hacker News »), as ``user list`` says a role."""
    from veille.services.sources import kind_words

    if reader == "en":
        return kind
    words = say(kind_words(kind))
    return words if words.casefold().replace(" ", "") == kind else f"{words} ({kind})"


def _every(seconds: int, reader: str, say: Callable[[str], str]) -> str:
    """A source's interval in a table: as ``--every`` takes it in English
    (``30m``), in words in French (« 30 minutes »), where it read « 30m »."""
    from veille.services.sources import every_text, every_words

    return every_text(seconds) if reader == "en" else say(every_words(seconds))


def register(app: typer.Typer) -> None:
    source_app = typer.Typer(help="Configure where veille collects posts.", no_args_is_help=True)
    app.add_typer(source_app, name="source")
    quarantine_app = typer.Typer(
        help="Items a source fetched but could not read.", no_args_is_help=True
    )
    app.add_typer(quarantine_app, name="quarantine")

    @source_app.command("add")
    @handle_errors
    def source_add(
        kind: Annotated[str, typer.Argument(help="Source kind: feeds, web, file, mastodon…")],
        target: Annotated[str, typer.Argument(help="What to follow (URL, account, query, file).")],
        name: Annotated[str | None, typer.Option(help="Name of the source.")] = None,
        every: Annotated[
            str | None, typer.Option(help="Polling interval: 30s, 15m, 2h, 1d.")
        ] = None,
        option: Annotated[
            list[str] | None, typer.Option("--option", "-o", help="KEY=VALUE (repeatable).")
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add a source, e.g. `veille source add feeds https://example.org/feed/`."""
        from veille.services.sources import add_source, every_text, every_words, kind_words

        with open_workspace(workspace) as ws:
            rec = add_source(
                ws.state, kind, target, name=name, every=every, options=_options(option)
            )
            reader = cli_language(ws.root)
            say = speaker(reader)
        # In English the interval as --every takes it (30m), as the API answers
        # it; in French in words (« fichier, intervalle 5 minutes »), not « 5m ».
        english = reader == "en"
        console().print(say(tr("Added source %(name)s (%(kind)s, every %(every)s).",
                               name=rec.name, kind=rec.kind if english else kind_words(rec.kind),
                               every=every_text(rec.every) if english
                               else every_words(rec.every))),
                        markup=False, soft_wrap=True)  # fmt: skip
        source = rec.source()
        if source.terms_note or source.terms_url:
            # Posts are people's data, read under the platform's terms: say which.
            terms = " ".join(say(t) for t in (source.terms_note, source.terms_url) if t)
            console().print(say(tr("Terms of use: %(terms)s", terms=terms)), markup=False,
                            soft_wrap=True)  # fmt: skip

    @source_app.command("list")
    @handle_errors
    def source_list(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """List configured sources."""
        from veille.services.sources import config_lines, list_sources, shown_config

        table = output is DataFormat.table
        with open_workspace(workspace) as ws:
            reader = cli_language(ws.root)
            say = speaker(reader)
            rows = [
                {
                    "name": r.name,
                    "kind": _kind(r.kind, reader, say) if table else r.kind,
                    # People read 30m, as --every takes it (in French in words:
                    # « 5 minutes »); JSON keeps seconds.
                    "every": _every(r.every, reader, say) if table else r.every,
                    "enabled": r.enabled,
                    # People read key = value, one a line (as TOML writes it), not
                    # a Python dict; JSON keeps the object a script reads.
                    "config": "\n".join(config_lines(r)) if table else shown_config(r),
                }
                for r in list_sources(ws.state)
            ]
        print_rows(rows, ["name", "kind", "every", "enabled", "config"], output,
                   heads=said_heads(say, LIST_HEADS), say=say, fold=("name", "config"))  # fmt: skip

    @source_app.command("remove")
    @handle_errors
    def source_remove(
        name: Annotated[str, typer.Argument(help="Source name.")], workspace: WorkspaceOpt = None
    ) -> None:
        """Remove a source and its cursor (its posts stay)."""
        from veille.services.sources import remove_source

        with open_workspace(workspace) as ws:
            remove_source(ws.state, name)
            say = speaker(cli_language(ws.root))
        said = tr("Removed source %(name)s; its posts are kept.", name=name)
        console().print(say(said), markup=False, soft_wrap=True)

    @source_app.command("enable")
    @handle_errors
    def source_enable(
        name: Annotated[str, typer.Argument(help="Source name.")], workspace: WorkspaceOpt = None
    ) -> None:
        """Collect a disabled source again (as the web app's Sources page does)."""
        _switch(name, workspace, enabled=True)

    @source_app.command("disable")
    @handle_errors
    def source_disable(
        name: Annotated[str, typer.Argument(help="Source name.")], workspace: WorkspaceOpt = None
    ) -> None:
        """Stop collecting a source; its posts, cursor and settings stay."""
        _switch(name, workspace, enabled=False)

    @source_app.command("test")
    @handle_errors
    def source_test(
        name: Annotated[str, typer.Argument(help="Source name.")],
        workspace: WorkspaceOpt = None,
        limit: Annotated[int, typer.Option(min=1, help="How many posts to show.")] = 10,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Fetch once and print what would be stored; stores nothing."""
        from veille.services.sources import test_source

        with open_workspace(workspace) as ws:
            result = test_source(ws, name)
            reader = cli_language(ws.root)
        if output is DataFormat.json:
            print_json({"posts": result.posts[:limit], "failed": [e for e, _ in result.failed]})
            return
        rows = (
            {
                "id": p.id,
                "published_at": time_cell(p.published_at, reader),
                "author": author_cell(p.author.handle, reader),
                "text": (p.title + " — " if p.title else "") + p.text[:120],
            }
            for p in result.posts[:limit]
        )
        say = speaker(reader)
        print_rows(rows, ["id", "published_at", "author", "text"], RowFormat.table,
                   heads=said_heads(say, LIST_HEADS))  # fmt: skip
        # Grouped as the web says them (1,300; « 1 300 »).
        posts, failed = Count(len(result.posts)), Count(len(result.failed))
        said = tr("%(posts)s, %(items)s. Nothing was stored.",
                  posts=trn("%(n)s post would be stored", "%(n)s posts would be stored", posts,
                            n=posts),
                  items=trn("%(n)s item would be quarantined", "%(n)s items would be quarantined",
                            failed, n=failed))  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)
        for err, _ in result.failed[:5]:
            said = tr("cannot read an item: %(error)s", error=err)
            err_console().print(say(said), soft_wrap=True, markup=False)

    @source_app.command("health")
    @handle_errors
    def source_health(
        name: Annotated[str | None, typer.Argument(help="One source (default: all).")] = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
        language: LanguageOpt = None,
    ) -> None:
        """Last success, last error, failures in a row, posts per run, quota left.

        The last error is said in --language (default: the workspace's
        ui_language); JSON keeps it in English, as the API does."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from veille.errors import Count, tr, trn
        from veille.services.sources import health

        with open_workspace(workspace) as ws:
            rows = health(ws.state, name)
            lang = reader_language(ws, language)
            say = speaker(lang)
            zone = ZoneInfo(ws.settings.workspace.timezone)
        if output is DataFormat.json:
            print_json(rows)  # ISO 8601 with its offset, for scripts
            return

        def when(value: datetime | None) -> datetime | str | None:
            # On the workspace's clock, as the sources page writes it: stored
            # in UTC, a Montreal workspace read 22:22 for its 17:22.
            return time_cell(None if value is None else value.astimezone(zone), lang)

        # The headers in the reader's language too, as the last error is.
        # "Failures in a row" as the sources page says it (the table said
        # "failures", « échecs d’affilée » in French), lower case as its neighbours.
        heads = [tr("source"), tr("last success"), tr("Failures in a row"), tr("last posts"),
                 tr("total"), tr("quota left"), tr("quarantined"), tr("dated ahead"),
                 tr("suppressed"), tr("past retention"), tr("next due"),
                 tr("last error")]  # fmt: skip
        cols = [said[:1].lower() + said[1:] for said in map(say, heads)]

        def n(value: int | None) -> int | str | None:  # « 1 438 » for a French reader
            return None if value is None else count_cell(value, lang)

        values = [
            (
                h.source,
                when(h.last_success),  # « 7 déc. 2026 à 15:59 » in French
                n(h.consecutive_failures),
                n(h.last_posts),
                n(h.total_posts),
                n(h.quota_left),
                n(h.quarantined),
                n(h.dated_ahead),
                n(h.suppressed),
                n(h.expired),
                # A disabled source is never due: its time, kept from its
                # last run, read as a collection to come.
                when(h.next_due) if h.enabled else say(tr("disabled")),
                say(h.last_error) if h.last_error else h.last_error,
            )
            for h in rows
        ]
        from veille.cli.layout import print_table_or_blocks

        # Twelve columns: one block per source where the terminal is too narrow.
        shown = [dict(zip(cols, v, strict=True)) for v in values]
        print_table_or_blocks(console(), shown, cols, lang)
        # What "expired" means, in the reader's language: nothing lasting said
        # it beyond the run that left the posts out.
        for h in rows:
            if h.expired:
                old = Count(h.expired)
                said = trn(
                    "%(source)s: %(n)s post older than the retention period, not stored "
                    "([privacy] retention_days)",
                    "%(source)s: %(n)s posts older than the retention period, not stored "
                    "([privacy] retention_days)",
                    old, source=h.source, n=old,
                )  # fmt: skip
                console().print(say(said), soft_wrap=True, markup=False, highlight=False)

    @app.command("collect")
    @handle_errors
    def collect_cmd(
        workspace: WorkspaceOpt = None,
        source: Annotated[
            list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
        ] = None,
        once: Annotated[
            bool, typer.Option("--once", help="Collect every enabled source now, due or not.")
        ] = False,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Collect the sources that are due (all with --once, or those named).

        Exits with status 1 when a source failed (the others' posts are stored)."""
        from veille.errors import Count, tr
        from veille.pipeline.collect import collect

        lang = cli_language(workspace)
        with open_workspace(workspace) as ws:
            results = collect(ws, names=source, force=once)
            # Nothing collected because nothing can be (no source, or every
            # one disabled) was said by nothing at all, as if it had worked.
            idle = None if results or source else _nothing_to_collect(ws)
            # A source another collector is collecting (`veille run`, here
            # or on another machine) was left out without a word: with
            # every source held, --once printed nothing at all.
            held = None if idle is not None else _held_elsewhere(ws, source, results)
        for said in (idle, held):
            if said is not None:
                err_console().print(speaker(lang)(said), markup=False, soft_wrap=True)
        if output is DataFormat.json:
            print_json(results)
        else:
            _print_results(results, lang)
        failed = [r.source for r in results if not r.ok]
        if failed:
            # A cron job knows from the status alone: one failing source is
            # a failure to look at, even when the others were collected.
            if len(failed) < len(results):
                said = tr("%(failed)s of %(total)s sources failed (%(names)s); the others' "
                          "posts are stored.", failed=Count(len(failed)),
                          total=Count(len(results)), names=", ".join(failed))  # fmt: skip
                err_console().print(
                    speaker(lang)(said),
                    markup=False,
                    soft_wrap=True,
                )
            raise typer.Exit(1)

    @app.command("run")
    @handle_errors
    def run_cmd(
        workspace: WorkspaceOpt = None,
        # The floor and ceiling of veille.toml's intervals ([alerts]
        # dispatch_interval_seconds): 0 or less made the loop spin at once.
        tick: Annotated[
            float,
            typer.Option(min=0.1, max=86400, help="Seconds between checks for due sources."),
        ] = 5.0,
        role: Annotated[
            str,
            typer.Option(
                help="collector: collect only (run as many as needed, on any machines; each "
                "source is collected by one at a time); scheduler: alerts, digests, reports "
                "and retention only; all: both (the default).",
            ),
        ] = "all",
        lease_seconds: Annotated[
            float,
            typer.Option(
                min=3.0,
                help="How long a source's lease outlives a collector that stopped "
                "renewing it (another collector takes the source over then).",
            ),
        ] = 60.0,
        serve: Annotated[
            bool,
            typer.Option(
                "--serve",
                help="Serve the web app too, in this process over the same stores (as "
                "`veille serve` does): one machine whose posts are in chDB, a folder that "
                "one process at a time opens, runs this alone.",
            ),
        ] = False,
        host: ServeHostOpt = None,
        port: ServePortOpt = None,
    ) -> None:
        """Collect and send until Ctrl-C or SIGTERM; one failing source never stops it.

        With --serve, the web app and the REST API too, in the same process."""
        from veille.errors import UsageError
        from veille.pipeline.daemon import ROLES, DaemonState, run_daemon, stop_on_signals

        if role not in ROLES:
            raise UsageError(
                tr("--role %(role)r is not a role", role=role),
                hint=tr("Use one of %(names)s.", names=", ".join(ROLES)),
            )
        if not serve and (host is not None or port is not None):
            given = "--host" if host is not None else "--port"
            raise UsageError(
                tr(
                    "%(given)s is where the web app listens, and `veille run` serves none",
                    given=given,
                ),
                hint=tr("Add --serve to run the web app in this process too."),
            )
        configure_logging()
        stopping = DaemonState()
        stop_on_signals(stopping)  # a stop while it starts is a clean stop too
        # Said in the reader's language as it starts (it said "Collecting;
        # press Ctrl-C to stop." under --language fr); the lines of each
        # pass and "Stopped after …" stay English, read as a log is.
        doing = {"all": tr("Collecting"), "collector": tr("Collecting (collector)")}.get(
            role, tr("Scheduling alerts and reports")
        )

        def check_backups(ws: Any) -> None:
            """A [backup] folder the process that schedules cannot use is
            said as it starts, before "Collecting"."""
            if role != "collector":
                from veille.services.backup import backup_folder

                backup_folder(ws)

        def daemon(ws: Any) -> DaemonState:
            return run_daemon(
                ws,
                state=stopping,
                install_signals=False,
                tick=tick,
                on_results=_report,
                role=role,
                lease_seconds=lease_seconds,
            )

        if role != "collector":  # it draws the reports' charts
            from veille.analytics.chart_fonts import prefer_shipped_sans

            # Before any thread (opening a workspace may start a pool's or
            # chDB's): it sets FONTCONFIG_FILE for a moment.
            prefer_shipped_sans()
        if serve:
            from veille.cli.serve import web_address
            from veille.web.serve import run_beside

            with open_workspace(workspace) as ws:
                root = ws.root
                host, port, say_url = web_address(ws, host, port)
                check_backups(ws)

            say = speaker(cli_language(root))

            def announce(url: str, app_ws: Any) -> None:  # once it listens
                said = tr("%(doing)s and serving the web app; press Ctrl-C to stop.", doing=doing)
                console().print(say(said), markup=False)
                say_url(url, app_ws)

            state = run_beside(
                root, daemon, stop=stopping.stop.set, host=host, port=port, announce=announce
            )
        else:
            with open_workspace(workspace) as ws:
                ws.open_one_process_stores()
                check_backups(ws)
                said = tr("%(doing)s; press Ctrl-C to stop.", doing=doing)
                console().print(speaker(cli_language(ws.root))(said), markup=False)
                if role != "collector":  # it sends the alerts, digests and reports
                    say_links(ws)
                state = daemon(ws)
        done = (
            "everything it sent is recorded"
            if role == "scheduler"
            else "everything collected is stored"
        )
        console().print(f"Stopped after {_n(state.passes, 'pass', 'passes')}; {done}.")

    @quarantine_app.command("list")
    @handle_errors
    def quarantine_list(
        workspace: WorkspaceOpt = None,
        source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
        output: RowFormatOpt = RowFormat.table,
    ) -> None:
        """Items that could not be read, with their error (in the reader's
        language in the table, as `source health` says its last errors; the
        other formats keep it in English, as the API does)."""
        from veille.services.sources import quarantined

        with open_workspace(workspace) as ws:
            items = quarantined(ws.state, source)
            reader = cli_language(ws.root)
        table = output is RowFormat.table  # CSV and JSON keep ISO 8601 and English
        say = speaker(reader if table else "en")
        rows = (
            {
                "id": q.id,
                "source": q.source,
                "error": say(q.error),
                "at": time_cell(q.created_at, reader) if table else q.created_at,
                "raw": q.raw if output is not RowFormat.table else str(q.raw)[:80],
            }
            for q in items
        )
        heads = said_heads(speaker(reader), LIST_HEADS)
        print_rows(rows, ["id", "source", "at", "error", "raw"], output, heads=heads)

    @quarantine_app.command("retry")
    @handle_errors
    def quarantine_retry(
        workspace: WorkspaceOpt = None,
        source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    ) -> None:
        """Read quarantined items again (e.g. after an upgrade; web pages are fetched
        again); store those that now work."""
        from veille.services.sources import retried_said, retry_quarantined

        with open_workspace(workspace) as ws:
            stored, failing = retry_quarantined(ws, source)
            say = speaker(reader_language(ws, None))
        console().print(say(retried_said(stored, failing)), markup=False)

    @app.command("sim")
    @handle_errors
    def sim_cmd(
        seed: Annotated[int, typer.Option(help="Seed of the generated world.")] = 42,
        days: Annotated[int, typer.Option(min=1, max=365, help="Days of history generated.")] = 30,
        speed: Annotated[
            float, typer.Option(help="Simulated seconds per real second (0: frozen).")
        ] = 60.0,
    ) -> None:
        """Run the platform simulator in the foreground and print its URLs."""
        import contextlib
        import signal

        from veille.stopping import stopped_early

        # It runs until stopped: SIGTERM (a supervisor's stop, a test
        # harness's kill) is a Ctrl-C from now on, and one that came while
        # it started (the world being generated) stops it now. It killed the
        # process (status 143, a failure to systemd or a shell's wait).
        before = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                if stopped_early(before):
                    raise KeyboardInterrupt
                _simulate(seed, days, speed)
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        say_stopped()


def _simulate(seed: int, days: int, speed: float) -> None:
    """``veille sim``'s servers, started, their URLs printed, until a
    KeyboardInterrupt (Ctrl-C, or SIGTERM made one); stopped on the way out."""
    from veille.sim.bluesky import JetstreamServer
    from veille.sim.runner import start_simulator, stop_within

    sim = start_simulator(seed=seed, days=days, speed=speed)
    try:
        jetstream = JetstreamServer(sim.world).start()
        try:
            out = console()
            for name, host in sim.hosts.items():
                out.print(f"{name:12} {host.base_url}")
            out.print(f"{'jetstream':12} {jetstream.url}")
            said = tr("Point sources at these URLs with VEILLE_ALLOW_PRIVATE_NETWORKS=1. Ctrl-C "
                      "to stop.")  # fmt: skip
            out.print(speaker(cli_language())(said), markup=False, soft_wrap=True)
            while True:
                time.sleep(3600)
        finally:
            stop_within(jetstream.stop)
    finally:
        stop_within(sim.stop)


def _switch(name: str, workspace: str | None, *, enabled: bool) -> None:
    """``veille source enable|disable NAME``: the source collected again, or
    no longer, and that said."""
    from veille.services.sources import set_enabled

    with open_workspace(workspace) as ws:
        set_enabled(ws.state, name, enabled)
        tell(ws, tr("Enabled source %(name)s.", name=name) if enabled
             else tr("Disabled source %(name)s.", name=name))  # fmt: skip


def _report(results: list[Any]) -> None:
    """A pass of ``veille run``: what each source brought on stdout, as
    ``veille collect`` prints it; a failure as a log record (with its time:
    read in a collector's log long after)."""
    _print_results([r for r in results if r.ok])
    for r in results:
        if not r.ok:
            log.warning("source %s failed after %d new posts: %s", r.source, r.new_posts, r.error)


def _n(count: int, one: str, other: str) -> str:
    """``count`` and the English word for that many (the command line speaks English)."""
    from veille.i18n import plural

    return f"{count} {plural(count, 'en', one, other)}"


def _nothing_to_collect(ws: Any) -> Any:
    """Why ``veille collect`` has no source to collect, and what to do,
    where no source is enabled (None where one is: it is not due yet)."""
    from veille.errors import Count, tr, trn
    from veille.services.sources import list_sources

    records = list_sources(ws.state)
    if any(r.enabled for r in records):
        return None
    if not records:
        return tr("nothing to collect: no source yet; add one with "
                  "`veille source add KIND TARGET`.")  # fmt: skip
    n = Count(len(records))
    return trn(
        "nothing to collect: source %(names)s is disabled; enable it with "
        "`veille source enable NAME`.",
        "nothing to collect: all %(n)s sources are disabled (%(names)s); enable one with "
        "`veille source enable NAME`.",
        n, n=n, names=", ".join(r.name for r in records),
    )  # fmt: skip


def _held_elsewhere(ws: Any, names: list[str] | None, results: list[Any]) -> Any:
    """Which of the sources ``veille collect`` was to collect (``names``, else
    every enabled one) it left out because another collector is collecting
    them, and what to do; None where there is none."""
    from veille.errors import Count, trn
    from veille.pipeline.leases import held_elsewhere
    from veille.services.sources import list_sources

    wanted = names or [r.name for r in list_sources(ws.state) if r.enabled]
    done = {r.source for r in results}
    held = held_elsewhere(ws.state, [n for n in wanted if n not in done], ws.state.clock())
    if not held:
        return None
    n = Count(len(held))
    return trn(
        "source %(names)s not collected: another collector is collecting it right now "
        "(%(holders)s) and stores its posts. To collect it here, run this again once it is "
        "done (a collector that stopped lets go of its sources by itself, within 60 seconds "
        "by default: `veille run --lease-seconds`).",
        "%(n)s sources not collected (%(names)s): collectors elsewhere are collecting them "
        "right now (%(holders)s) and store their posts. To collect them here, run this again "
        "once they are done (a collector that stopped lets go of its sources by itself, "
        "within 60 seconds by default: `veille run --lease-seconds`).",
        n, n=n, names=", ".join(sorted(held)),
        holders=", ".join(sorted(set(held.values()))),
    )  # fmt: skip


def _print_results(results: list[Any], lang: str = "en") -> None:
    """What each source brought, a line each, in ``lang`` (``veille
    collect``'s reader's; ``veille run``'s log stays English)."""
    from veille.errors import Count, tr, trn

    out, say = console(), speaker(lang)
    for r in results:
        new, items = Count(r.new_posts), Count(r.items)
        posts = trn("%(n)s new post", "%(n)s new posts", new, n=new)
        if r.ok:
            read = trn("%(n)s item", "%(n)s items", items, n=items)
            said = tr("%(source)s: %(posts)s (%(items)s, %(quarantined)s quarantined)",
                      source=r.source, posts=posts, items=read,
                      quarantined=Count(r.quarantined))  # fmt: skip
            out.print(say(said), soft_wrap=True, markup=False, highlight=False)
            if r.expired:
                old = Count(r.expired)
                said = trn(
                    "%(source)s: %(n)s post older than the retention period, not stored "
                    "([privacy] retention_days)",
                    "%(source)s: %(n)s posts older than the retention period, not stored "
                    "([privacy] retention_days)",
                    old, source=r.source, n=old,
                )  # fmt: skip
                out.print(say(said), soft_wrap=True, markup=False, highlight=False)
        else:
            said = tr("%(source)s: failed after %(posts)s: %(error)s",
                      source=r.source, posts=posts, error=r.error)  # fmt: skip
            err_console().print(say(said), soft_wrap=True, markup=False, highlight=False)
