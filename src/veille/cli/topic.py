"""``veille topic add|list|edit|test|history|remove``: named saved queries."""

from __future__ import annotations

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

NameArg = Annotated[str, typer.Argument(help="Topic name (letters, digits, - _ .).")]
QueryArg = Annotated[str, typer.Argument(help="The topic's query (syntax: docs/query.md).")]
InboxOpt = Annotated[
    bool, typer.Option("--inbox", help="Posts it matches enter the engagement inbox.")
]


def register(app: typer.Typer) -> None:
    tapp = typer.Typer(
        help="Topics: named saved queries, every version kept.", no_args_is_help=True
    )
    app.add_typer(tapp, name="topic")

    @tapp.command()
    @handle_errors
    def add(
        name: NameArg, query: QueryArg, inbox: InboxOpt = False, workspace: WorkspaceOpt = None
    ) -> None:
        """Create a topic (--inbox: its posts enter the engagement inbox)."""
        from veille.cli.query import compile_or_exit
        from veille.query.topics import add_topic

        compile_or_exit(query)
        with open_workspace(workspace) as ws:
            topic = add_topic(ws.state, name, query, inbox=inbox)
            say = speaker(cli_language(ws.root))
        said = say(tr("topic %(name)s created (version 1).", name=topic.name))
        if inbox:
            said += say(tr(" Its posts enter the inbox."))
        console().print(said, markup=False, soft_wrap=True)

    @tapp.command()
    @handle_errors
    def edit(
        name: NameArg,
        query: Annotated[
            str | None, typer.Argument(help="The new query (omit to keep it).")
        ] = None,
        inbox: Annotated[
            bool | None,
            typer.Option(
                "--inbox/--no-inbox", help="Posts it matches enter the engagement inbox (or not)."
            ),
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Give a topic a new query (the previous versions are kept), or flag it for the inbox."""
        from veille.cli.query import compile_or_exit
        from veille.errors import UsageError
        from veille.query.topics import change_topic

        if query is None and inbox is None:
            raise UsageError(
                tr("nothing to change"),
                hint=tr(
                    "Give a new query, or --inbox/--no-inbox: veille topic edit %(name)s QUERY",
                    name=name,
                ),
            )
        if query is not None:
            compile_or_exit(query)
        with open_workspace(workspace) as ws:
            done = change_topic(ws.state, name, query, inbox=inbox)
            say = speaker(cli_language(ws.root))
        topic = done.topic
        # Say what changed, and only that: --inbox alone makes no new version.
        said = []
        named = {"name": topic.name, "version": topic.version}
        if done.new_version:
            said.append(tr("topic %(name)s is now version %(version)s.", **named))
        elif query is not None:
            said.append(tr("topic %(name)s keeps version %(version)s: the query is the same.",
                           **named))  # fmt: skip
        if inbox is not None:
            said.append(
                {
                    (True, True): tr("topic %(name)s is now flagged for the inbox: the posts it "
                                     "matches enter it.", name=topic.name),
                    (True, False): tr("topic %(name)s is no longer flagged for the inbox.",
                                      name=topic.name),
                    (False, True): tr("topic %(name)s was already flagged for the inbox.",
                                      name=topic.name),
                    (False, False): tr("topic %(name)s was not flagged for the inbox.",
                                       name=topic.name),
                }[(done.inbox_changed, done.inbox)]
            )  # fmt: skip
        for line in said:
            console().print(say(line), markup=False, soft_wrap=True)

    @tapp.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """Every topic with its current query."""
        from veille.query.topics import inbox_topics, list_topics
        from veille.services.unreadable import of_topic, said

        with open_workspace(workspace) as ws:
            topics = list_topics(ws.state)
            flagged = inbox_topics(ws.state)
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        unreadable = {t.name: u for t in topics if (u := of_topic(t))}
        rows = [
            {
                "name": t.name, "version": t.version, "query": t.query,
                "updated_at": t.updated_at, "inbox": t.name in flagged,
                "query_error": u.as_json() if (u := unreadable.get(t.name)) else None,
            }
            for t in topics
        ]  # fmt: skip
        if output is DataFormat.json:
            print_json(rows)
        else:
            # Times on the workspace's clock, the title saying which (UTC, unsaid, before).
            table = [{**r, "updated_at": time_cell(t.updated_at, reader, tz)}
                     for r, t in zip(rows, topics, strict=True)]  # fmt: skip
            say = speaker(reader)
            print_rows(table, ["name", "version", "query", "inbox", "updated_at"],
                       RowFormat.table, title=say(tr("Topics (times in %(zone)s)", zone=tz)),
                       heads=said_heads(say, LIST_HEADS))  # fmt: skip
        for u in unreadable.values():  # a topic that silently stopped matching says so
            warn(said(u), say=speaker(reader))

    @tapp.command()
    @handle_errors
    def history(
        name: NameArg,
        workspace: WorkspaceOpt = None,
        output: RowFormatOpt = RowFormat.table,
    ) -> None:
        """Every version of a topic's query."""
        from veille.query.topics import versions

        with open_workspace(workspace) as ws:
            found = versions(ws.state, name)
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        table = output is RowFormat.table  # CSV and JSON keep ISO 8601
        say = speaker(reader)
        print_rows(
            ({"version": v.version, "query": v.query,
              "created_at": time_cell(v.created_at, reader, tz) if table else v.created_at}
             for v in found),
            ["version", "query", "created_at"],
            output,
            title=say(tr("Versions of %(name)s (times in %(zone)s)", name=name, zone=tz))
            if table else None,
            heads=said_heads(say, LIST_HEADS),
        )  # fmt: skip

    @tapp.command()
    @handle_errors
    def remove(name: NameArg, workspace: WorkspaceOpt = None) -> None:
        """Delete a topic, its versions and its recorded matches."""
        from veille.query.topics import remove_topic

        with open_workspace(workspace) as ws:
            remove_topic(ws.state, name, posts=ws.posts)
            say = speaker(cli_language(ws.root))
        console().print(say(tr("topic %(name)s removed.", name=name)), markup=False)

    @tapp.command("test")
    @handle_errors
    def test_(
        name: NameArg,
        workspace: WorkspaceOpt = None,
        sample: Annotated[int, typer.Option(min=0, max=100, help="How many matches to show.")] = 5,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Matches now, a sample with highlights, and the change from the previous version."""
        from veille.cli.query import POST_HEADS, post_rows
        from veille.query.topics import test_topic

        with open_workspace(workspace) as ws:
            result = test_topic(ws.store, name, sample=sample)
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        q = result.topic.compiled
        if output is DataFormat.json:
            data: dict[str, Any] = {
                "topic": result.topic.name,
                "version": result.topic.version,
                "query": result.topic.query,
                "matches": result.count,
                "sample": post_rows(result.sample, q, RowFormat.jsonl),
            }
            if result.previous is not None:
                data["previous"] = {
                    "version": result.previous.version,
                    "query": result.previous.query,
                    "matches": result.previous_count,
                    "gained": result.gained_count,
                    "lost": result.lost_count,
                    "gained_sample": [p.id for p in result.gained],
                    "lost_sample": [p.id for p in result.lost],
                }
            print_json(data)
            return
        out, say = console(), speaker(reader)
        heads = said_heads(say, POST_HEADS)
        said = trn("topic %(name)s v%(version)s: %(n)s stored post matches (%(query)s)",
                   "topic %(name)s v%(version)s: %(n)s stored posts match (%(query)s)",
                   result.count, name=result.topic.name, version=result.topic.version,
                   n=Count(result.count), query=result.topic.query)  # fmt: skip
        out.print(say(said), soft_wrap=True, markup=False)
        cols = ["id", "published_at", "author", "text"]
        if result.sample:
            print_rows(post_rows(result.sample, q, RowFormat.table, reader, tz), cols,
                       RowFormat.table, heads=heads,
                       title=say(tr("Sample (times in %(zone)s)", zone=tz)))  # fmt: skip
        if result.previous is None:
            out.print(say(tr("first version: nothing to compare with.")), markup=False)
            return
        said = trn("since v%(version)s (%(query)s): %(before)s → %(n)s post, +%(gained)s gained, "
                   "-%(lost)s lost",
                   "since v%(version)s (%(query)s): %(before)s → %(n)s posts, +%(gained)s gained, "
                   "-%(lost)s lost", result.count, version=result.previous.version,
                   query=result.previous.query, before=Count(result.previous_count or 0),
                   n=Count(result.count), gained=Count(result.gained_count),
                   lost=Count(result.lost_count))  # fmt: skip
        out.print(say(said), soft_wrap=True, markup=False)
        if result.gained:
            print_rows(post_rows(result.gained, q, RowFormat.table, reader, tz), cols,
                       RowFormat.table, heads=heads,
                       title=say(tr("gained (times in %(zone)s)", zone=tz)))  # fmt: skip
        if result.lost:
            from veille.query import compile_query

            old = compile_query(result.previous.query)
            print_rows(post_rows(result.lost, old, RowFormat.table, reader, tz), cols,
                       RowFormat.table, heads=heads,
                       title=say(tr("lost (times in %(zone)s)", zone=tz)))  # fmt: skip
