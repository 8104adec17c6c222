"""Query commands: ``query check|explain|match`` and ``search`` (topics: cli/topic.py)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    RowFormatOpt,
    WorkspaceOpt,
    author_cell,
    cli_language,
    console,
    count_cell,
    err_console,
    error_speaker,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
    time_cell,
    warn,
)
from veille.cli.core import LangOpt, PlatformOpt, SinceOpt, UntilOpt, post_filter
from veille.errors import Count, InputError, tr, trn
from veille.models import Post
from veille.query import Query, QueryError, compile_query
from veille.services.search import Hit
from veille.services.search import explain as explain_query
from veille.services.search import search as search_posts

QueryArg = Annotated[str, typer.Argument(metavar="QUERY", help="A query (syntax: docs/query.md).")]

#: The column headers of a table of posts, said in the reader's language
#: (JSON lines and CSV keep the keys a script reads).
POST_HEADS = {
    "published_at": tr("published_at"), "author": tr("author"), "engagement": tr("engagement"),
    "text": tr("text"), "url": tr("url"),
}  # fmt: skip


class Sort(StrEnum):
    newest = "newest"
    relevance = "relevance"
    engagement = "engagement"


class MatchFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


def compile_or_exit(text: str) -> Query:
    """Compile ``text``, warnings said; a :class:`QueryError` is printed by
    :func:`handle_errors` as every error is ("error: invalid query: …", the
    query and a caret) and exits 2."""
    q = compile_query(text)
    for warning in q.warnings:
        warn(warning)
    return q


def post_rows(
    posts: list[Post], q: Query, fmt: RowFormat, lang: str = "en", tz: str = "UTC"
) -> list[dict[str, Any]]:
    """Rows of posts found by ``q``: the text as stored, the highlights beside
    it (marked in the terminal); a table's time (on the clock of ``tz``, the
    workspace's), count and missing author written for a reader of ``lang``.
    JSON lines and CSV keep the stored time, ISO with its offset."""
    rows = []
    for hit in (Hit(p, tuple(q.spans(p))) for p in posts):
        p = hit.post
        row: dict[str, Any] = {
            "id": p.id,
            "published_at": p.published_at,
            "author": p.author.handle,
            # A count the platform never gave (a feed) is unknown, a 0 it gave is 0.
            "engagement": p.engagement.known,
            "url": p.url,
        }
        if fmt is RowFormat.table:
            row["published_at"] = time_cell(p.published_at, lang, tz)
            row["author"] = author_cell(p.author.handle, lang)
            row["engagement"] = count_cell(row["engagement"], lang)
            row["text"] = Text.from_markup(
                hit.marked(before="[bold yellow]", after="[/]", escape=escape)
            )
        else:
            row["title"] = p.title
            row["text"] = p.text
            spans = hit.highlights()
            row["highlights"] = (
                json.dumps(spans, ensure_ascii=False) if fmt is RowFormat.csv else spans
            )
        rows.append(row)
    return rows


def register(app: typer.Typer) -> None:
    qapp = typer.Typer(help="Check, explain and test queries.", no_args_is_help=True)
    app.add_typer(qapp, name="query")

    @qapp.command()
    @handle_errors
    def check(text: QueryArg) -> None:
        """Exit 0 when QUERY is valid; else show where it is wrong and exit 2."""
        q = compile_or_exit(text)
        said = tr("valid: %(query)s", query=q.normalized)
        console().print(error_speaker()(said), soft_wrap=True, markup=False)

    @qapp.command()
    @handle_errors
    def explain(text: QueryArg, output: FormatOpt = DataFormat.table) -> None:
        """The normalized query, its AST, its SQL and how the matcher files it."""
        data = explain_query(compile_or_exit(text))
        if output is DataFormat.json:
            print_json(data)
            return
        say = error_speaker()
        out = console()

        def line(label: str, value: str = "") -> None:  # "label  value", the label in bold
            out.print(say(label), style="bold", end="  " if value else "\n", markup=False)
            if value:
                out.print(say(value), soft_wrap=True, markup=False)

        line(tr("normalized"), data["normalized"])
        line(tr("ast"))
        out.print(
            json.dumps(data["ast"], ensure_ascii=False, indent=2), soft_wrap=True, markup=False
        )
        line("sql", f"WHERE {data['sql']}")
        line(tr("params"), json.dumps(data["params"], ensure_ascii=False))
        if data["costly"]:
            line(tr("matcher"), tr("costly: no required word, so this query is evaluated for "
                                   "every new post; add a word to select it"))  # fmt: skip
        else:
            excluded = "".join(f" -{k}" for k in data["matcher_excluded"])
            for branch in data["matcher_branches"]:
                keys = " ".join(
                    "(" + " OR ".join(c) + ")" if len(c) > 1 else c[0] for c in branch["clauses"]
                )
                holding = f"{keys}{excluded}"
                if not branch["exact"]:
                    how = tr("a post holding %(keys)s is evaluated", keys=holding)
                elif branch["positional"]:
                    positions = f" {say(tr('and'))} ".join(branch["positional"])
                    how = tr("a post holding %(keys)s matches when the word positions say "
                             "%(positions)s", keys=holding, positions=positions)  # fmt: skip
                else:
                    how = tr("a post holding %(keys)s matches", keys=holding)
                line(tr("matcher"), how)

    @qapp.command("match")
    @handle_errors
    def match(
        queries: Annotated[
            Path, typer.Option("--queries", "-q", help='JSON lines {"id", "query"}.')
        ],
        output: Annotated[
            MatchFormat,
            typer.Option(
                "--format", "-f", help="jsonl: a line per post and query it matches; or a table."
            ),
        ] = MatchFormat.jsonl,
        platform: Annotated[
            str | None, typer.Option(help="Platform of posts that have no platform field.")
        ] = None,
        spans: Annotated[bool, typer.Option(help="Also print the matched spans.")] = False,
    ) -> None:
        """Match posts (JSON lines on stdin, the import format) against saved queries."""
        from veille.query.matcher import Matcher
        from veille.records import RecordError, post_from_record

        matcher = load_queries(queries, Matcher())
        err = err_console()
        say = error_speaker()
        out = sys.stdout
        rows: list[dict[str, Any]] = []
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise RecordError(tr("a post must be a JSON object"))
                post = post_from_record(rec, platform=platform)
            except (ValueError, RecordError) as exc:
                why = exc.message if isinstance(exc, RecordError) else str(exc)
                skipped = tr("stdin:%(line)s: skipped: %(error)s", line=n, error=why)
                err.print(say(skipped), soft_wrap=True, markup=False)
                continue
            row: dict[str, Any] = {"id": post.id}
            if spans:
                found = matcher.match(post)
                row["matches"] = sorted(found)
                row["spans"] = {k: [[s.field, s.start, s.end] for s in v] for k, v in found.items()}
            else:
                row["matches"] = sorted(matcher.match_ids(post))
            if output is MatchFormat.jsonl:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                rows.append({"id": row["id"], "matches": " ".join(row["matches"])})
        if output is MatchFormat.table:
            print_rows(rows, ["id", "matches"], RowFormat.table)

    @app.command()
    @handle_errors
    def search(
        text: QueryArg,
        workspace: WorkspaceOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        platform: PlatformOpt = None,
        lang: LangOpt = None,
        sort: Annotated[Sort, typer.Option(help="Order of the results.")] = Sort.newest,
        limit: Annotated[int, typer.Option(min=1, max=10000, help="How many posts.")] = 20,
        output: RowFormatOpt = RowFormat.table,
    ) -> None:
        """Search stored posts with the query language; matched terms highlighted.

        With --format jsonl or csv the title and text are as stored and the
        matched spans are in their own field, highlights."""
        q = compile_or_exit(text)
        with open_workspace(workspace) as ws:
            result = search_posts(
                ws.posts,
                q,
                post_filter(since, until, platform, lang, ws.settings.workspace.timezone),
                sort=sort.value,
                limit=limit,
                count=output is RowFormat.table,
            )
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        say = speaker(reader)
        cols = ["id", "published_at", "author", "engagement", "text", "url"]
        if output is not RowFormat.table:
            cols[4:5] = ["title", "text", "highlights"]
        rows = post_rows([h.post for h in result.hits], q, output, reader, tz)
        # Times on the workspace's clock, as the sources page and `calendar
        # list` show them, and the reader told which (they read UTC, unsaid).
        title = say(tr("Posts found (times in %(zone)s)", zone=tz))
        # Nothing found: the sentence below says it, not an empty table's
        # headers above it too (CSV keeps its header row for a script).
        if rows or output is not RowFormat.table:
            print_rows(
                rows,
                cols,
                output,
                title=title if output is RowFormat.table else None,
                heads=said_heads(say, POST_HEADS),
            )
        # Machine formats stay pure data (scripts read stdout and stderr together).
        if output is RowFormat.table:
            # Grouped as the web says them: 1,300 in English, 1 300 in French.
            total, shown = Count(result.total), Count(len(result.hits))
            said = trn("%(n)s post matched; %(shown)s shown.",
                       "%(n)s posts matched; %(shown)s shown.", result.total, n=total,
                       shown=shown)  # fmt: skip
            console().print(say(said), markup=False, soft_wrap=True)


def load_queries(path: Path, matcher: Any) -> Any:
    """Read ``{"id", "query"}`` lines into ``matcher``; errors name the line."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            tr("cannot read %(path)s: %(error)s", path=str(path), error=exc.strerror or str(exc))
        ) from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                qid, text = str(rec["id"]), rec["query"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise InputError(
                    tr("%(path)s:%(line)s: not a query record", path=str(path), line=n),
                    hint=tr('write one JSON object per line: {"id": "lumio", "query": '
                            '"lumio -promo"}'),
                ) from None  # fmt: skip
            try:
                matcher.add(qid, text)
            except QueryError as exc:
                raise InputError(
                    tr("%(path)s:%(line)s: query %(query)r: %(error)s (column %(column)s)",
                       path=str(path), line=n, query=qid, error=exc.message, column=exc.column),
                    hint=exc.hint,
                ) from None  # fmt: skip
    return matcher
