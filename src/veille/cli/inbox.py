"""``veille inbox …`` and ``veille rule …``: the engagement inbox.

Who you are (``--mine``, the author of notes and replies) comes from
``--as USER`` or ``$VEILLE_USER``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from veille.cli.common import (
    LIST_HEADS,
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    author_cell,
    cli_language,
    console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
    tell,
)
from veille.errors import Count, Text, UsageError, tr, trn
from veille.i18n import author_label, platform_name


def _word(code: str | None) -> str:
    """An inbox code (a status, a priority, a sentiment) in words, said in
    the reader's language as the web app says it (``in_progress``: « en
    cours »); none, nothing (gettext's "" is the catalog's header)."""
    from veille.inbox.model import word

    return Text(word(code), {}) if code else ""


AsOpt = Annotated[
    str | None,
    typer.Option("--as", envvar="VEILLE_USER", show_envvar=True, help="Who you are (a username)."),
]
IdArg = Annotated[int, typer.Argument(help="The inbox item's number.")]
_COLUMNS = ["id", "status", "priority", "assignee", "platform", "author", "due", "text"]


def _actor(who: str | None) -> str:
    return who.strip() if who and who.strip() else "cli"


def _zone(ws: Any, who: str | None) -> str:
    """The time zone of the person running the command (``--as``: their
    own, where they set one), else the workspace's."""
    from veille.services import users

    person = users.get_user(ws.state, who) if who and who.strip() else None
    return users.shown_zone(person, ws.settings.workspace.timezone)


def _snooze_time(ws: Any, value: str, zone: str) -> Any:
    from veille.inbox.hours import WorkingTime, working_settings
    from veille.inbox.snooze import snooze_time

    hours = WorkingTime.from_settings(working_settings(ws))
    return snooze_time(value, hours=hours, timezone=zone)


def _local(when: Any, zone: str) -> str:
    from veille.timefmt import zone as tz
    from veille.timefmt import zone_name

    return f"{when.astimezone(tz(zone)):%Y-%m-%d %H:%M} ({zone_name(zone)})"


def item_row(item: Any, due: Any = None) -> dict[str, Any]:
    text = " ".join(item.text.split())
    return {
        "id": item.id,
        "post_id": item.post_id,
        "status": item.status,
        "priority": item.priority,
        "assignee": item.assignee,
        "platform": item.platform,
        "lang": item.lang,
        "author": item.author,
        "sentiment": item.sentiment,
        "topics": list(item.topics),
        "tags": list(item.tags),
        "categories": list(item.categories),
        "created_at": item.created_at,
        "first_response_at": item.first_response_at,
        "deleted_upstream": item.deleted_upstream_at is not None,
        "version": item.version,
        "url": item.url,
        "due": due.state if due is not None else None,
        "due_at": due.due_at if due is not None else None,
        "snoozed_until": item.snoozed_until,
        "text": text if len(text) <= 80 else text[:79] + "…",
    }


def register(app: typer.Typer) -> None:
    inbox = typer.Typer(help="The engagement inbox: triage, assign, answer.", no_args_is_help=True)
    app.add_typer(inbox, name="inbox")
    register_items(inbox)
    from veille.cli.inbox_rules import register_rules
    from veille.cli.inbox_work import register_work

    register_work(inbox)
    register_rules(app)


