"""Privacy commands: ``privacy erase|lift|access|purge|log``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from veille.analytics.findings import platform_name
from veille.cli.asking import confirm
from veille.cli.common import (
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
    time_cell,
    warn,
)
from veille.errors import Count, tr, trn

#: Whom ``erase`` and ``access`` are about: the same options for both.
AuthorOpt = Annotated[str, typer.Option("--author", help="The person's handle.")]
PlatformOpt = Annotated[
    str | None, typer.Option("--platform", help="Only on this platform (default: all).")
]
#: ``erase`` and ``lift`` ask first, unless told not to.
YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def _known_platform(platform: str | None) -> str | None:
    """``platform`` checked against the known ones: a misspelt platform would
    erase nothing (or lift nothing) and log it as done."""
    from veille.suggest import check_platforms

    return check_platforms((platform,))[0] if platform else platform


def _ask_or_stop(asked: str, refused: str, reader: str, *, yes: bool) -> None:
    """Ask ``asked`` (unless ``--yes``); a no says ``refused`` and ends the
    command with status 1, nothing changed."""
    say = speaker(reader)
    if not yes and not confirm(say(asked), reader):
        err_console().print(say(refused), markup=False)
        raise typer.Exit(1)


#: The sections of ``privacy access``'s report, as its summary counts them:
#: (English one, other; French one, other). It said "1 profiles, 6 posts, 3
#: alert deliveries", in English in a French sentence too.
_SECTIONS = {
    "profiles": ("profile", "profiles", "profil", "profils"),
    "posts": ("post", "posts", "publication", "publications"),
    "inbox_items": ("inbox item", "inbox items", "élément de la boîte de réception",
                    "éléments de la boîte de réception"),
    "account_links": ("account link", "account links", "lien entre comptes",
                      "liens entre comptes"),
    "objections": ("objection", "objections", "opposition", "oppositions"),
    "alert_deliveries": ("alert delivery", "alert deliveries", "envoi d’alerte",
                         "envois d’alerte"),
    "alert_events": ("alert event", "alert events", "événement d’alerte", "événements d’alerte"),
    "alert_marks": ("alert mark", "alert marks", "marque d’alerte", "marques d’alerte"),
    "audit_entries": ("audit log entry", "audit log entries", "entrée du journal d’audit",
                      "entrées du journal d’audit"),
    "quarantine": ("quarantined item", "quarantined items", "élément en quarantaine",
                   "éléments en quarantaine"),
    "sentiment_corrections": ("sentiment correction", "sentiment corrections",
                              "correction de sentiment", "corrections de sentiment"),
    "calendar_entries": ("calendar entry", "calendar entries", "entrée du calendrier",
                         "entrées du calendrier"),
    "account_snapshots": ("account snapshot", "account snapshots", "relevé de compte",
                          "relevés de compte"),
    "inbox_notes": ("note naming them", "notes naming them", "note les nommant",
                    "notes les nommant"),
}  # fmt: skip


def _section_count(section: str, n: int, lang: str) -> str:
    """``n`` entries of the report's ``section``, in ``lang``, agreeing with ``n``."""
    from veille.i18n import count

    words = _SECTIONS.get(section)
    if words is None:  # a section added since: its name, as the file gives it
        return f"{count(n, lang, '', '')}{section.replace('_', ' ')}"
    one, other = words[2:] if lang == "fr" else words[:2]
    return count(n, lang, one, other)


def _on(platform: str | None, *, every: bool) -> str:
    """`` on x`` (the platform named), `` on every platform`` (``every``) or
    nothing, said with the sentence it is part of."""
    if platform:
        return tr(" on %(platform)s", platform=platform_name(platform))
    return tr(" on every platform") if every else ""


def _warn_none_by(said: str, near: list[str], workspace: str | None, *, to_erase: bool) -> None:
    """The warning that nothing stored is by the person asked for
    (``said``), with the stored handles like theirs (``near``), one of which
    the reader may have meant (to erase: naming it with --author)."""
    if near:
        handles = ", ".join(near)
        said = (
            tr("%(said)s Stored handles like it: %(handles)s; erase one with --author.",
               said=said, handles=handles) if to_erase
            else tr("%(said)s Stored handles like it: %(handles)s.", said=said, handles=handles)
        )  # fmt: skip
    warn(said, workspace)


