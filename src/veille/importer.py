"""Import CSV and JSON-lines files of posts (see :mod:`veille.records`).

Rows are read as a stream and stored in batches, each batch committed with a
cursor naming the last line it covers. Upserts are idempotent, so an import
killed at any point and run again stores every row exactly once; the cursor
lets the second run skip what the first one committed. One stopped by Ctrl-C
raises :class:`ImportStopped`, which says what is stored and how to go on.

``strict`` checks every row before anything is written (that it reads, then
that no stage raises on it), so a bad row stores nothing of the file. The
rows are then written in batches, as without it, so that collectors and the
web app are not held up by a long import: a row that still fails while
written (a stage whose answer changed since the check) refuses the import
there, the batches before it stay, and the error says how many posts they
hold.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from veille.errors import Count, InputError, Text, VeilleError, tr, trn
from veille.models import Cursor, Post
from veille.pipeline.ingest import (
    STAGE_FAILED_POST,
    Pipeline,
    PostsLeftOut,
    StageFailed,
)
from veille.records import RecordError, csv_cell_read, post_from_record

BATCH_SIZE = 2000
# Largest CSV cell read (a whole post and its raw payload fit well under it).
FIELD_LIMIT = 16 * 2**20


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did. Every row read is counted once:
    ``rows == stored + updated + unchanged + refused + expired + repeated +
    bad_count``
    (``skipped_lines``: lines a resumed import had committed before, not
    read again)."""

    path: str
    rows: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rows not stored because an erasure forgot their author (``veille
    #: privacy erase``: their posts published until then are not stored again).
    refused: int = 0
    #: Rows not stored because their post was published before the retention
    #: cutoff (``[privacy] retention_days``): a purge deleted it (its figures
    #: are kept), or the next one would.
    expired: int = 0
    #: Rows that repeat a post read just before them in the file (the same id
    #: or address, in the same batch): the post is stored once.
    repeated: int = 0
    skipped_lines: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def bad_count(self) -> int:
        return len(self.bad)

    def summary(self) -> Text:
        """``12 rows read: 10 new posts, 1 updated, 1 unchanged, 0 bad rows
        skipped``, each count agreeing with its words in the reader's
        language (said through the catalogs, as every error is)."""
        parts = [
            trn("%(n)s new post", "%(n)s new posts", self.stored, n=Count(self.stored)),
            trn("%(n)s updated", "%(n)s updated", self.updated, n=Count(self.updated)),
            trn("%(n)s unchanged", "%(n)s unchanged", self.unchanged, n=Count(self.unchanged)),
        ]
        if self.refused:
            parts.append(trn("%(n)s refused (author erased)", "%(n)s refused (author erased)",
                             self.refused, n=Count(self.refused)))  # fmt: skip
        if self.expired:
            parts.append(trn(
                "%(n)s older than the retention period, not stored ([privacy] retention_days)",
                "%(n)s older than the retention period, not stored ([privacy] retention_days)",
                self.expired, n=Count(self.expired),
            ))  # fmt: skip
        if self.repeated:
            parts.append(trn("%(n)s repeated in the file", "%(n)s repeated in the file",
                             self.repeated, n=Count(self.repeated)))  # fmt: skip
        bad = trn("%(n)s bad row skipped", "%(n)s bad rows skipped", self.bad_count,
                  n=Count(self.bad_count))  # fmt: skip
        if self.skipped_lines:
            already = trn("%(n)s line already imported", "%(n)s lines already imported",
                          self.skipped_lines, n=Count(self.skipped_lines))  # fmt: skip
            bad = tr("%(counts)s (%(already)s)", counts=bad, already=already)
        listed = parts[0]
        for more in [*parts[1:], bad]:
            listed = tr("%(first)s, %(next)s", first=listed, next=more)
        read = trn("%(n)s row read", "%(n)s rows read", self.rows, n=Count(self.rows))
        return tr("%(read)s: %(counts)s", read=read, counts=listed)

    def more_bad(self, shown: int) -> Text:
        """``… and 3 more bad rows``: those past the ``shown`` first."""
        more = self.bad_count - shown
        return trn("… and %(n)s more bad row", "… and %(n)s more bad rows", more, n=Count(more))


class ImportStopped(VeilleError):
    """The import was stopped (Ctrl-C) part-way: the message says what is
    stored (``report``: the rows of the batches committed) and how to go on.
    Nothing committed is lost. A first Ctrl-C lets the batch under way end;
    a second cuts it, and nothing of it is stored (``strict`` too: it
    writes in batches once every row is checked)."""

    exit_code = 130

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


def _stopped(report: ImportReport, name: str, line: int, resumable: bool) -> ImportStopped:
    """What :class:`ImportStopped` says once ``line`` (0: none) is the last
    line committed of ``name``."""
    said: str = tr("standard input") if name == STDIN else name
    if not line:
        message = tr(
            "the import of %(path)s was stopped (Ctrl-C) before anything of it was stored; "
            "run the same command again to import it",
            path=said,
        )
        return ImportStopped(message, ImportReport(path=name))
    resume: Text = (
        tr("run the same command again to go on from there")
        if resumable
        else tr("give it the same input again: the posts already stored are not stored twice")
    )
    message = tr(
        "the import of %(path)s was stopped (Ctrl-C) after line %(line)s, what it stored "
        "kept (new posts: %(stored)s, updated: %(updated)s); %(resume)s",
        path=said, line=Count(line), stored=Count(report.stored),
        updated=Count(report.updated), resume=resume,
    )  # fmt: skip
    return ImportStopped(message, report)


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "jsonl"):
            raise InputError(
                tr("unknown import format %(format)r", format=fmt),
                hint=tr("Use csv or jsonl: veille import --input-format csv|jsonl, "
                        "or a file source's -o format=csv|jsonl."),
            )  # fmt: skip
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise InputError(
        tr("cannot tell the format of %(path)s from its name", path=str(path)),
        hint=tr("Name it .csv or .jsonl, or give its format: veille import --input-format "
                "csv|jsonl, or a file source's -o format=csv|jsonl."),
    )  # fmt: skip


