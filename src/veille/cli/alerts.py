"""``veille alert …``: alerts on topics and queries, their outbox and monitors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
)

EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every",
        help="instant (as it happens, the default), hourly, daily or weekly "
        "(reports: weekly by default).",
    ),
]


def _slug(text: str) -> str:
    import re

    from veille.textnorm import fold

    return re.sub(r"[^\w.@+-]+", "-", fold(text)).strip("-.")[:80] or "alert"


def register(app: typer.Typer) -> None:
    alert = typer.Typer(help="Alerts: topic or query matches, digests, spikes, silence.",
                        no_args_is_help=True)  # fmt: skip
    app.add_typer(alert, name="alert")

    @alert.command("add")
    @handle_errors
    def add(
        topic: Annotated[str | None, typer.Argument(help="Topic to watch.")] = None,
        to: Annotated[
            str,
            typer.Option(
                "--to", help="Channel URL: mailto:, webhook+https://, atom:PATH or an apprise URL."
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
                help="Report: the period covered (last-week, last-month, last-7d, last-1d, "
                "last-hour; default from --every)."
            ),
        ] = None,
        mode: Annotated[str, typer.Option(help="all, or best: one post per story.")] = "all",
        min_followers: Annotated[int, typer.Option(min=0)] = 0,
        min_engagement: Annotated[int, typer.Option(min=0)] = 0,
        lang: Annotated[list[str], typer.Option(help="Only posts in this language.")] = [],  # noqa: B006
        platform: Annotated[list[str], typer.Option(help="Only this platform.")] = [],  # noqa: B006
        cap: Annotated[int, typer.Option(min=0, help="At most N posts a day (0: no cap).")] = 0,
        quiet: Annotated[str | None, typer.Option(help="Quiet hours, e.g. 22:00-07:00.")] = None,
        language: Annotated[str | None, typer.Option(help="Language of e-mails: en or fr.")] = None,
        threshold: Annotated[
            float, typer.Option(help="Spike/sentiment: standard deviations.")
        ] = 3.0,
        silent_hours: Annotated[int, typer.Option(help="Silence: hours without a post.")] = 6,
        source: Annotated[str | None, typer.Option(help="Silence: watch this source.")] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add an alert, e.g. veille alert add Lumio --to mailto:me@x.org --every daily"""
        from veille.alerts.channels import ChannelContext, channel_for
        from veille.alerts.matching import compile_text, topic_query
        from veille.alerts.model import Alert, AlertBook, parse_quiet, parse_weekday
        from veille.errors import NotFound, UsageError, VeilleError

        if not to:
            raise UsageError("--to is required", hint="e.g. --to mailto:you@example.org")
        if report:
            if kind not in ("match", "report"):
                raise UsageError(f"--report and --kind {kind} do not go together")
            kind = "report"
        if period and kind != "report":
            raise UsageError("--period is for report alerts", hint="Add --report.")
        every = every or ("weekly" if kind == "report" else "instant")
        from veille.alerts.model import connection

        with open_workspace(workspace) as ws:
            conn = connection(ws.store)
            if topic and not query and topic_query(ws.store, topic) is None:
                raise NotFound(
                    f"no topic named {topic!r}",
                    hint=f"Create it (veille topic add {topic} QUERY) or give --query.",
                )
            if topic and query:
                raise UsageError("give a TOPIC or a --query, not both")
            if query:
                try:
                    compile_text(query)
                except VeilleError as exc:
                    raise UsageError(f"--query {query!r}: {exc.message}", hint=exc.hint) from exc
            qs, qe = parse_quiet(quiet)
            params: dict[str, object] = {"threshold": threshold, "silent_hours": silent_hours}
            if source:
                params["source"] = source
            default_name = topic or _slug(query or source or "")
            if kind == "report":
                params = {"period": period} if period else {}
                default_name = f"{topic or (_slug(query) if query else 'all')}-report"
            new = Alert(
                name=name or default_name,
                channel_url=to, kind=kind, topic=topic, query=query,
                frequency=every, at_time=at, weekday=parse_weekday(day), mode=mode,
                min_followers=min_followers, min_engagement=min_engagement,
                languages=tuple(lang), platforms=tuple(platform), daily_cap=cap,
                quiet_start=qs, quiet_end=qe,
                language=language or ws.settings.workspace.ui_language, params=params,
            ).validate()  # fmt: skip
            channel_for(to, ChannelContext(ws.settings, ws.root))  # refuse a bad URL now
            saved = AlertBook(conn).add(new)
            console().print(f"alert [bold]{saved.name}[/] added ({saved.kind}, {saved.frequency}).")

    @alert.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, fmt: FormatOpt = DataFormat.table) -> None:
        """List alerts with their state."""
        from veille.alerts.channels.apprise_mask import mask_channel_url
        from veille.alerts.model import WEEKDAYS, AlertBook, connection

        with open_workspace(workspace) as ws:
            rows = []
            for a in AlertBook(connection(ws.store)).all():
                when = {
                    "daily": f" at {a.at_time}",
                    "weekly": f" {WEEKDAYS[a.weekday]} {a.at_time}",
                }
                rows.append({
                    "name": a.name, "kind": a.kind, "watches": a.subject,
                    "every": a.frequency + when.get(a.frequency, ""), "mode": a.mode,
                    "to": mask_channel_url(a.channel_url), "paused": a.paused,
                })  # fmt: skip
            cols = ("name", "kind", "watches", "every", "mode", "to", "paused")
            print_rows(rows, cols, fmt, title="Alerts")

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
        from dataclasses import asdict

        from veille.alerts.channels.apprise_mask import mask_channel_url
        from veille.alerts.model import AlertBook, connection

        with open_workspace(workspace) as ws:
            conn = connection(ws.store)
            a = AlertBook(conn).get(name)
            data = asdict(a)
            if not secret:
                data.pop("secret")
                data["channel_url"] = mask_channel_url(a.channel_url)
            data["outbox"] = dict(
                conn.execute(
                    "SELECT status, count(*) FROM deliveries WHERE alert_id = ? GROUP BY status",
                    (a.id,),
                ).fetchall()
            )
            print_json(data)

    def _set_paused(name: str, paused: bool, workspace: str | None) -> None:
        from veille.alerts.model import AlertBook, connection

        with open_workspace(workspace) as ws:
            AlertBook(connection(ws.store)).update(name, paused=paused)
            console().print(f"alert {name} {'paused' if paused else 'resumed'}.")

    @alert.command("pause")
    @handle_errors
    def pause(name: str, workspace: WorkspaceOpt = None) -> None:
        """Stop sending (matches are still kept in the outbox)."""
        _set_paused(name, True, workspace)

    @alert.command("resume")
    @handle_errors
    def resume(name: str, workspace: WorkspaceOpt = None) -> None:
        """Send again, including what was queued while paused."""
        _set_paused(name, False, workspace)

    @alert.command("remove")
    @handle_errors
    def remove(name: str, workspace: WorkspaceOpt = None) -> None:
        """Remove an alert and its outbox."""
        from veille.alerts.model import AlertBook, connection

        with open_workspace(workspace) as ws:
            AlertBook(connection(ws.store)).remove(name)
            console().print(f"alert {name} removed.")

    @alert.command("test")
    @handle_errors
    def test(name: str, workspace: WorkspaceOpt = None) -> None:
        """Send a sample of the alert now, to check its channel."""
        from veille.alerts.channels.apprise_mask import mask_channel_url
        from veille.alerts.model import AlertBook, connection
        from veille.alerts.service import send_test
        from veille.alerts.stage import engine_for

        with open_workspace(workspace) as ws:
            a = AlertBook(connection(ws.store)).get(name)
            n = send_test(engine_for(ws), a)
            to = mask_channel_url(a.channel_url)
            if a.kind == "report":
                console().print(f"sent the report of the latest period ({n} post(s)) to {to}.")
            else:
                console().print(f"sent a sample of {n} post(s) to {to}.")

    @alert.command("dispatch")
    @handle_errors
    def dispatch(
        loop: Annotated[bool, typer.Option(help="Keep running (a daemon).")] = False,
        workspace: WorkspaceOpt = None,
        fmt: FormatOpt = DataFormat.table,
    ) -> None:
        """Send due digests and retries, and check spike/sentiment/silence alerts."""
        import time

        from veille.alerts.stage import dispatch_once, engine_for

        with open_workspace(workspace) as ws:
            engine = engine_for(ws)
            while True:
                found, report = dispatch_once(engine)
                if fmt.value == "json":
                    print_json({"events": found, "sent": report.sent, "failed": report.failed,
                                "dead": report.dead, "errors": report.errors})  # fmt: skip
                elif report.batches or found or not loop:
                    console().print(
                        f"{found} monitor event(s) or report(s); sent {report.sent}, will retry "
                        f"{report.failed}, dead {report.dead}."
                    )
                    for err in report.errors:
                        console().print(f"  {err}", soft_wrap=True)
                if not loop:
                    break
                time.sleep(ws.settings.alerts.dispatch_interval_seconds)

    def _deliveries(status: tuple[str, ...], alert_name: str | None, limit: int,
                    workspace: str | None, fmt: RowFormat, title: str) -> None:  # fmt: skip
        from veille.alerts.model import connection
        from veille.alerts.service import DELIVERY_COLUMNS, deliveries

        with open_workspace(workspace) as ws:
            rows = deliveries(connection(ws.store), status=status, alert=alert_name, limit=limit)
            print_rows(rows, DELIVERY_COLUMNS, fmt, title=title)

    @alert.command("deliveries")
    @handle_errors
    def deliveries_(
        alert_name: Annotated[str | None, typer.Option("--alert")] = None,
        status: Annotated[
            list[str], typer.Option(help="pending, sending, sent, skipped, dead.")
        ] = [],  # noqa: B006
        limit: int = 100,
        workspace: WorkspaceOpt = None,
        fmt: Annotated[RowFormat, typer.Option("--format", "-f")] = RowFormat.table,
    ) -> None:
        """The outbox: every queued, sent and skipped delivery (newest first)."""
        _deliveries(tuple(status), alert_name, limit, workspace, fmt, "Deliveries")

    @alert.command("dead")
    @handle_errors
    def dead(
        alert_name: Annotated[str | None, typer.Option("--alert")] = None,
        retry: Annotated[bool, typer.Option(help="Give them another round of attempts.")] = False,
        limit: int = 100,
        workspace: WorkspaceOpt = None,
        fmt: Annotated[RowFormat, typer.Option("--format", "-f")] = RowFormat.table,
    ) -> None:
        """Dead letters: deliveries that failed every attempt, with the last error."""
        if retry:
            from veille.alerts.model import AlertBook, connection
            from veille.alerts.stage import engine_for

            with open_workspace(workspace) as ws:
                aid = AlertBook(connection(ws.store)).get(alert_name).id if alert_name else None
                n = engine_for(ws).retry_dead(aid)
                console().print(f"{n} dead letter(s) queued again.")
            return
        _deliveries(("dead",), alert_name, limit, workspace, fmt, "Dead letters")

    @alert.command("notrelevant")
    @handle_errors
    def notrelevant(
        post_id: str,
        alert_name: Annotated[str, typer.Option("--alert", help="The alert that sent it.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Mark a delivered post as not relevant (feeds `alert suggest`)."""
        from veille.alerts.model import connection
        from veille.alerts.service import mark_not_relevant

        with open_workspace(workspace) as ws:
            mark_not_relevant(connection(ws.store), alert_name, post_id)
            console().print(f"{post_id} marked not relevant for {alert_name}.")

    @alert.command("suggest")
    @handle_errors
    def suggest(
        name: str, workspace: WorkspaceOpt = None, fmt: FormatOpt = DataFormat.table
    ) -> None:
        """Suggest NOT terms for the alert's query from its "not relevant" marks."""
        from veille.alerts.service import suggest_not_terms
        from veille.alerts.stage import engine_for

        with open_workspace(workspace) as ws:
            found = suggest_not_terms(engine_for(ws), name)
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
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Create topics and alerts from a Google Alerts export."""
        from veille.alerts.google import import_google_alerts

        with open_workspace(workspace) as ws:
            for line in import_google_alerts(ws, file, rss_channel=to):
                console().print(line, soft_wrap=True)
