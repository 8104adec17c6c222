"""``veille alert …``: alerts on topics and queries, their outbox and monitors."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    LIST_HEADS,
    DataFormat,
    FormatOpt,
    RowFormat,
    RowFormatOpt,
    WorkspaceOpt,
    cli_language,
    console,
    err_console,
    handle_errors,
    jsonable,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    say_links,
    speaker,
    tell,
    time_cell,
    warn,
)
from veille.cli.root import group_callback
from veille.errors import Count, tr, trn

EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every",
        help="instant (as it happens, the default), hourly, daily or weekly "
        "(reports: weekly by default).",
    ),
]


def register(app: typer.Typer) -> None:
    alert = typer.Typer(help="Alerts: topic or query matches, digests, spikes, silence.",
                        no_args_is_help=True)  # fmt: skip
    alert.callback()(group_callback("alert"))  # SIGTERM: dispatch --loop stops on it
    app.add_typer(alert, name="alert")

    @alert.command("add")
    @handle_errors
    def add(
        topic: Annotated[str | None, typer.Argument(help="Topic to watch.")] = None,
        to: Annotated[
            str,
            typer.Option(
                "--to",
                help="Channel URL: mailto:ADDRESS, webhook+https://HOST/PATH, atom:PATH or an "
                "apprise URL (slack://TOKEN_A/TOKEN_B/TOKEN_C, ntfy://TOPIC).",
            ),
        ] = "",
        every: EveryOpt = None,
        at: Annotated[
            str, typer.Option(help="Time of daily/weekly digests (HH:MM, workspace time zone).")
        ] = "08:00",
        day: Annotated[str, typer.Option(help="Day of weekly digests (mon … sun).")] = "mon",
        name: Annotated[str | None, typer.Option(help="Alert name (default: the topic).")] = None,
        query: Annotated[str | None, typer.Option(help="Ad-hoc query instead of a topic.")] = None,
        kind: Annotated[
            str, typer.Option(help="match, spike, sentiment, silence or report.")
        ] = "match",
        report: Annotated[
            bool, typer.Option("--report", help="Send the topic's report on the schedule.")
        ] = False,
        period: Annotated[
            str | None,
            typer.Option(
                help="Report: the period covered (last-week, last-month, last-7d, last-30d, "
                "last-1d, last-hour; default from --every)."
            ),
        ] = None,
        mode: Annotated[str, typer.Option(help="all, or best: one post per story.")] = "all",
        min_followers: Annotated[
            int, typer.Option(min=0, help="Only posts whose author has at least N followers.")
        ] = 0,
        min_engagement: Annotated[
            int,
            typer.Option(
                min=0, help="Only posts with at least N likes, shares and replies together."
            ),
        ] = 0,
        lang: Annotated[
            list[str],
            typer.Option(help="Only posts in this language (ISO 639-1: fr, en …; und: unknown)."),
        ] = [],  # noqa: B006
        platform: Annotated[
            list[str], typer.Option(help="Only this platform (mastodon, bluesky, rss …).")
        ] = [],  # noqa: B006
        cap: Annotated[int, typer.Option(min=0, help="At most N posts a day (0: no cap).")] = 0,
        quiet: Annotated[str | None, typer.Option(help="Quiet hours, e.g. 22:00-07:00.")] = None,
        language: Annotated[str | None, typer.Option(help="Language of e-mails: en or fr.")] = None,
        threshold: Annotated[
            float, typer.Option(help="Spike/sentiment: standard deviations.")
        ] = 3.0,
        silent_hours: Annotated[int, typer.Option(help="Silence: hours without a post.")] = 6,
        source: Annotated[
            str | None,
            typer.Option(help="Silence: watch this source, by its name (veille source list)."),
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add an alert, e.g. veille alert add Lumio --to mailto:me@x.org --every daily"""
        from veille.services.alerts import KIND_WORDS, AlertSpec, add_alert, schedule_said

        spec = AlertSpec(
            to=to, topic=topic, query=query, name=name, kind=kind, report=report, period=period,
            every=every, at=at, day=day, mode=mode, min_followers=min_followers,
            min_engagement=min_engagement, languages=tuple(lang), platforms=tuple(platform),
            cap=cap, quiet=quiet, language=language, threshold=threshold,
            silent_hours=silent_hours, source=source,
        )  # fmt: skip
        with open_workspace(workspace) as ws:
            saved = add_alert(ws, spec)
            zone = ws.settings.workspace.timezone
            tell(ws, tr("alert %(name)s added: %(kind)s, %(frequency)s.", name=saved.name,
                        kind=KIND_WORDS.get(saved.kind, saved.kind),
                        frequency=schedule_said(saved, zone)))  # fmt: skip

    @alert.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, fmt: FormatOpt = DataFormat.table) -> None:
        """List alerts with their state."""
        from veille.services import dangling
        from veille.services.alerts import (
            KIND_WORDS,
            MODE_WORDS,
            alert_rows,
            list_alerts,
            schedule_said,
        )
        from veille.services.unreadable import of_alert, said, topic_queries

        with open_workspace(workspace) as ws:
            cols = ("name", "kind", "watches", "every", "mode", "to", "paused")
            say = speaker(cli_language(ws.root))
            alerts = list_alerts(ws)
            rows = alert_rows(ws)
            if fmt.value == "table":  # words, in the reader's language; JSON keeps the codes
                zone = ws.settings.workspace.timezone
                by_name = {a.name: a for a in alerts}
                for row in rows:
                    row["kind"] = say(KIND_WORDS.get(row["kind"], row["kind"]))
                    row["mode"] = say(MODE_WORDS.get(row["mode"], row["mode"]))
                    if (alert := by_name.get(row["name"])) is not None:
                        row["every"] = say(schedule_said(alert, zone))
            print_rows(rows, cols, fmt, title=say(tr("Alerts")),
                       heads=said_heads(say, LIST_HEADS), say=say)  # fmt: skip
            topics = topic_queries(ws.state)
            for a in alerts:  # an alert that silently stopped matching says so
                if unreadable := of_alert(a, topics):
                    warn(said(unreadable), say=say)
                if missing := dangling.of_alert(a, topics):
                    warn(dangling.said(missing), say=say)

    @alert.command("show")
    @handle_errors
    def show(
        name: str,
        secret: Annotated[
            bool, typer.Option(help="Also print the webhook signing secret.")
        ] = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Show one alert's settings and outbox counts (JSON)."""
        from veille.services.alerts import show_alert

        with open_workspace(workspace) as ws:
            print_json(show_alert(ws, name, secret=secret))

    @alert.command("pause")
    @handle_errors
    def pause(name: str, workspace: WorkspaceOpt = None) -> None:
        """Stop sending (matches are still kept in the outbox)."""
        from veille.services.alerts import pause_alert

        with open_workspace(workspace) as ws:
            pause_alert(ws, name)
            tell(ws, tr("alert %(name)s paused; its matches are kept in the outbox.", name=name))

    @alert.command("resume")
    @handle_errors
    def resume(name: str, workspace: WorkspaceOpt = None) -> None:
        """Send again, including what was queued while paused."""
        from veille.services.alerts import resume_alert

        with open_workspace(workspace) as ws:
            done = resume_alert(ws, name)
            sent, waiting = Count(done.sent), Count(done.waiting)
            said = trn("alert %(name)s resumed; sent %(n)s queued post or event.",
                       "alert %(name)s resumed; sent %(n)s queued posts or events.", sent,
                       name=name, n=sent)  # fmt: skip
            if waiting:
                said = tr("%(resumed)s %(waiting)s", resumed=said, waiting=trn(
                    "%(n)s waits for its time (digest, quiet hours or retry).",
                    "%(n)s wait for their time (digest, quiet hours or retry).", waiting,
                    n=waiting))  # fmt: skip
            tell(ws, said)

    @alert.command("remove")
    @handle_errors
    def remove(name: str, workspace: WorkspaceOpt = None) -> None:
        """Remove an alert and its outbox."""
        from veille.services.alerts import remove_alert

        with open_workspace(workspace) as ws:
            remove_alert(ws, name)
            tell(ws, tr("alert %(name)s removed.", name=name))

    @alert.command("test")
    @handle_errors
    def test(name: str, workspace: WorkspaceOpt = None) -> None:
        """Send a sample of the alert now (its most recent matches), to check its channel."""
        from veille.services.alerts import KIND_WORDS, send_sample

        with open_workspace(workspace) as ws:
            sent = send_sample(ws, name)
            n, kind = Count(sent.posts), sent.alert.kind
            if kind == "report":
                said = trn("sent the report of the latest period (%(n)s post) to %(to)s.",
                           "sent the report of the latest period (%(n)s posts) to %(to)s.", n,
                           n=n, to=sent.to)  # fmt: skip
            elif kind in ("spike", "sentiment", "silence"):
                said = tr("sent an example message (%(kind)s) to %(to)s.",
                          kind=KIND_WORDS[kind], to=sent.to)  # fmt: skip
            else:
                said = trn("sent a sample of %(n)s post to %(to)s.",
                           "sent a sample of %(n)s posts to %(to)s.", n,
                           n=n, to=sent.to)  # fmt: skip
            tell(ws, said)

    @alert.command("dispatch")
    @handle_errors
    def dispatch(
        loop: Annotated[bool, typer.Option(help="Keep running (a daemon).")] = False,
        workspace: WorkspaceOpt = None,
        fmt: FormatOpt = DataFormat.table,
    ) -> None:
        """Send due digests and retries, and check spike/sentiment/silence alerts.

        With --loop it runs until Ctrl-C or SIGTERM, which let the round in
        progress finish, and then exits with status 0; with --format json it
        prints one JSON line per round."""
        import json
        import signal

        from veille.cli.root import short_unless
        from veille.pipeline.daemon import StopFlag
        from veille.services.alerts import dispatch as dispatch_round
        from veille.stopping import stopped_early

        short_unless(loop)
        stop = StopFlag()  # set from a signal handler: takes no lock
        if loop:  # a round is never cut in the middle of a send
            for sig in (signal.SIGINT, signal.SIGTERM):
                if stopped_early(signal.signal(sig, lambda *_: stop.set())):
                    stop.set()  # a SIGTERM while it started: no round at all
        rounds = 0
        with open_workspace(workspace) as ws:
            if loop:  # said once, as `veille run` says it (stdout keeps JSON lines alone)
                say_links(ws, stderr=fmt.value == "json")
            while not stop.is_set():
                found, report = dispatch_round(ws)
                rounds += 1
                if fmt.value == "json":
                    data = {"events": found, "sent": report.sent, "failed": report.failed,
                            "dead": report.dead, "errors": report.errors}  # fmt: skip
                    if loop:
                        sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False) + "\n")
                        sys.stdout.flush()
                    else:
                        print_json(data)
                elif report.batches or found or not loop:
                    # In the reader's words, each number agreeing (it said "0
                    # monitor event(s) or report(s)", in English to all).
                    tell(ws, trn(
                        "%(n)s monitor event or report; sent %(sent)s, will retry %(failed)s, "
                        "dead %(dead)s.",
                        "%(n)s monitor events or reports; sent %(sent)s, will retry %(failed)s, "
                        "dead %(dead)s.",
                        found, n=Count(found), sent=Count(report.sent),
                        failed=Count(report.failed), dead=Count(report.dead),
                    ))  # fmt: skip
                    for err in report.errors:
                        console().print(f"  {err}", soft_wrap=True, markup=False)
                if not loop or stop.wait(ws.settings.alerts.dispatch_interval_seconds):
                    break
        if loop:
            err_console().print(
                f"Stopped after {rounds} {'round' if rounds == 1 else 'rounds'}; "
                "every delivery made is recorded."
            )

    def _deliveries(status: tuple[str, ...], alert_name: str | None, limit: int,
                    workspace: str | None, fmt: RowFormat, dead: bool) -> None:  # fmt: skip
        from veille.services.alerts import DELIVERY_COLUMNS, STATUS_WORDS, deliveries

        with open_workspace(workspace) as ws:
            found = deliveries(ws, status=status, alert=alert_name, limit=limit)
            rows = found.rows
            reader = cli_language(ws.root)
            say = speaker(reader)
            title = None
            if fmt.value == "table":
                # People read times in the workspace's zone, and are told which;
                # a status in words (JSON and CSV keep its code).
                rows = [{k: _time(v, reader) for k, v in r.items()} for r in rows]
                for row in rows:
                    row["status"] = say(STATUS_WORDS.get(row["status"], row["status"]))
                zone = str(found.timezone)
                title = say(tr("Dead letters (times in %(zone)s)", zone=zone) if dead
                            else tr("Deliveries (times in %(zone)s)", zone=zone))  # fmt: skip
            print_rows(rows, DELIVERY_COLUMNS, fmt, title=title, heads=said_heads(say, LIST_HEADS))

    @alert.command("deliveries")
    @handle_errors
    def deliveries_(
        alert_name: Annotated[
            str | None, typer.Option("--alert", help="Only this alert's deliveries.")
        ] = None,
        status: Annotated[
            list[str], typer.Option(help="pending, sending, sent, skipped, dead.")
        ] = [],  # noqa: B006
        limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 100,
        workspace: WorkspaceOpt = None,
        fmt: RowFormatOpt = RowFormat.table,
    ) -> None:
        """The outbox: every queued, sent and skipped delivery (newest first)."""
        _deliveries(tuple(status), alert_name, limit, workspace, fmt, dead=False)

    @alert.command("dead")
    @handle_errors
    def dead(
        alert_name: Annotated[
            str | None, typer.Option("--alert", help="Only this alert's deliveries.")
        ] = None,
        retry: Annotated[bool, typer.Option(help="Give them another round of attempts.")] = False,
        limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 100,
        workspace: WorkspaceOpt = None,
        fmt: RowFormatOpt = RowFormat.table,
    ) -> None:
        """Dead letters: deliveries that failed every attempt, with the last error."""
        if retry:
            from veille.services.alerts import retry_dead

            with open_workspace(workspace) as ws:
                n = Count(retry_dead(ws, alert_name))
                tell(ws, trn("%(n)s dead letter queued again.", "%(n)s dead letters queued again.",
                             n, n=n))  # fmt: skip
            return
        _deliveries(("dead",), alert_name, limit, workspace, fmt, dead=True)

    @alert.command("notrelevant")
    @handle_errors
    def notrelevant(
        post_id: str,
        alert_name: Annotated[str, typer.Option("--alert", help="The alert that sent it.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Mark a delivered post as not relevant (feeds `alert suggest`)."""
        from veille.services.alerts import mark_not_relevant

        with open_workspace(workspace) as ws:
            mark_not_relevant(ws, alert_name, post_id)
            tell(ws, tr("%(post)s marked not relevant for %(alert)s.", post=post_id,
                        alert=alert_name))  # fmt: skip

    @alert.command("suggest")
    @handle_errors
    def suggest(
        name: str, workspace: WorkspaceOpt = None, fmt: FormatOpt = DataFormat.table
    ) -> None:
        """Suggest NOT terms for the alert's query from its "not relevant" marks."""
        from veille.services.alerts import suggest_not_terms

        with open_workspace(workspace) as ws:
            found = suggest_not_terms(ws, name)
            rows = [{"add": f"-{s.term}", "in_marked": s.in_marked, "in_others": s.in_kept,
                     "score": s.score} for s in found]  # fmt: skip
            print_rows(rows, ("add", "in_marked", "in_others", "score"), fmt, title="NOT terms")

    @alert.command("import")
    @handle_errors
    def import_(
        file: Annotated[Path, typer.Argument(help="Google Alerts export (Takeout JSON).")],
        to: Annotated[
            str | None,
            typer.Option(
                "--to", help="Channel for alerts delivered by RSS (default: an Atom feed file)."
            ),
        ] = None,
        update: Annotated[
            bool,
            typer.Option(
                "--update",
                help="Give the alerts imported before the file's settings (default: leave them).",
            ),
        ] = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Create topics and alerts from a Google Alerts export.

        An alert imported before (the same query) is not made twice: it is
        left as it is, or given the file's settings with --update."""
        from veille.alerts.google import import_google_alerts

        with open_workspace(workspace) as ws:
            say = speaker(cli_language(ws.root))
            for line in import_google_alerts(ws, file, rss_channel=to, update=update):
                # Queries, names and notes ("[enrich] languages") are data, not markup.
                console().print(say(line), soft_wrap=True, markup=False)


def _time(value: object, reader: str) -> object:
    """A delivery's time in a table (already in the workspace's zone): with
    its zone's name in English, as it was; the French way in French (the
    title names the zone)."""
    if not isinstance(value, datetime):
        return value
    return f"{value:%Y-%m-%d %H:%M %Z}" if reader == "en" else time_cell(value, reader)