def read_records(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """Yield ``(line number, record or BadRow)``; invalid UTF-8 is replaced, not fatal."""
    with open(path, "rb") as raw:
        yield from read_stream(raw, fmt, tsv=path.suffix.lower() == ".tsv")


def read_stream(
    raw: BinaryIO, fmt: str, *, tsv: bool = False
) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    """:func:`read_records` of an open binary stream (a file, standard input),
    read once from where it stands; ``tsv``: a CSV whose header holds a tab is
    tab-separated. The stream is left open."""
    # utf-8-sig: a byte order mark (Excel's "CSV UTF-8", Windows tools) is
    # no part of the first column's name nor of the first line's JSON.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
    try:
        if fmt == "jsonl":
            for n, line in enumerate(text, 1):
                if not line.strip():
                    continue
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    why = tr("not valid JSON (%(error)s at column %(column)s)", error=exc.msg,
                             column=exc.colno)  # fmt: skip
                    yield n, BadRow(n, why)
                    continue
                if not isinstance(value, dict):
                    yield n, BadRow(n, tr("a line must hold one JSON object"))
                    continue
                yield n, value
        else:
            yield from _csv_records(text, tsv=tsv)
    finally:
        text.detach()  # the caller's stream stays open (standard input, above all)


def _csv_records(
    text: io.TextIOWrapper, *, tsv: bool
) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    dialect: Any = "excel"
    if tsv:
        sample = text.read(4096)
        text.seek(0)
        if "\t" in sample.split("\n", 1)[0]:
            dialect = "excel-tab"
    # A post of several hundred KiB is rare but real (a long article in
    # one cell); csv's default limit (128 KiB) would end the reader.
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.DictReader(text, dialect=dialect)
    try:
        if not reader.fieldnames:
            return
    except csv.Error as exc:
        yield (
            reader.line_num,
            BadRow(reader.line_num, tr("CSV error in the header: %(error)s", error=str(exc))),
        )
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # That row is refused; the reader goes on with the next line.
            # (line_num is not advanced by a row that fails: it starts
            # on the line after the last one read.)
            at = reader.line_num + 1
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = tr("a cell is larger than %(limit)s bytes", limit=Count(FIELD_LIMIT))
            yield at, BadRow(at, tr("CSV error: %(error)s", error=reason))
            continue
        if None in row:
            yield reader.line_num, BadRow(reader.line_num, tr("more cells than columns"))
            continue
        # A cell an export led by an apostrophe (a formula, defused) reads as it was.
        yield reader.line_num, {k.strip(): _read(v) for k, v in row.items() if k}


def _read(cell: str | None) -> str | None:
    return None if cell is None else csv_cell_read(cell)  # (None: a short row's missing cell)


def _identity(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


#: The name that stands for standard input (``veille import -``).
STDIN = "-"


def import_file(
    pipeline: Pipeline,
    path: str | Path,
    *,
    platform: str | None = None,
    fmt: str | None = None,
    strict: bool = False,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    stream: BinaryIO | None = None,
) -> ImportReport:
    """Import ``path`` through ``pipeline``; see the module docstring.

    ``strict`` checks every row first (that it reads, then that no stage
    raises on it) and stores nothing of the file when one is bad. Either way
    rows are written ``batch_size`` at a time, each batch in its own
    transaction with the cursor that covers it.

    With ``stream`` (standard input, ``path`` then only names it), the rows
    are read from it once, in the ``fmt`` given (there is no name to tell it
    from); there is no cursor to resume from, as a stream cannot be read
    again (idempotent upserts still store a row read twice once). ``strict``
    keeps a copy in a temporary file to check it before storing.
    """
    if stream is not None:
        if not fmt:
            raise InputError(
                tr("the format of standard input cannot be told from a name"),
                hint=tr("Give it: veille import - --input-format csv|jsonl."),
            )
        kind = detect_format(Path(str(path)), fmt)
        options: dict[str, Any] = {
            "platform": platform, "on_progress": on_progress, "batch_size": batch_size,
        }  # fmt: skip
        if not strict:
            return _import(pipeline, str(path), lambda: read_stream(stream, kind), None,
                           strict=False, **options)  # fmt: skip
        import shutil
        import tempfile

        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(stream, copy)

            def again() -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
                copy.seek(0)
                return read_stream(copy, kind)

            return _import(pipeline, str(path), again, None, strict=True, **options)
    p = Path(path)
    if not p.is_file():
        raise InputError(
            tr("%(path)s is not a file", path=str(p)), hint=tr("Check the path and try again.")
        )
    kind = detect_format(p, fmt)
    return _import(
        pipeline, str(p), lambda: read_records(p, kind), p,
        platform=platform, strict=strict, on_progress=on_progress, batch_size=batch_size,
    )  # fmt: skip


def _import(
    pipeline: Pipeline,
    name: str,
    records: Callable[[], Iterator[tuple[int, dict[str, Any] | BadRow]]],
    resumable: Path | None,
    *,
    platform: str | None,
    strict: bool,
    on_progress: Callable[[int], None] | None,
    batch_size: int,
) -> ImportReport:
    """:func:`import_file` of the rows ``records()`` reads (called once, or
    twice with ``strict``); a ``resumable`` file's cursor lets a run killed
    part-way resume after what it committed."""
    report = ImportReport(path=name)
    cursor_name = f"import:{os.path.abspath(resumable)}" if resumable else ""
    identity = _identity(resumable) if resumable else {}
    resume_after = 0
    previous = pipeline.store.get_cursor(cursor_name) if resumable else None
    # ``strict`` too: it writes in batches, each with the cursor that covers
    # it, once every row is checked (the rows before the cursor were checked
    # by the run that stored them).
    if previous:
        v = previous.value
        if not v.get("done") and v.get("size") == identity["size"]:
            resume_after = int(v.get("line", 0))

    said: str = tr("standard input") if name == STDIN else name
    # The last line a committed batch covers (0: none yet).
    committed = [0]
    try:
        if strict:
            # Every row is checked before anything is written (and before
            # the write lock is taken): a bad row leaves nothing behind.
            for line, _post, problem in _rows(records(), platform):
                if problem is not None and line > resume_after:
                    raise InputError(
                        tr("%(path)s, line %(line)s: %(error)s", path=said, line=problem.line,
                           error=problem.reason),
                        hint=tr("Nothing from this file was stored (--strict). "
                                "Fix the line, or run without --strict to keep the good rows."),
                    )  # fmt: skip
            _check_stages(pipeline, name, records, platform, batch_size, resume_after)
        _write(
            pipeline, report, records(), platform, committed, strict=strict,
            cursor_name=cursor_name, identity=identity, resume_after=resume_after,
            on_progress=on_progress, batch_size=batch_size, said=said,
        )  # fmt: skip
    except KeyboardInterrupt:
        # Ctrl-C: the batch under way was rolled back; those before it stay.
        line = committed[0]
        raise _stopped(report, name, line, resumable is not None) from None
    return report


def _write(
    pipeline: Pipeline,
    report: ImportReport,
    records: Iterator[tuple[int, dict[str, Any] | BadRow]],
    platform: str | None,
    committed: list[int],
    *,
    strict: bool,
    cursor_name: str,
    identity: dict[str, Any],
    resume_after: int,
    on_progress: Callable[[int], None] | None,
    batch_size: int,
    said: str,
) -> None:
    """:func:`_import`'s writing, batch by batch, into ``report``;
    ``committed[0]``: the last line a committed batch covers. ``strict``: a row a stage
    raises on now refuses the import (:class:`InputError`)."""
    batch: list[Post] = []
    line_of: dict[str, int] = {}  # post id -> its line in this batch
    last_line = 0

    def refused(line: int, why: str) -> InputError:
        if not report.stored and not report.updated and not resume_after:
            hint: str = tr(
                "Nothing from this file was stored (--strict). Fix or remove that stage, "
                "or run without --strict to keep the other rows."
            )
        else:
            hint = tr(
                "The posts of the lines before it are stored (new: %(stored)s, "
                "updated: %(updated)s): once every row is checked, a strict import writes in "
                "batches, so that collectors and the web app are not held up. Fix or remove "
                "that stage and run it again: nothing is stored twice.",
                stored=Count(report.stored), updated=Count(report.updated),
            )  # fmt: skip
        return InputError(
            tr("%(path)s, line %(line)s: %(error)s", path=said, line=line, error=why), hint=hint
        )

    def flush(done: bool = False) -> None:
        nonlocal batch
        cursor = (
            Cursor(cursor_name, {**identity, "line": last_line, "done": done})
            if cursor_name
            else None
        )
        try:
            with _batch_before_ctrl_c() as asked:
                result = pipeline.ingest(batch, cursor=cursor, strict=strict)
                _count(report, result, batch, line_of)
                committed[0] = last_line
            if asked:
                raise KeyboardInterrupt
        except PostsLeftOut as exc:  # --strict: a stage raised on a row the check passed
            line = min(line_of.get(p.id, 0) for p, _why in exc.failed)
            why = next(w for p, w in exc.failed if line_of.get(p.id, 0) == line)
            raise refused(line, why) from exc
        except StageFailed as exc:
            if not strict:
                raise
            raise refused(min(line_of.values(), default=last_line), exc.message) from exc
        if on_progress:
            on_progress(len(batch))
        batch = []
        line_of.clear()

    for line, post, problem in _rows(records, platform):
        last_line = line
        if line <= resume_after:
            report.skipped_lines += 1
            continue
        report.rows += 1
        if problem is not None:
            report.bad.append(problem)
        elif post is not None:
            batch.append(post)
            line_of[post.id] = line
        if len(batch) >= batch_size:
            flush()
    flush(done=True)


def _count(report: ImportReport, result: Any, batch: list[Post], line_of: dict[str, int]) -> None:
    """``report`` with what writing ``batch`` did (``result``) counted in."""
    refused = len(result.refused)
    report.stored += result.inserted
    report.updated += len(result.updated)
    report.unchanged += result.unchanged
    report.refused += refused
    report.expired += len(result.expired)
    # A row whose post a stage raised on is a bad row, the stage named.
    report.bad.extend(BadRow(line_of.get(p.id, 0), why) for p, why in result.failed)
    # The rest of the batch's rows name a post another row of it named.
    counted = result.inserted + len(result.updated) + result.unchanged + refused
    counted += len(result.expired)
    report.repeated += max(0, len(batch) - counted - len(result.failed))


@contextmanager
def _batch_before_ctrl_c() -> Iterator[list[int]]:
    """A first Ctrl-C while a batch is written waits for its end (what the
    import says it stored is then what it stored, and where it goes on
    from); a second one stops it at once, the batch rolled back. Yields
    the Ctrl-Cs noted. Only where Ctrl-C is Python's own KeyboardInterrupt
    (the main thread of a command; a server's handler is left alone)."""
    asked: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield asked
        return

    def noted(signum: int, frame: Any) -> None:
        asked.append(signum)
        if len(asked) > 1:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, noted)
    try:
        yield asked
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _check_stages(
    pipeline: Pipeline,
    name: str,
    records: Callable[[], Iterator[tuple[int, dict[str, Any] | BadRow]]],
    platform: str | None,
    batch_size: int,
    resume_after: int = 0,
) -> None:
    """``--strict``'s second check: the stages prepare every row that would be
    enriched (new or changed) after line ``resume_after`` (a resumed import's
    cursor), ``batch_size`` at a time, nothing written; a
    row a stage raises on stops the import before anything is stored, naming
    its line and the stage (without ``--strict`` it is a bad row and the
    others are kept). The rows are prepared again when written."""
    said: str = tr("standard input") if name == STDIN else name
    hint = tr(
        "Nothing from this file was stored (--strict). Fix or remove that stage, "
        "or run without --strict to keep the other rows."
    )
    batch: list[Post] = []
    line_of: dict[int, int] = {}  # id(post) -> its line
    # A row older than the retention cutoff is left out when written: its
    # stages never run, so they do not refuse the file over it either.
    cutoff = pipeline.cutoff()

    def check() -> None:
        kept, _expired = pipeline.expire(batch, cutoff)
        try:
            _prepared, failed = pipeline.prepare_changed(kept) if kept else ([], [])
        except StageFailed as exc:  # on every row of the batch: the first is named
            first = min(line_of[id(p)] for p in kept)
            every = tr(STAGE_FAILED_POST, stage=exc.stage, type=type(exc.error).__name__,
                       error=str(exc.error))  # fmt: skip
            raise InputError(
                tr("%(path)s, line %(line)s: %(error)s", path=said, line=first, error=every),
                hint=hint,
            ) from exc
        if failed:
            line = min(line_of.get(id(p), 0) for p, _why in failed)
            why = next(w for p, w in failed if line_of.get(id(p), 0) == line)
            raise InputError(
                tr("%(path)s, line %(line)s: %(error)s", path=said, line=line, error=why),
                hint=hint,
            )
        batch.clear()
        line_of.clear()

    for line, post, _problem in _rows(records(), platform):
        if post is not None and line > resume_after:
            batch.append(post)
            line_of[id(post)] = line
        if len(batch) >= batch_size:
            check()
    if batch:
        check()


def _rows(
    records: Iterator[tuple[int, dict[str, Any] | BadRow]], platform: str | None
) -> Iterator[tuple[int, Post | None, BadRow | None]]:
    """``(line, post, None)`` for a good row, ``(line, None, why)`` for a bad one."""
    for line, rec in records:
        if isinstance(rec, BadRow):
            yield line, None, rec
            continue
        try:
            yield line, post_from_record(rec, platform=platform), None
        except RecordError as exc:
            yield line, None, BadRow(line, exc.message)
        except Exception as exc:  # a row the mapping did not foresee: that row only
            why = tr("cannot be read (%(type)s: %(error)s)", type=type(exc).__name__,
                     error=str(exc))  # fmt: skip
            yield line, None, BadRow(line, why)
