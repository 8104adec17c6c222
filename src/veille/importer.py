"""Import CSV and JSON-lines files of posts (see :mod:`veille.records`).

Rows are read as a stream and stored in batches, each batch committed with a
cursor naming the last line it covers. Upserts are idempotent, so an import
killed at any point and run again stores every row exactly once; the cursor
lets the second run skip what the first one committed.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from veille.errors import InputError
from veille.models import Cursor, Post
from veille.pipeline.ingest import Pipeline
from veille.records import RecordError, post_from_record
from veille.store.base import UpsertResult

BATCH_SIZE = 2000


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    path: str
    rows: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_lines: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def bad_count(self) -> int:
        return len(self.bad)


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "jsonl"):
            raise InputError(f"unknown import format {fmt!r}", hint="Use --format csv or jsonl.")
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise InputError(
        f"cannot tell the format of {path} from its name",
        hint="Name it .csv or .jsonl, or pass --format csv|jsonl.",
    )


def read_records(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """Yield ``(line number, record or BadRow)``; invalid UTF-8 is replaced, not fatal."""
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        if fmt == "jsonl":
            for n, line in enumerate(text, 1):
                if not line.strip():
                    continue
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield n, BadRow(n, f"not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                if not isinstance(value, dict):
                    yield n, BadRow(n, "a line must hold one JSON object")
                    continue
                yield n, value
        else:
            sample = text.read(4096)
            text.seek(0)
            dialect: Any = "excel"
            if "\t" in sample.split("\n", 1)[0] and path.suffix.lower() == ".tsv":
                dialect = "excel-tab"
            reader = csv.DictReader(text, dialect=dialect)
            if not reader.fieldnames:
                return
            try:
                for row in reader:
                    if None in row:
                        yield reader.line_num, BadRow(reader.line_num, "more cells than columns")
                        continue
                    yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
            except csv.Error as exc:
                yield reader.line_num, BadRow(reader.line_num, f"CSV error: {exc}")


def _identity(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def import_file(
    pipeline: Pipeline,
    path: str | Path,
    *,
    platform: str | None = None,
    fmt: str | None = None,
    strict: bool = False,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import ``path`` through ``pipeline``; see the module docstring.

    ``strict`` stops at the first bad row and stores nothing of the file.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p} is not a file", hint="Check the path and try again.")
    kind = detect_format(p, fmt)
    report = ImportReport(path=str(p))
    cursor_name = f"import:{os.path.abspath(p)}"
    identity = _identity(p)
    resume_after = 0
    previous = pipeline.store.get_cursor(cursor_name)
    if previous and not strict:
        v = previous.value
        if not v.get("done") and v.get("size") == identity["size"]:
            resume_after = int(v.get("line", 0))

    batch: list[Post] = []
    pending: list[UpsertResult] = []
    last_line = 0

    def flush(tx: Any | None, done: bool = False) -> None:
        nonlocal batch
        cursor = Cursor(cursor_name, {**identity, "line": last_line, "done": done})
        prepared = pipeline.prepare(batch)
        if tx is None:
            with pipeline.store.transaction() as own:
                result = pipeline.write(own, prepared, cursor)
            pipeline.committed(result)
        else:
            result = pipeline.write(tx, prepared, cursor)
            pending.append(result)
        report.stored += result.inserted
        report.updated += len(result.updated)
        report.unchanged += result.unchanged
        if on_progress:
            on_progress(len(batch))
        batch = []

    def run(tx: Any | None) -> None:
        nonlocal last_line
        for line, rec in read_records(p, kind):
            last_line = line
            if line <= resume_after:
                report.skipped_lines += 1
                continue
            report.rows += 1
            if isinstance(rec, BadRow):
                problem = rec
            else:
                try:
                    batch.append(post_from_record(rec, platform=platform))
                    problem = None
                except RecordError as exc:
                    problem = BadRow(line, str(exc))
            if problem is not None:
                if strict:
                    raise InputError(
                        f"{p}, line {problem.line}: {problem.reason}",
                        hint="Nothing from this file was stored (--strict). "
                        "Fix the line, or run without --strict to keep the good rows.",
                    )
                report.bad.append(problem)
            if len(batch) >= batch_size:
                flush(tx)
        flush(tx, done=True)

    if strict:
        # One transaction for the whole file: a bad row leaves nothing behind.
        with pipeline.store.transaction() as tx:
            run(tx)
        for result in pending:
            pipeline.committed(result)
    else:
        run(None)
    return report
