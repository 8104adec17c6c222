"""``veille inbox reply|retry|answered|approvals|approve|reject|canned|team|view|metrics``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    console,
    count_cell,
    handle_errors,
    old_option_name,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
    tell,
    time_cell,
    warn,
)
from veille.cli.inbox import AsOpt, IdArg, _actor
from veille.cli.reader import cli_language
from veille.errors import Count, UsageError, tr

#: ``veille inbox metrics``'s columns, each with its header (said in the
#: reader's language); the first is the group, named as ``--by`` gives it.
_METRICS_HEADS = {
    "items": tr("items"), "backlog": tr("backlog"), "first": tr("first response (median)"),
    "within": tr("answered within target"), "resolution": tr("resolution (median)"),
}  # fmt: skip
#: ``veille inbox canned``'s and ``inbox team``'s columns with their headers.
_CANNED_HEADS = {"name": tr("name"), "lang": tr("language"), "text": tr("text")}
_TEAM_HEADS = {"team": tr("team"), "members": tr("members")}
#: ``veille inbox approvals``'s and ``inbox view``'s.
_APPROVAL_HEADS = {"reply": tr("reply"), "item": tr("item"), "author": tr("author"),
                   "text": tr("text"), "created_at": tr("created_at")}  # fmt: skip
_VIEW_HEADS = {"view": tr("view"), "filters": tr("filters")}
# A saved view's filters as the table says them, in the order of the
# inbox page's filters (their labels are the page's).
_FILTER_LABELS = {
    "statuses": tr("Status"), "priorities": tr("Priority"), "sentiments": tr("Sentiment"),
    "platforms": tr("Platforms"), "languages": tr("Languages"), "topics": tr("Topics"),
    "tags": tr("Tags"), "categories": tr("Categories"), "assignee": tr("Assigned to"),
    "text": tr("Text"),
}  # fmt: skip


def _filters_said(filters: dict[str, Any], say: Any, lang: str) -> str:
    """``{"statuses": ["new"], "assignee": "{me}"}`` as ``Status: new;
    Assigned to: you`` in the reader's words (the table printed the dict as
    Python until 2026-12-07; JSON keeps it)."""
    from veille.analytics.findings import platform_name
    from veille.i18n import language_name
    from veille.inbox.model import word

    def value(key: str, found: Any) -> str:
        if key == "assignee":
            return str(say(tr("you"))) if found == "{me}" else str(found)
        if not isinstance(found, list):
            return str(found)
        if key in ("statuses", "priorities", "sentiments"):
            return ", ".join(str(say(tr(word(v)))) for v in found)
        if key == "platforms":
            return ", ".join(platform_name(v) for v in found)
        if key == "languages":
            return ", ".join(language_name(v, lang) for v in found)
        return ", ".join(str(v) for v in found)

    parts = [
        say(tr("%(field)s: %(problem)s", field=say(label), problem=value(key, filters[key])))
        for key, label in _FILTER_LABELS.items()
        if filters.get(key)
    ]
    if filters.get("unassigned"):
        parts.append(say(tr("Unassigned")))
    return str(say(tr("; "))).join(str(p) for p in parts)


_BY_HEADS = {
    "person": tr("person"), "team": tr("team"), "platform": tr("platform"), "week": tr("week"),
    "priority": tr("priority"),
}  # fmt: skip


def _user(who: str | None) -> str:
    if not who:
        raise UsageError(
            tr("replying needs to know who you are"), hint=tr("Pass --as USER or set VEILLE_USER.")
        )
    return who.strip()


def _can_approve(ws: Any, user: str) -> bool:
    """Whether ``user`` is a manager (or admin). In a workspace without
    accounts (the command line alone) whoever runs veille decides."""
    from veille.services import users

    if users.count_users(ws.state) == 0:
        return True
    found = users.get_user(ws.state, user)
    if found is None:
        return False
    return found.can("manager")


def _said(outcome: Any, ws: Any) -> None:
    """What a reply sent (or sent again) came to: the guide's advice and the
    collisions on stderr, then where it went, or that it waits for approval."""
    for w in (*outcome.verdict.warnings, *outcome.warnings):
        warn(w)
    r = outcome.reply
    if r.status == "pending_approval":
        tell(ws, tr("reply #%(id)s waits for a manager's approval.", id=r.id))
    else:
        tell(ws, tr("reply #%(id)s sent: %(where)s", id=r.id, where=r.remote_url or r.remote_id))


def register_work(inbox: typer.Typer) -> None:
    @inbox.command("reply")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def reply(
        item_id: IdArg,
        text: Annotated[str | None, typer.Argument(help="The reply.")] = None,
        canned: Annotated[str | None, typer.Option(help="Use this canned response.")] = None,
        lang: Annotated[
            str, typer.Option("--language", help="Language of the canned response: en or fr.")
        ] = "en",
        account: Annotated[
            str | None, typer.Option(help="The organization's account to reply as.")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Send even if someone else is assigned or replying.")
        ] = False,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Reply to an item's post on its platform (Mastodon, Bluesky)."""
        from veille.inbox import canned as canned_
        from veille.inbox import replies

        user = _user(as_)
        with open_workspace(workspace) as ws:
            if canned:
                text = canned_.canned_text(ws.state, canned, lang)
            if not text:
                raise UsageError(tr("the reply needs text"), hint=tr("Give TEXT or --canned NAME."))
            outcome = replies.reply(
                ws, item_id, text, user=user, account=account, force=force,
                can_approve=_can_approve(ws, user),
            )  # fmt: skip
        _said(outcome, ws)

    @inbox.command("retry")
    @handle_errors
    def retry(
        reply_id: Annotated[int, typer.Argument(help="The failed reply's number.")],
        account: Annotated[
            str | None, typer.Option(help="The organization's account to reply as.")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Send even if someone else is assigned or replying.")
        ] = False,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Send a failed reply again, as it is (a platform that took it already keeps one)."""
        from veille.inbox import replies

        user = _user(as_)
        with open_workspace(workspace) as ws:
            outcome = replies.retry(
                ws, reply_id, user=user, account=account, force=force,
                can_approve=_can_approve(ws, user),
            )  # fmt: skip
        _said(outcome, ws)

    @inbox.command("answered")
    @handle_errors
    def answered(
        item_id: IdArg,
        link: Annotated[str, typer.Option(help="The reply's address on the platform.")] = "",
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Mark an item as answered outside veille (on the platform itself)."""
        from veille.inbox import replies

        with open_workspace(workspace) as ws:
            replies.answered_outside(ws, item_id, user=_actor(as_), link=link)
        tell(ws, tr("#%(id)s is marked answered.", id=item_id))

    @inbox.command("approvals")
    @handle_errors
    def approvals(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """Replies waiting for a manager's approval."""
        with open_workspace(workspace) as ws:
            found = ws.state.inbox_replies(status="pending_approval")
            tz = ws.settings.workspace.timezone
        lang = cli_language(ws.root)
        table = output is not DataFormat.json  # its time the reader's way; JSON's ISO 8601
        rows = [
            {"reply": r.id, "item": r.item_id, "author": r.author, "text": r.text,
             "created_at": time_cell(r.created_at, lang, tz) if table else r.created_at}
            for r in found
        ]  # fmt: skip
        if not table:
            print_json(rows)
            return
        say = speaker(lang)
        # On the workspace's clock, the title saying which (UTC, unsaid, before).
        print_rows(rows, list(_APPROVAL_HEADS), RowFormat.table,
                   title=say(tr("Replies awaiting approval (times in %(zone)s)", zone=tz)),
                   heads=said_heads(say, _APPROVAL_HEADS))  # fmt: skip

    @inbox.command("approve")
    @handle_errors
    def approve(
        reply_id: Annotated[int, typer.Argument(help="The reply's number.")],
        account: Annotated[str | None, typer.Option(help="The account to reply as.")] = None,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Approve a reply (managers): it is sent now."""
        from veille.inbox import replies

        user = _user(as_)
        with open_workspace(workspace) as ws:
            if not _can_approve(ws, user):
                raise UsageError(
                    tr("%(user)s is not a manager", user=user),
                    hint=tr("A manager or admin approves replies."),
                )
            r = replies.approve(ws, reply_id, approver=user, account=account)
        tell(ws, tr("reply #%(id)s approved and sent.", id=r.id))

    @inbox.command("reject")
    @handle_errors
    def reject(
        reply_id: Annotated[int, typer.Argument(help="The reply's number.")],
        reason: Annotated[str, typer.Option(help="Why (shown to its author).")] = "",
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Reject a reply waiting for approval (managers); its text is kept."""
        from veille.inbox import replies

        user = _user(as_)
        with open_workspace(workspace) as ws:
            if not _can_approve(ws, user):
                raise UsageError(
                    tr("%(user)s is not a manager", user=user),
                    hint=tr("A manager or admin rejects replies."),
                )
            replies.reject(ws, reply_id, approver=user, reason=reason)
        tell(ws, tr("reply #%(id)s rejected.", id=reply_id))

    @inbox.command("canned")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def canned(
        name: Annotated[str | None, typer.Argument(help="Add or replace this response.")] = None,
        text: Annotated[str | None, typer.Argument(help="Its text.")] = None,
        lang: Annotated[str, typer.Option("--language", help="en or fr.")] = "en",
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """List canned responses, or add one (NAME TEXT --language fr)."""
        from veille.inbox import canned as canned_

        with open_workspace(workspace) as ws:
            if name is not None:
                if not text:
                    raise UsageError(tr("give NAME TEXT and --language en or fr"))
                canned_.save_canned(ws.state, name, lang, text)
            found = canned_.canned_responses(ws.state)
        rows = [
            {"name": c.name, "lang": c.lang, "text": c.text, "builtin": c.builtin} for c in found
        ]
        if output is DataFormat.json:
            print_json(rows)
            return
        say = speaker(cli_language(ws.root))
        print_rows(rows, list(_CANNED_HEADS), RowFormat.table,
                   heads=said_heads(say, _CANNED_HEADS))  # fmt: skip

    @inbox.command("team")
    @handle_errors
    def team(
        name: Annotated[str | None, typer.Argument(help="The team to set.")] = None,
        members: Annotated[
            list[str] | None, typer.Argument(help="Its members, in round-robin order.")
        ] = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """List teams, or set a team's members (none: remove the team)."""
        from veille.errors import NotFound
        from veille.inbox.items import set_team

        with open_workspace(workspace) as ws:
            if name is not None and not members and name.strip() not in ws.state.inbox_teams():
                from veille.suggest import did_you_mean

                known = list(ws.state.inbox_teams())
                raise NotFound(
                    tr("no team named %(name)r to remove", name=name),
                    hint=did_you_mean(name, known)
                    if known
                    else tr("Give its members to create it."),
                )
            if name is not None:
                set_team(ws.state, name, members or [])
            teams = ws.state.inbox_teams()
        if name is not None and not members and output is not DataFormat.json:
            # No members: the team is removed; say so rather than list what is left.
            tell(ws, tr("team %(name)s removed.", name=name.strip()))
            return
        if output is DataFormat.json:  # one row per team, as every list prints them
            print_json([{"team": t, "members": list(m)} for t, m in teams.items()])
            return
        rows = [{"team": t, "members": ", ".join(m)} for t, m in teams.items()]
        say = speaker(cli_language(ws.root))
        print_rows(rows, list(_TEAM_HEADS), RowFormat.table, heads=said_heads(say, _TEAM_HEADS))

    @inbox.command("view")
    @handle_errors
    def view(
        name: Annotated[str | None, typer.Argument(help="Save a view under this name.")] = None,
        status: Annotated[list[str], typer.Option(help="Its statuses.")] = [],  # noqa: B006
        priority: Annotated[list[str], typer.Option(help="Its priorities.")] = [],  # noqa: B006
        platform: Annotated[list[str], typer.Option(help="Its platforms.")] = [],  # noqa: B006
        lang: Annotated[list[str], typer.Option(help="Its languages.")] = [],  # noqa: B006
        sentiment: Annotated[list[str], typer.Option(help="Its sentiments.")] = [],  # noqa: B006
        tag: Annotated[list[str], typer.Option(help="Its tags.")] = [],  # noqa: B006
        topic: Annotated[list[str], typer.Option(help="Its topics.")] = [],  # noqa: B006
        shared: Annotated[bool, typer.Option("--shared", help="For everyone.")] = False,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """List saved views, or save one (NAME with its filters)."""
        from veille.inbox import items as svc
        from veille.inbox.model import ItemFilter, check_priority, check_status

        owner = as_ or ""
        with open_workspace(workspace) as ws:
            if name is not None:
                flt = ItemFilter(
                    statuses=tuple(check_status(s) for s in status),
                    priorities=tuple(check_priority(p) for p in priority),
                    platforms=tuple(platform), languages=tuple(lang),
                    sentiments=tuple(sentiment), tags=tuple(tag),
                    topics=svc.check_topics(ws.state, topic),
                )  # fmt: skip
                svc.save_view(ws.state, owner, name, flt, shared=shared or not owner)
            found = svc.views(ws.state, owner)
        rows = [{"view": k, "filters": v} for k, v in found.items()]
        if output is DataFormat.json:  # one row per view, as every list prints them
            print_json(rows)
            return
        reader = cli_language(ws.root)
        say = speaker(reader)
        said = [{"view": k, "filters": _filters_said(v, say, reader)} for k, v in found.items()]
        print_rows(said, list(_VIEW_HEADS),
                   RowFormat.table, heads=said_heads(say, _VIEW_HEADS))  # fmt: skip

    @inbox.command("metrics")
    @handle_errors
    def metrics(
        days: Annotated[
            int, typer.Option(min=1, max=3660, help="Items entered in the last N days.")
        ] = 28,
        by: Annotated[
            str, typer.Option(metavar="GROUP", help="person, team, platform, week or priority.")
        ] = "person",
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """First-response and resolution times (working time) and backlog, per group."""
        from veille.inbox import metrics as m
        from veille.inbox.hours import working_settings

        until = datetime.now(UTC)
        since = until - timedelta(days=days)
        with open_workspace(workspace) as ws:
            rows = m.breakdown(ws.state, since, until, by=by, settings=working_settings(ws))
            total = m.first_response_times(ws.state, since, until, settings=working_settings(ws))
            backlog = m.backlog(ws.state, until, settings=working_settings(ws))
        if output is DataFormat.json:
            print_json({"groups": rows, "first_response": total.as_dict(), "backlog": backlog})
            return

        from veille.cli.inbox import _word
        from veille.i18n import format_number, format_percent

        lang = cli_language(workspace)
        say = speaker(lang)

        def minutes(value: float | None) -> str:
            return "–" if value is None else f"{format_number(round(value / 60), lang)} min"

        def group(value: str) -> str:
            # "(unassigned)", "(no team)", a priority: said; a name, a week as it is.
            if value.startswith("(") or by == "priority":
                return say(_word(value))
            return value

        def share(value: float | None) -> str:
            return "–" if value is None else format_percent(value, lang)

        # A French reader's table in French (it was English whatever the
        # language), its counts grouped, shares in percent, none said "–".
        flat = [
            {
                "group": group(r[by]), "items": count_cell(r["items"], lang),
                "backlog": count_cell(r["backlog"], lang),
                "first": minutes(r["first_response"]["median_seconds"]),
                "within": share(r["first_response"]["within_target"]),
                "resolution": minutes(r["resolution"]["median_seconds"]),
            }
            for r in rows
        ]  # fmt: skip
        heads = {"group": _BY_HEADS.get(by, tr("person")), **_METRICS_HEADS}
        print_rows(flat, list(heads), RowFormat.table, heads=said_heads(say, heads))
        console().print(
            say(tr("backlog now: %(open)s open, %(overdue)s past their target.",
                   open=Count(backlog.total), overdue=Count(backlog.overdue))),
            markup=False,
        )  # fmt: skip