def register_items(inbox: typer.Typer) -> None:
    @inbox.command("list")
    @handle_errors
    def list_(
        status: Annotated[
            list[str], typer.Option("--status", "-s", help="Only this status (repeat for more).")
        ] = [],  # noqa: B006
        mine: Annotated[bool, typer.Option("--mine", help="Only items assigned to you.")] = False,
        assignee: Annotated[str | None, typer.Option(help="Only items assigned to USER.")] = None,
        priority: Annotated[list[str], typer.Option(help="Only this priority.")] = [],  # noqa: B006
        platform: Annotated[list[str], typer.Option(help="Only this platform.")] = [],  # noqa: B006
        lang: Annotated[list[str], typer.Option(help="Only this language.")] = [],  # noqa: B006
        tag: Annotated[list[str], typer.Option(help="Only items with this tag.")] = [],  # noqa: B006
        topic: Annotated[
            list[str], typer.Option(help="Only items this topic brought in (repeat for more).")
        ] = [],  # noqa: B006
        view: Annotated[
            str | None, typer.Option(help='A saved view, e.g. "my queue", "urgent negatives".')
        ] = None,
        limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many items.")] = 50,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Items of the inbox, newest first (open ones by default)."""
        from veille.inbox import items as svc
        from veille.inbox.hours import working_settings
        from veille.inbox.model import OPEN_STATUSES, ItemFilter, check_priority, check_status
        from veille.inbox.targets import due_states

        statuses = tuple(check_status(s) for s in status)
        if mine:
            if not as_:
                raise UsageError(
                    tr("--mine needs to know who you are"),
                    hint=tr("Pass --as USER or set VEILLE_USER."),
                )
            assignee = as_
        with open_workspace(workspace) as ws:
            if view is not None:
                flt = svc.view_filter(ws.state, view, as_, limit=limit)
            else:
                flt = ItemFilter(
                    statuses=statuses or OPEN_STATUSES,
                    assignee=assignee,
                    priorities=tuple(check_priority(p) for p in priority),
                    platforms=tuple(platform),
                    languages=tuple(lang),
                    tags=tuple(tag),
                    topics=svc.check_topics(ws.state, topic),
                    limit=limit,
                )
            found = svc.list_items(ws.state, flt)
            dues = due_states(working_settings(ws), found)
            reader = cli_language(ws.root)
            zone = _zone(ws, as_)
        rows = [item_row(i, dues.get(i.id)) for i in found]
        if output is DataFormat.json:
            print_json(rows)
            return
        say = speaker(reader)
        columns = list(_COLUMNS)
        if any(i.snoozed_until for i in found):  # when each comes back
            columns.insert(columns.index("due"), "snoozed_until")
        for row in rows:  # no author: said, not an empty cell
            row["author"] = author_cell(row["author"], reader)
            if row["snoozed_until"]:
                row["snoozed_until"] = _local(row["snoozed_until"], zone)
            # Codes in words, as `inbox status` and the web app say them
            # (in_progress: « en cours »); JSON keeps the codes.
            for key in ("status", "priority", "due"):
                row[key] = say(_word(row[key]))
            row["platform"] = platform_name(row["platform"])  # Hacker News, as the page
        print_rows(rows, columns, RowFormat.table, heads=said_heads(say, LIST_HEADS))

    @inbox.command("show")
    @handle_errors
    def show(
        item_id: IdArg, workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table
    ) -> None:
        """One item: the post, its thread, notes and history, replies."""
        from veille.inbox import items as svc
        from veille.inbox.hours import working_settings
        from veille.inbox.targets import due_states
        from veille.inbox.thread import thread

        with open_workspace(workspace) as ws:
            item = svc.get_item(ws.state, item_id)
            history = svc.events(ws.state, item_id)
            replies = ws.state.inbox_replies(item_id)
            conversation = thread(ws, item)
            due = due_states(working_settings(ws), [item]).get(item.id)
            tz = ws.settings.workspace.timezone
        data = item_row(item, due) | {"text": item.text}
        data["events"] = [
            {"at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail} for e in history
        ]
        data["replies"] = [
            {"id": r.id, "author": r.author, "status": r.status, "text": r.text, "error": r.error}
            for r in replies
        ]
        data["thread"] = [
            {"id": p.id, "role": role, "author": p.author.handle, "text": p.text}
            for role, p in conversation
        ]
        if output is DataFormat.json:
            print_json(data)
            return
        from veille.i18n import colon

        # Said in the reader's language, its codes in words, as `inbox list`
        # says them (a French reader read « [assigned] normal … assigned to »).
        lang = cli_language(ws.root)
        say, said = speaker(lang), colon(lang)
        out = console()
        out.print(
            f"#{item.id} [{say(_word(item.status))}] {say(_word(item.priority))} · "
            f"{platform_name(item.platform)} · {author_label(item.author, lang)}"
            + (" · " + say(tr("assigned to %(user)s", user=item.assignee)) if item.assignee else "")
            + (
                " · " + say(tr("snoozed until %(when)s", when=_local(item.snoozed_until, tz)))
                if item.snoozed_until
                else ""
            )
            + (" · " + say(tr("DELETED UPSTREAM")) if item.deleted_upstream_at else ""),
            markup=False,
        )
        out.print(item.text, markup=False, soft_wrap=True)
        for row in data["thread"]:
            who = author_label(row["author"], lang)
            out.print(f"  {say(_word(row['role']))}{said} {who}{said} {row['text']}", markup=False)
        if data["events"]:
            from veille.timefmt import zone, zone_name

            # In the workspace's time zone, named, as every time shown to a person.
            out.print("  " + say(tr("history (times in %(zone)s):", zone=zone_name(tz))),
                      markup=False)  # fmt: skip
        from veille.inbox.model import event_word

        for e in data["events"]:
            # The action in words, in the reader's language (until
            # 2026-12-07 its code: "wake", "unsnooze", "remove tag").
            at = e["at"].astimezone(zone(tz))
            action, detail = e["action"], e["detail"] or ""
            if action in ("status", "priority"):
                detail = _word(detail)
            words = say(Text(event_word(action, detail), {}))
            out.print(
                f"  {at:%Y-%m-%d %H:%M} {e['actor']} {words} {say(detail)}".rstrip(),
                markup=False,
                soft_wrap=True,
            )
        for r, reply in zip(data["replies"], replies, strict=True):
            err = f" ({r['error']})" if r["error"] else ""
            head = say(tr("reply #%(id)s by %(author)s", id=r["id"], author=r["author"]))
            # An answer given outside veille: its status says it (no English placeholder).
            words = f"{said} {reply.words}" if reply.words else ""
            out.print(f"  {head} [{say(_word(r['status']))}]{err}{words}", markup=False)

    @inbox.command("assign")
    @handle_errors
    def assign(
        item_id: IdArg,
        to: Annotated[
            str | None, typer.Option("--to", metavar="USER", help="The person's username.")
        ] = None,
        nobody: Annotated[bool, typer.Option("--nobody", help="Unassign.")] = False,
        version: Annotated[
            int | None, typer.Option(help="Fail if the item changed since this version.")
        ] = None,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Assign an item to a person (or to nobody)."""
        from veille.inbox import items as svc

        if (to is None) == (not nobody):
            raise UsageError(tr("say who: --to USER (or --nobody to unassign)"))
        with open_workspace(workspace) as ws:
            item = svc.assign(ws.state, item_id, to, actor=_actor(as_), version=version)
            status = _word(item.status)
            # Its status where it says more than the assignment itself: « est
            # attribué à demo (attribué) » said it twice.
            if item.assignee and item.status == "assigned":
                said = tr("#%(id)s is assigned to %(who)s.", id=item.id, who=item.assignee)
            elif item.assignee:
                said = tr("#%(id)s is assigned to %(who)s (status: %(status)s).", id=item.id,
                          who=item.assignee, status=status)  # fmt: skip
            else:
                said = tr("#%(id)s is assigned to nobody (status: %(status)s).", id=item.id,
                          status=status)  # fmt: skip
            tell(ws, said)

    @inbox.command("status")
    @handle_errors
    def status_(
        item_id: IdArg,
        status: Annotated[
            str, typer.Argument(help="new, assigned, in_progress, responded, closed or ignored.")
        ],
        version: Annotated[int | None, typer.Option(help="Fail if the item changed since.")] = None,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change an item's status."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            item = svc.set_status(ws.state, item_id, status, actor=_actor(as_), version=version)
            tell(ws, tr("#%(id)s is now %(status)s.", id=item.id, status=_word(item.status)))

    @inbox.command("snooze")
    @handle_errors
    def snooze_(
        ids: Annotated[list[int], typer.Argument(help="Item numbers.")],
        until: Annotated[
            str,
            typer.Option(
                "--until",
                metavar="WHEN",
                help="3h (or any 90m, 2d), tomorrow (the working day's start), monday, "
                "or a date and time (2026-12-09 14:00, your time zone).",
            ),
        ],
        version: Annotated[int | None, typer.Option(help="Fail if the item changed since.")] = None,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Put items aside until a time: out of the open lists, back open then
        (or when their author writes again)."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            zone = _zone(ws, as_)
            when = _snooze_time(ws, until, zone)
            versions = {ids[0]: version} if version is not None and len(ids) == 1 else None
            result = svc.bulk(
                ws.state, ids, "snooze", when.isoformat(), actor=_actor(as_), versions=versions
            )
            shown = _local(when, zone)
            for item_id in result.done:
                tell(ws, tr("#%(id)s is snoozed until %(when)s.", id=item_id, when=shown))
            for item_id, error in result.failed.items():
                tell(ws, tr("#%(id)s: %(error)s", id=item_id, error=error))
        if result.failed:
            raise typer.Exit(1)

    @inbox.command("unsnooze")
    @handle_errors
    def unsnooze_(
        item_id: IdArg,
        version: Annotated[int | None, typer.Option(help="Fail if the item changed since.")] = None,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Bring a snoozed item back open now."""
        from veille.inbox import snooze as sn

        with open_workspace(workspace) as ws:
            item = sn.unsnooze(ws.state, item_id, actor=_actor(as_), version=version)
            tell(ws, tr("#%(id)s is now %(status)s.", id=item.id, status=_word(item.status)))

    @inbox.command("priority")
    @handle_errors
    def priority_(
        item_id: IdArg,
        priority: Annotated[str, typer.Argument(help="urgent, high, normal or low.")],
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change an item's priority."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            item = svc.set_priority(ws.state, item_id, priority, actor=_actor(as_))
            tell(ws, tr("#%(id)s is now %(priority)s.", id=item.id, priority=_word(item.priority)))

    @inbox.command("note")
    @handle_errors
    def note(
        item_id: IdArg,
        text: Annotated[str, typer.Argument(help="The note (internal, never sent).")],
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add an internal note to an item."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            svc.add_note(ws.state, item_id, text, actor=_actor(as_))
            tell(ws, tr("note added to #%(id)s.", id=item_id))

    @inbox.command("tag")
    @handle_errors
    def tag_(
        item_id: IdArg,
        tags: Annotated[list[str], typer.Argument(help="Tags to add (or remove with --remove).")],
        category: Annotated[
            bool, typer.Option("--category", help="They are categories, not tags.")
        ] = False,
        remove: Annotated[bool, typer.Option("--remove", help="Remove them.")] = False,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add or remove tags (or categories) on an item."""
        from veille.inbox import items as svc

        key = ("un" if remove else "") + ("categorize" if category else "tag")
        if key == "categorize":
            key = "categories"
        if key == "tag":
            key = "tags"
        with open_workspace(workspace) as ws:
            item = svc.label(ws.state, item_id, actor=_actor(as_), **{key: tags})
            tell(ws, tr("#%(id)s: tags %(tags)s; categories %(categories)s.", id=item.id,
                        tags=", ".join(item.tags) or "-",
                        categories=", ".join(item.categories) or "-"))  # fmt: skip

    @inbox.command("sentiment")
    @handle_errors
    def sentiment(
        item_id: IdArg,
        label: Annotated[str, typer.Argument(help="positive, negative or neutral.")],
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Correct the sentiment of an item's post (kept by later enrichment)."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            item = svc.correct_sentiment(ws.store, item_id, label, actor=_actor(as_))
            tell(ws, tr("#%(id)s is now %(sentiment)s.", id=item.id,
                        sentiment=_word(item.sentiment)))  # fmt: skip

    @inbox.command("bulk")
    @handle_errors
    def bulk(
        action: Annotated[
            str,
            typer.Argument(help="assign, unassign, status, priority, tag, category or snooze."),
        ],
        ids: Annotated[list[int], typer.Argument(help="Item numbers.")],
        value: Annotated[
            str, typer.Option(help="The person, status, priority, tag, snooze's end (3h, monday…)…")
        ] = "",
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """One action on many items; the ones that fail are listed."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            if action == "snooze":  # a preset or a time as `inbox snooze --until` takes it
                value = _snooze_time(ws, value, _zone(ws, as_)).isoformat()
            result = svc.bulk(ws.state, ids, action, value, actor=_actor(as_))
            done = Count(len(result.done))
            tell(ws, trn("%(n)s item done.", "%(n)s items done.", done, n=done))
            for item_id, error in result.failed.items():
                tell(ws, tr("#%(id)s: %(error)s", id=item_id, error=error))
        if result.failed:
            raise typer.Exit(1)

    @inbox.command("deleted")
    @handle_errors
    def deleted(
        item_id: IdArg,
        undo: Annotated[
            bool,
            typer.Option("--undo", help="The post is still there: clear a wrong mark."),
        ] = False,
        as_: AsOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Mark an item's post as deleted on its platform (the item is kept), or
        clear a wrong mark with --undo (replies are possible again)."""
        from veille.inbox import items as svc

        with open_workspace(workspace) as ws:
            if undo:
                svc.clear_deleted_upstream(ws.state, item_id, actor=_actor(as_))
                tell(ws, tr("#%(id)s is no longer marked deleted upstream.", id=item_id))
            else:
                svc.mark_deleted_upstream(ws.state, item_id, actor=_actor(as_))
                tell(ws, tr("#%(id)s is marked deleted upstream.", id=item_id))
