"""``veille calendar …``: the content calendar that ``veille run`` publishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

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
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
    tell,
    warn,
)
from veille.errors import tr

COLUMNS = ["id", "when", "account", "status", "text", "problems", "url", "error"]


def _ask_if_past(ws: Any, at: str, *, can_ask: bool) -> None:
    """Refuse a time (``--at``) already past, or ask at a terminal: such a
    post went out at the next ``veille run``, not when its writer meant."""
    import sys

    from veille.errors import UnclearTime, UsageError
    from veille.publish.calendar import check_to_come

    try:
        check_to_come(at, ws.settings.workspace.timezone, now=ws.clock())
    except UnclearTime:
        raise  # a time the clock shows twice or never: no "save it anyway?"
    except UsageError as past:
        # Asked where someone can answer (not when the text comes on stdin).
        if not can_ask or not sys.stdin.isatty():
            raise
        from veille.cli.asking import confirm

        # Asked as the other questions are: « [o/N] » taking « oui » (it
        # asked a French reader typer's « [y/N]: » and refused « oui »).
        lang = cli_language(ws.root)
        asked = tr("%(why)s. Save it anyway?", why=past.message)
        if not confirm(speaker(lang)(asked), lang):
            raise typer.Exit(1) from None


def _warn_cadence(ws: Any, e: Any) -> None:
    """Say when the post's week now holds more posts on its platform than
    the channel plan sets (it is saved all the same)."""
    from veille.publish.cadence import over_cadence

    say = speaker(cli_language(ws.root))
    for said in over_cadence(ws.state, ws.settings, e):
        warn(said, say=say)


def _row(e: Any, tz: str, full: bool, say: Callable[[str], str] | None = None) -> dict[str, Any]:
    """``e`` as a row: with ``say``, for a person (its status in words, as
    the calendar's page says it, and its error in the reader's language);
    without, for a script (the status's code, as ``--status`` takes it)."""
    from veille.publish.calendar import STATUS_WORDS, local

    return {
        "id": e.id,
        "when": local(e.scheduled_at, tz).strftime("%Y-%m-%d %H:%M"),
        "account": e.account,
        "status": say(STATUS_WORDS.get(e.status, e.status)) if say else e.status,
        "text": e.text if full else (e.text[:40] + "…" if len(e.text) > 40 else e.text),
        "problems": "; ".join(p["code"] for p in e.problems),
        "url": e.published_url or "",
        "error": (say or str)(e.error) if e.error else "",
    }


def _show(e: Any, output: DataFormat, tz: str, lang: str) -> None:
    if output is DataFormat.json:
        from dataclasses import asdict

        print_json(asdict(e))
        return
    say = speaker(lang)
    row = _row(e, tz, False, say)  # its status in words, as `calendar list` says it
    # On the workspace's clock, saying which, as `calendar list`'s title does.
    said = tr("#%(id)s %(account)s %(when)s (time in %(zone)s) %(status)s", id=str(e.id),
              account=e.account, when=row["when"], zone=tz, status=row["status"])  # fmt: skip
    console().print(say(said), markup=False)
    for p in e.problems:
        # The checker wrote each problem in both languages (as draft check shows them).
        said = (p.get("message_fr") or p["message"]) if lang == "fr" else p["message"]
        err_console().print(f"  {p['code']}: {said}", markup=False, soft_wrap=True)


def _save(
    ws: Any,
    at: str | None,
    save: Callable[..., Any],
    *,
    yes: bool,
    can_ask: bool,
    output: DataFormat,
) -> None:
    """Ask about a time already past (``at``, on the workspace's clock;
    unless ``--yes``), then save through ``save`` (a service call taking
    ``past_ok``), show the post
    and warn of a week over its cadence: what ``add`` and ``edit`` share."""
    if at is not None and not yes:
        _ask_if_past(ws, at, can_ask=can_ask)
    # Asked above, or --yes: the service need not refuse the past again.
    e = save(past_ok=True)
    _show(e, output, ws.settings.workspace.timezone, cli_language(ws.root))
    _warn_cadence(ws, e)


def register(app: typer.Typer) -> None:
    cal = typer.Typer(help="The content calendar: posts to publish, when.", no_args_is_help=True)
    app.add_typer(cal, name="calendar")

    @cal.command("add")
    @handle_errors
    def add(
        account: Annotated[str, typer.Option("--account", "-a", help="The account's name.")],
        at: Annotated[str, typer.Option(help="When: 2026-12-03 09:30 (workspace time zone).")],
        text: Annotated[str | None, typer.Argument(help="The text, or - for stdin.")] = None,
        title: Annotated[str | None, typer.Option(help="Title (WordPress).")] = None,
        language: Annotated[str | None, typer.Option(help="Language code (fr, en).")] = None,
        reply_to: Annotated[str | None, typer.Option(help="Id of a post to answer.")] = None,
        by: Annotated[str, typer.Option(help="Who writes it (a username).")] = "",
        yes: Annotated[
            bool,
            typer.Option(
                "--yes",
                help="Save a time already past without asking (it goes out at the next run).",
            ),
        ] = False,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Save a post for a time; the draft checker's verdict is shown and kept."""
        from veille.cli.draft import read_text
        from veille.publish.calendar import add_entry

        with open_workspace(workspace) as ws:
            # The text (stdin with -) is read only once the time is settled.
            _save(
                ws,
                at,
                lambda **past: add_entry(
                    ws.state,
                    ws.settings,
                    account=account,
                    text=read_text(text),
                    at=at,
                    title=title,
                    language=language,
                    reply_to=reply_to,
                    by=by,
                    now=ws.clock(),
                    **past,
                ),
                yes=yes,
                can_ask=text != "-",
                output=output,
            )

    @cal.command("edit")
    @handle_errors
    def edit(
        entry_id: Annotated[int, typer.Argument(help="The post's number.")],
        text: Annotated[str | None, typer.Option(help="New text.")] = None,
        at: Annotated[str | None, typer.Option(help="New time.")] = None,
        title: Annotated[str | None, typer.Option(help="New title.")] = None,
        account: Annotated[
            str | None,
            typer.Option(help="Move it to this account (veille publish account list)."),
        ] = None,
        yes: Annotated[
            bool,
            typer.Option(
                "--yes",
                help="Save a time already past without asking (it goes out at the next run).",
            ),
        ] = False,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Change a post not yet published (checked again; an approval must be given again)."""
        from veille.publish.calendar import edit_entry

        with open_workspace(workspace) as ws:
            _save(
                ws,
                at,
                lambda **past: edit_entry(
                    ws.state,
                    ws.settings,
                    entry_id,
                    text=text,
                    at=at,
                    title=title,
                    account=account,
                    now=ws.clock(),
                    **past,
                ),
                yes=yes,
                can_ask=True,
                output=output,
            )

    @cal.command("list")
    @handle_errors
    def list_cmd(
        status: Annotated[
            list[str] | None,
            typer.Option(
                help="Only these statuses (repeatable): draft, approved, scheduled, published "
                "or failed."
            ),
        ] = None,
        full: Annotated[bool, typer.Option(help="Whole texts.")] = False,
        workspace: WorkspaceOpt = None,
        output: RowFormatOpt = RowFormat.table,
    ) -> None:
        """The calendar by time, with statuses, problems, links and errors."""
        from veille.publish.calendar import list_entries

        with open_workspace(workspace) as ws:
            tz = ws.settings.workspace.timezone
            reader = cli_language(ws.root)
            say = speaker(reader)
            # CSV and JSON keep the codes and the English a script reads.
            table = output is RowFormat.table
            rows = [_row(e, tz, full or not table, say if table else None)
                    for e in list_entries(ws.state, statuses=tuple(status or ()))]  # fmt: skip
            from veille.services.dangling import calendar_references, said

            # Posts waiting to go out as an account removed under them (before
            # veille refused that): each fails at its time.
            broken = calendar_references(ws.state)
        for d in broken:
            warn(said(d), say=say)
        # Its times are the workspace's clock (as --at takes them): the table
        # says which (it never did); CSV and JSON keep them as they were.
        title = say(tr("Calendar (times in %(zone)s)", zone=tz))
        print_rows(rows, COLUMNS, output, title=title if table else None,
                   heads=said_heads(say, LIST_HEADS))  # fmt: skip

    @cal.command("approve")
    @handle_errors
    def approve(
        entry_id: Annotated[int, typer.Argument(help="The post's number.")],
        by: Annotated[str, typer.Option(help="The approving manager (a username).")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Approve a post (needed when [plan] require_approval = true)."""
        from veille.publish.calendar import approve_entry

        with open_workspace(workspace) as ws:
            e = approve_entry(ws.state, entry_id, by=by, now=ws.clock())
            tell(ws, tr("#%(id)s approved by %(by)s; it goes out at its time.", id=e.id, by=by))

    @cal.command("publish")
    @handle_errors
    def publish(
        entry_id: Annotated[
            int | None, typer.Argument(help="One post, now (default: every due post).")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option(help="Show what would be sent; send nothing.")
        ] = False,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Publish the due posts now (veille run does it on its own)."""
        from veille.publish.calendar import publish_due

        with open_workspace(workspace) as ws:
            outcomes = publish_due(ws.state, ws.settings, dry_run=dry_run, only=entry_id)
            say = speaker(cli_language(ws.root))
        if output is DataFormat.json:
            print_json([{"id": o.entry_id, "result": o.result, "error": o.error,
                         "url": o.published.url if o.published else None,
                         "request": dict(o.published.request or {}) if o.published else None}
                        for o in outcomes])  # fmt: skip
        else:
            for o in outcomes:
                console().print(say(o.line()), markup=False, soft_wrap=True)
            if not outcomes:
                console().print(say(tr("nothing due.")), markup=False)
        if any(o.result == "failed" for o in outcomes):
            raise typer.Exit(1)

    @cal.command("remove")
    @handle_errors
    def remove(
        entry_id: Annotated[int, typer.Argument(help="The post's number.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Remove a post from the calendar (a published post stays on its platform)."""
        from veille.publish.calendar import remove_entry

        with open_workspace(workspace) as ws:
            remove_entry(ws.state, entry_id)
            tell(ws, tr("#%(id)s removed.", id=entry_id))
