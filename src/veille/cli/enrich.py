"""Enrichment commands: analyze, enrich --rerun, sentiment corrections, copies."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    RowFormatOpt,
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
    time_cell,
)
from veille.config import EnrichSettings
from veille.errors import Count, InputError, WorkspaceNotFound, tr, trn
from veille.i18n import format_percent, platform_name

#: The tables' column headers, said in the reader's language (CSV and JSON
#: keep the keys a script reads).
HEADS = {
    "post_id": tr("post_id"), "old_label": tr("old_label"), "new_label": tr("new_label"),
    "corrected_by": tr("corrected_by"), "corrected_at": tr("corrected_at"),
    "platform": tr("platform"), "author": tr("author"), "url": tr("url"),
    "representative": tr("representative"),
}  # fmt: skip

BATCH = 500


class AnalyzeFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"


def _settings(workspace: str | None) -> tuple[EnrichSettings, Path | None]:
    """The workspace's [enrich] settings and folder; the defaults when there is
    no workspace."""
    from veille.workspace import Workspace

    try:
        ws = Workspace.open(workspace)
    except WorkspaceNotFound:
        if workspace is not None:
            raise
        return EnrichSettings(), None
    return ws.settings.enrich, ws.root


def _records(stream: IO[bytes], name: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """``(line number, record)`` or ``(line number, why it is not one)``."""
    for n, raw in enumerate(stream, 1):
        # Invalid UTF-8 becomes U+FFFD: the post is analysed, not lost.
        line = raw.decode("utf-8", errors="replace").strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, f"{name}:{n}: not JSON ({exc.msg})"
            continue
        if not isinstance(rec, dict):
            yield n, f"{name}:{n}: not a JSON object"
            continue
        yield n, rec


def _analyze_stream(
    stream: IO[bytes], name: str, settings: tuple[EnrichSettings, Path | None]
) -> Iterator[dict]:
    from veille.enrich import Enricher

    enricher = Enricher.from_settings(*settings)
    batch: list[tuple[int, dict[str, Any] | str]] = []

    def flush() -> Iterator[dict]:
        good = [(n, r) for n, r in batch if isinstance(r, dict)]
        texts = [str(r.get("text") or "") for _, r in good]
        hints = [str(r["lang"]) if r.get("lang") else None for _, r in good]
        results = iter(enricher.analyze_many(texts, hints))
        for n, rec in batch:
            if isinstance(rec, str):
                yield {"line": n, "error": rec}
            else:
                yield {"id": rec.get("id", n), **next(results).as_dict()}

    for item in _records(stream, name):
        batch.append(item)
        if len(batch) >= BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    @handle_errors
    def analyze(
        file: Annotated[
            Path | None, typer.Argument(help="JSON lines {id, text[, lang]}; stdin when absent.")
        ] = None,
        workspace: WorkspaceOpt = None,
        output: Annotated[
            AnalyzeFormat, typer.Option("--format", "-f", help="Output format.")
        ] = AnalyzeFormat.jsonl,
    ) -> None:
        """Language, sentiment and entities of each JSON line, without storing anything.

        Example: echo '{"id": 1, "text": "J’adore !"}' | veille analyze
        """
        settings = _settings(workspace)
        if file is None:
            results = _analyze_stream(sys.stdin.buffer, "stdin", settings)
            _emit(results, output)
            return
        try:
            stream = file.open("rb")
        except OSError as exc:
            raise InputError(
                tr("cannot read %(file)s: %(strerror)s", file=file, strerror=exc.strerror),
                hint=tr("Check the path."),
            ) from exc
        with stream:
            _emit(_analyze_stream(stream, str(file), settings), output)

    @app.command("enrich")
    @handle_errors
    def enrich(
        workspace: WorkspaceOpt = None,
        rerun: Annotated[
            bool, typer.Option("--rerun", help="Re-enrich every post, not only unenriched ones.")
        ] = False,
        since: Annotated[
            str | None,
            typer.Option(
                help="Only posts published since this day (YYYY-MM-DD, workspace time zone) "
                "or date-time."
            ),
        ] = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Enrich stored posts (after a model or setting change: --rerun).

        A sentiment corrected by a user is kept.
        """
        from veille.cli.core import parse_day, progress
        from veille.services.enrich import enrich_stored

        with open_workspace(workspace) as ws, progress(label="enriching") as bar:
            task = bar.add_task("enrich", total=None)
            report = enrich_stored(
                ws,
                rerun=rerun,
                since=parse_day(since, "since", ws.settings.workspace.timezone),
                on_total=lambda n: bar.update(task, total=n),
                on_progress=lambda n: bar.advance(task, n),
            )
            say = speaker(cli_language(ws.root))
        if output is DataFormat.json:
            print_json(report)
        else:
            n, clustered = Count(report["enriched"]), Count(report["clustered"])
            said = trn("%(n)s post enriched, %(clustered)s newly clustered",
                       "%(n)s posts enriched, %(clustered)s newly clustered",
                       n, n=n, clustered=clustered)  # fmt: skip
            console().print(say(said), markup=False, soft_wrap=True)

    sentiment = typer.Typer(help="Sentiment corrections.", no_args_is_help=True)
    app.add_typer(sentiment, name="sentiment")

    @sentiment.command("correct")
    @handle_errors
    def correct(
        post_id: Annotated[str, typer.Argument(help="The post's id (platform:native_id).")],
        label: Annotated[str, typer.Argument(help="positive, negative or neutral.")],
        workspace: WorkspaceOpt = None,
        by: Annotated[str, typer.Option("--by", help="Who corrects (kept with it).")] = "user",
    ) -> None:
        """Correct a post's sentiment; re-enrichment keeps it."""
        from veille.services.enrich import correct_sentiment

        with open_workspace(workspace) as ws:
            c = correct_sentiment(ws.store, post_id, label, who=by)
            say = speaker(cli_language(ws.root))
        # The labels as they are typed (positive, negative, neutral); "none"
        # said in the reader's language.
        said = tr("%(post)s: %(old)s → %(new)s", post=c.post_id,
                  old=c.old_label or tr("none"), new=c.new_label)  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)

    @sentiment.command("corrections")
    @handle_errors
    def corrections(
        workspace: WorkspaceOpt = None,
        limit: Annotated[int, typer.Option(help="How many, newest first.")] = 100,
        output: RowFormatOpt = RowFormat.table,
    ) -> None:
        """List corrections and how often the model agreed with the users."""
        from veille.services.enrich import correction_report, list_corrections

        with open_workspace(workspace) as ws:
            rows = [vars_of(c) for c in list_corrections(ws.state, limit=limit)]
            report = correction_report(ws.state)
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        if output is RowFormat.json:
            print_json({"corrections": rows, "accuracy": report})
            return
        say = speaker(reader)
        if output is RowFormat.table:
            # On the workspace's clock, the title saying which (UTC, unsaid, before).
            for row in rows:
                row["corrected_at"] = time_cell(row["corrected_at"], reader, tz)
        cols = ["post_id", "old_label", "new_label", "corrected_by", "corrected_at"]
        print_rows(rows, cols, output,
                   title=say(tr("Sentiment corrections (times in %(zone)s)", zone=tz)),
                   heads=said_heads(say, HEADS))  # fmt: skip
        if output is RowFormat.table:
            acc = report["model_accuracy"]
            reviewed, agreed = Count(report["reviewed"]), Count(report["model_agreed"])
            said = trn("%(n)s post reviewed; the model agreed on %(agreed)s",
                       "%(n)s posts reviewed; the model agreed on %(agreed)s",
                       reviewed, n=reviewed, agreed=agreed)  # fmt: skip
            share = f" ({format_percent(acc, reader)})" if acc is not None else ""
            console().print(say(said) + share, markup=False, soft_wrap=True)

    @app.command("copies")
    @handle_errors
    def copies(
        post_id: Annotated[str, typer.Argument(help="Any post of the story.")],
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """The copies of a story: its representative post and who else published it."""
        from veille.services.enrich import copies as story_copies

        with open_workspace(workspace) as ws:
            cluster, members = story_copies(ws.posts, post_id)
            reader = cli_language(ws.root)
        # Stores keep Unix seconds; every command writes times as ISO 8601.
        rows = [
            vars_of(m)
            | {
                "published_at": datetime.fromtimestamp(m.published_at, UTC),
                "representative": m.post_id == cluster,
            }
            for m in members
        ]
        if output is DataFormat.json:
            print_json({"cluster_id": cluster, "copies": rows})
            return
        others = Count(max(0, len(rows) - 1))
        say = speaker(reader)
        if output is DataFormat.table:  # no author: said, not an empty cell
            for row in rows:
                row["author"] = author_cell(row["author"], reader)
                row["platform"] = platform_name(row["platform"])  # as the pages name it
                row["representative"] = say(tr("yes")) if row["representative"] else ""
        print_rows(
            rows,
            ["post_id", "platform", "author", "url", "representative"],
            output,
            title=say(trn("Story %(story)s: also published by %(n)s other",
                          "Story %(story)s: also published by %(n)s others",
                          others, story=cluster, n=others) if others
                      else tr("Story %(story)s: no one else published it", story=cluster)),
            heads=said_heads(say, HEADS),
        )  # fmt: skip


def vars_of(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(obj)


def _emit(results: Iterator[dict], fmt: AnalyzeFormat) -> None:
    if fmt is AnalyzeFormat.json:
        print_json(list(results))
        return
    out = sys.stdout
    for row in results:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