def register(app: typer.Typer) -> None:
    privacy = typer.Typer(
        help="Forget people's data: on request, and by age.", no_args_is_help=True
    )
    app.add_typer(privacy, name="privacy")

    @privacy.command("erase")
    @handle_errors
    def erase(
        author: AuthorOpt,
        platform: PlatformOpt = None,
        yes: YesOpt = False,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Remove a person's posts and every copy veille made of them (filings,
        stories, outbox, quarantine, Atom feeds, calendar entries, account
        snapshots), and log that it was done. Their later posts are not stored
        either, until 'veille privacy lift'."""
        from veille.services.privacy import erase_author, handles_like, removed_said

        platform = _known_platform(platform)
        reader = cli_language(workspace)
        say = speaker(reader)
        asked = (
            tr(
                "Erase every post by %(author)s on %(platform)s?",
                author=author,
                platform=platform_name(platform),
            )
            if platform
            else tr("Erase every post by %(author)s on every platform?", author=author)
        )
        _ask_or_stop(asked, tr("Nothing erased."), reader, yes=yes)
        with open_workspace(workspace) as ws:
            report = erase_author(ws, author, platform)
            near = handles_like(ws, author, platform) if not report.posts else []
        if not report.posts:
            said = tr(
                "no stored post is by %(author)s%(where)s: nothing was erased, but the handle "
                "is forgotten (posts collected later are not stored until 'veille privacy lift').",
                author=author,
                where=_on(platform, every=True),
            )
            _warn_none_by(said, near, workspace, to_erase=True)
        if output is DataFormat.json:
            print_json({"posts": report.posts, "removed": report.removed})
            return
        # What else went, in words (JSON and the log keep the keys: inbox_items=2).
        also = removed_said(report.removed)
        posts = Count(report.posts)
        said = (
            trn("%(n)s post by %(author)s on %(platform)s erased; also removed: %(also)s",
                "%(n)s posts by %(author)s on %(platform)s erased; also removed: %(also)s",
                posts, n=posts, author=author, platform=platform_name(platform),
                also=also or tr("nothing else"))
            if platform
            else trn("%(n)s post by %(author)s on every platform erased; also removed: %(also)s",
                     "%(n)s posts by %(author)s on every platform erased; also removed: %(also)s",
                     posts, n=posts, author=author, also=also or tr("nothing else"))
        )  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)

    @privacy.command("lift")
    @handle_errors
    def lift(
        author: AuthorOpt,
        platform: PlatformOpt = None,
        yes: YesOpt = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Lift the objection an erasure recorded: the person's new posts are
        collected again (those published until now stay refused). Logged."""
        from veille.services.privacy import lift_objection

        platform = _known_platform(platform)
        reader = cli_language(workspace)
        say = speaker(reader)
        asked = (tr("Collect the new posts of %(author)s on %(platform)s again?", author=author,
                    platform=platform_name(platform)) if platform
                 else tr("Collect the new posts of %(author)s on every platform again?",
                         author=author))  # fmt: skip
        _ask_or_stop(asked, tr("Nothing lifted."), reader, yes=yes)
        with open_workspace(workspace) as ws:
            lift_objection(ws, author, platform)
        said = (
            tr("Objection of %(author)s on %(platform)s lifted: what they publish from now on is "
               "collected; what they published until now stays refused.", author=author,
               platform=platform_name(platform)) if platform
            else tr("Objection of %(author)s on every platform lifted: what they publish from now "
                    "on is collected; what they published until now stays refused.", author=author)
        )  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)

    @privacy.command("access")
    @handle_errors
    def access(
        author: AuthorOpt,
        platform: PlatformOpt = None,
        out: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="File to write (default: stdout); made private."),
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Everything held about a person, as JSON, for a subject access request:
        profiles, posts with raw payloads, inbox items with notes and replies, alert
        deliveries, corrections, quarantined items, audit entries, calendar entries,
        account snapshots."""
        from veille.services.disclosure import access_json, access_report
        from veille.services.privacy import handles_like

        platform = _known_platform(platform)
        with open_workspace(workspace) as ws:
            report = access_report(ws, author, platform)
            empty = not report["posts"] and not report["inbox_items"]
            near = handles_like(ws, author, platform) if empty else []
            reader = cli_language(ws.root)
        say = speaker(reader)
        if empty:
            said = tr(
                "no stored post or inbox item is by %(author)s%(where)s.",
                author=author,
                where=_on(platform, every=False),
            )
            _warn_none_by(said, near, workspace, to_erase=False)
        text = access_json(report) + "\n"
        if out is None:
            typer.echo(text, nl=False)
            return
        # Personal data: readable by its owner only, from the first byte.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a file that was there keeps its mode otherwise
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        # Each section by the name the file gives it (inbox items: inbox_items).
        counts = ", ".join(
            _section_count(k, len(v), reader)
            for k, v in report.items()
            if isinstance(v, list) and v
        )
        said = (
            tr("%(counts)s written to %(path)s", counts=counts, path=str(out))
            if counts
            # It said " written to FILE", its count missing, where nothing is held.
            else tr("nothing held: an empty report written to %(path)s", path=str(out))
        )
        err_console().print(say(said), markup=False, soft_wrap=True)

    @privacy.command("purge")
    @handle_errors
    def purge(workspace: WorkspaceOpt = None) -> None:
        """Apply the retention settings now (veille run also does it every hour)."""
        from veille.errors import Count, tr, trn
        from veille.services.retention import apply_retention

        with open_workspace(workspace) as ws:
            report = apply_retention(ws)
            days = ws.settings.privacy.inbox_days
            say = speaker(cli_language(ws.root))
        if report is None:
            said = tr("No retention is set: see [privacy] retention_days, raw_days and "
                      "inbox_days in veille.toml.")  # fmt: skip
            console().print(say(said), soft_wrap=True, markup=False, highlight=False)
            return
        posts, raw = Count(report.posts), Count(report.removed.get("raw_payloads", 0))
        said = tr(
            "%(posts)s; %(raw)s.",
            posts=trn("%(n)s post older than the retention period deleted",
                      "%(n)s posts older than the retention period deleted", posts, n=posts),
            raw=trn("%(n)s raw payload emptied", "%(n)s raw payloads emptied", raw, n=raw),
        )  # fmt: skip
        lines = [say(said)]
        if days:
            items = Count(report.removed.get("inbox_items", 0))
            lines.append(say(trn("%(n)s inbox item untouched for %(days)s days deleted.",
                                 "%(n)s inbox items untouched for %(days)s days deleted.",
                                 items, n=items, days=Count(days))))  # fmt: skip
        console().print(" ".join(lines), soft_wrap=True, markup=False, highlight=False)

    @privacy.command("log")
    @handle_errors
    def log(
        workspace: WorkspaceOpt = None,
        output: RowFormatOpt = RowFormat.table,
        kind: Annotated[
            str | None,
            typer.Option(
                "--kind",
                help="Only entries of this kind: author, retention, inbox, suppressed or lift.",
            ),
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 100,
    ) -> None:
        """What was forgotten and when (a person is named by a keyed hash, never a handle),
        and what else went with it."""
        from veille.services.disclosure import erasure_log
        from veille.services.privacy import (
            removed_said,
            unfinished_erasures,
            unfinished_hint,
            unfinished_message,
        )

        with open_workspace(workspace) as ws:
            # An erasure killed midway is in no entry yet: said first, with
            # what to do (on stderr, the rows stay what a script reads).
            reader = cli_language(ws.root)
            for e in unfinished_erasures(ws):
                warn(tr("%(message)s. %(hint)s", message=unfinished_message(e),
                        hint=unfinished_hint(e)), say=speaker(reader))  # fmt: skip
            entries = erasure_log(ws, limit, kind)
            rows: list[dict[str, object]] = [
                {"at": e.at, "kind": e.kind, "platform": e.platform or "", "subject": e.subject,
                 "posts": e.posts,
                 "removed": ", ".join(f"{k}={n}" for k, n in sorted(e.details.items()) if n)}
                for e in entries
            ]  # fmt: skip
            tz = ws.settings.workspace.timezone
        title = None
        if output is RowFormat.table:  # the time the reader's way; CSV and JSON keep ISO 8601
            # On the workspace's clock, the title saying which (UTC, unsaid, before).
            for row, entry in zip(rows, entries, strict=True):
                row["at"] = time_cell(entry.at, reader, tz)
                row["platform"] = platform_name(entry.platform) if entry.platform else ""
                # In words (CSV and JSON keep the keys: inbox_items=2).
                row["removed"] = speaker(reader)(removed_said(entry.details) or "")
            title = speaker(reader)(tr("Privacy log (times in %(zone)s)", zone=tz))
        heads = {"at": tr("at"), "kind": tr("kind"), "platform": tr("platform"),
                 "subject": tr("subject"), "posts": tr("posts"),
                 "removed": tr("removed")}  # fmt: skip
        print_rows(rows, ["at", "kind", "platform", "subject", "posts", "removed"], output,
                   title=title, heads=said_heads(speaker(reader), heads))  # fmt: skip
