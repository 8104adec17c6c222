"""``file``: a CSV or JSON-lines file of posts, read as a source.

The rows are read by the importer's reader (:func:`veille.importer.read_records`)
and mapped by :func:`veille.records.post_from_record`, the same column mapping
as ``veille import`` (see ``docs/import.md``).

- **Cursor**: the last line committed and the file's identity (device, inode,
  size). When the file grew (same identity, larger size) the next run reads from
  where the last one stopped; when it was replaced or truncated it is read again
  from the start (the store's upsert is idempotent, so nothing is stored twice).
- **A line still being written**: when the file does not end with a newline
  and its last line cannot be read yet, that line is left for the next run.
- **Bad rows** go to the quarantine with their line number and reason, once
  per line: a file read again (replaced or rewritten) updates the bad row kept
  for a line rather than adding another, a line that now reads takes its
  bad row out of the quarantine, and so does a line that no longer exists
  (the file got shorter).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.errors import InputError, tr
from veille.models import Post
from veille.sources.base import Batch, Source, SourceConfigError, SourceError, parse_options

if TYPE_CHECKING:
    from veille.importer import BadRow

BATCH_ROWS = 1000


@dataclass(frozen=True)
class FileConfig:
    path: str
    format: str = ""  # "" = from the file name (.csv, .tsv, .jsonl, .ndjson, .json)
    platform: str = ""  # used for rows without a platform column


HEAD_BYTES = 1024


def _head(path: Path, length: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.blake2b(fh.read(length), digest_size=8).hexdigest()


def _identity(path: Path) -> dict[str, Any]:
    """Device, inode, size and a hash of the first bytes: what tells a file
    that grew from one that was replaced or rewritten."""
    st = path.stat()
    n = min(st.st_size, HEAD_BYTES)
    return {"dev": st.st_dev, "inode": st.st_ino, "size": st.st_size, "head_len": n,
            "head": _head(path, n)}  # fmt: skip


def _ends_with_newline(path: Path, size: int) -> bool:
    if size == 0:
        return True
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) in (b"\n", b"\r")


class FileSource(Source[FileConfig]):
    name = "file"
    terms_url = ""
    terms_note = tr("You are responsible for the lawful origin of imported posts.")
    platform = "file"
    Config = FileConfig
    target_help = "a CSV or JSON-lines file of posts (the `veille import` columns)"
    default_every = 300
    target_is_file = True
    OPTIONS: Mapping[str, type] = {"format": str, "platform": str}

    def config_from_target(self, target: str, options: Mapping[str, str]) -> FileConfig:
        from veille.importer import detect_format

        opts = parse_options(options, self.OPTIONS, kind=self.name)
        path = Path(target).expanduser()
        if not path.is_file():
            raise SourceConfigError(
                tr("file source %(target)r is not a file", target=target),
                hint=tr("Check the path and try again."),
            )
        try:
            detect_format(path, opts.get("format") or None)
        except InputError as exc:
            raise SourceConfigError(exc.message, hint=exc.hint) from None
        return FileConfig(path=str(path.resolve()), **opts)

    def collect(
        self, config: FileConfig, cursor: Mapping[str, Any] | None, http: Any
    ) -> Iterator[Batch]:
        # The importer (and the ingest path it leads to) is imported when a
        # file is read: the registry of sources imports every source module.
        from veille.importer import BadRow, detect_format, read_records

        path = Path(config.path)
        if not path.is_file():
            raise InputError(
                tr("%(path)s is not a file (any more)", path=str(path)),
                hint=tr("Put the file back, or remove the source with `veille source remove`."),
            )
        fmt = detect_format(path, config.format or None)
        ident = _identity(path)
        prev = dict(cursor or {})
        same = (
            prev.get("dev") == ident["dev"]
            and prev.get("inode") == ident["inode"]
            and ident["size"] >= int(prev.get("head_len", 0))
            and prev.get("head") == _head(path, int(prev.get("head_len", 0)))
        )
        after = int(prev.get("line", 0)) if same and ident["size"] >= prev.get("size", 0) else 0
        # The head recorded is the one of the file as first read: keep it while it grows.
        if after:
            ident["head_len"], ident["head"] = prev["head_len"], prev["head"]
        if same and ident["size"] == prev.get("size") and after:
            yield Batch([], prev, exists=_lines_up_to(after))  # nothing new
            return
        complete = _ends_with_newline(path, ident["size"])
        items: list[dict[str, Any]] = []
        last = after
        held: tuple[int, Any] | None = None
        for line, rec in read_records(path, fmt):
            if line <= after:
                continue
            if held is not None:
                items.append(_item(held[0], held[1]))
                last = held[0]
                held = None
            if isinstance(rec, BadRow) and not complete:
                held = (line, rec)  # maybe the last line, still being written
                continue
            items.append(_item(line, rec))
            last = line
            if len(items) >= BATCH_ROWS:
                yield Batch(items, {**ident, "line": last, "path": str(path)})
                items = []
        # A held bad last line is not committed: the next run reads it again.
        size = ident["size"] if held is None else -1
        lines = last if held is None else held[0]
        cursor = {**ident, "size": size, "line": last, "path": str(path)}
        yield Batch(items, cursor, exists=_lines_up_to(lines))

    def item_key(self, raw: Mapping[str, Any]) -> str | None:
        line = raw.get("line")
        return f"line {line}" if line is not None else None

    def to_post(self, raw: Mapping[str, Any], config: FileConfig) -> Post:
        from veille.records import RecordError, post_from_record

        line = raw.get("line")
        if raw.get("error"):
            raise SourceError(
                tr("%(path)s, line %(line)s: %(error)s", path=config.path, line=line,
                   error=raw["error"])
            )  # fmt: skip
        record = raw.get("record")
        if not isinstance(record, Mapping):
            raise SourceError(tr("%(path)s, line %(line)s: no record", path=config.path, line=line))
        try:
            return post_from_record(record, platform=config.platform or None)
        except RecordError as exc:
            raise SourceError(
                tr("%(path)s, line %(line)s: %(error)s", path=config.path, line=line,
                   error=exc.message)
            ) from None  # fmt: skip


def _lines_up_to(last: int) -> Callable[[str], bool]:
    """Whether an item's name (``line N``) is a line of a file of ``last`` lines."""

    def exists(key: str) -> bool:
        word, _, number = key.partition(" ")
        return word != "line" or not number.isdigit() or int(number) <= last

    return exists


def _item(line: int, rec: dict[str, Any] | BadRow) -> dict[str, Any]:
    from veille.importer import BadRow

    if isinstance(rec, BadRow):
        return {"line": line, "error": rec.reason}
    return {"line": line, "record": rec}
