"""Streamed export of stored posts: JSON lines, CSV or Parquet.

Posts are read from the PostStore in batches and written as they come, so an
export of millions of posts needs no more memory than one batch. The library
API under ``veille export`` (and the web app's downloads).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from veille.errors import UsageError, tr
from veille.models import Post
from veille.records import RECORD_COLUMNS, csv_cell, post_to_record
from veille.store.base import PostFilter, PostStore

FORMATS = ("jsonl", "csv", "parquet")
COLUMNS = RECORD_COLUMNS


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        value = " ".join(value)
    # Numbers stay numbers (a negative score is not a formula to defuse).
    return csv_cell(value) if isinstance(value, str) else value


def export_stored(
    posts: PostStore,
    fmt: str,
    out: IO[str] | Path,
    flt: PostFilter | None = None,
    *,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Write the stored posts matching ``flt``, oldest first, to ``out``;
    return the count. ``on_total`` hears how many there are before the first;
    ``transform`` rewrites each record (e.g. :func:`veille.services.disclosure.pseudonymizer`)."""
    if on_total is not None:
        on_total(posts.count_posts(flt))
    return export_posts(
        posts.iter_posts(flt), fmt, out, on_progress=on_progress, transform=transform
    )


def export_posts(
    posts: Iterable[Post],
    fmt: str,
    out: IO[str] | Path,
    *,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = 5000,
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Write ``posts`` to ``out`` (a text stream, or a path for Parquet); return the count.

    ``transform`` rewrites each record first (e.g. pseudonymized authors)."""
    to_record = post_to_record if transform is None else lambda p: transform(post_to_record(p))
    if fmt not in FORMATS:
        raise UsageError(
            tr("unknown export format %(fmt)r", fmt=fmt),
            hint=tr("Use one of: %(names)s.", names=", ".join(FORMATS)),
        )
    count = 0
    if fmt == "parquet":
        if not isinstance(out, Path):
            raise UsageError(tr("Parquet is binary: give a file with --output FILE"))
        return _export_parquet(posts, out, on_progress, batch_size, to_record)
    stream = out.open("w", encoding="utf-8", newline="") if isinstance(out, Path) else out
    try:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        for post in posts:
            rec = to_record(post)
            if writer:
                writer.writerow({k: _csv_value(rec.get(k)) for k in COLUMNS})
            else:
                stream.write(json.dumps(rec, ensure_ascii=False) + "\n")
            count += 1
            if on_progress and count % 1000 == 0:
                on_progress(1000)
    finally:
        if isinstance(out, Path):
            stream.close()
    return count


def _export_parquet(
    posts: Iterable[Post],
    path: Path,
    on_progress: Callable[[int], None] | None,
    batch_size: int,
    to_record: Callable[[Post], dict[str, Any]] = post_to_record,
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    list_cols = {"hashtags", "mentions", "links", "media"}
    int_cols = {"followers", "likes", "shares", "replies", "views"}
    schema = pa.schema(
        [
            pa.field(
                c,
                pa.list_(pa.string())
                if c in list_cols
                else pa.int64()
                if c in int_cols
                else pa.float64()
                if c == "sentiment_score"
                else pa.string(),
            )
            for c in COLUMNS
        ]
    )
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, Any]] = []
        for post in posts:
            batch.append(to_record(post))
            if len(batch) >= batch_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                if on_progress:
                    on_progress(len(batch))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def export_chunks(posts: Iterable[Post], fmt: str, *, batch_size: int = 500) -> Iterator[str]:
    """``posts`` as CSV (one header) or JSON lines, in pieces of ``batch_size``
    posts: what a web download streams without holding the whole export."""
    import io

    if fmt not in ("csv", "jsonl"):
        raise UsageError(
            tr("export format %(fmt)r is not offered here", fmt=fmt), hint=tr("Use csv or jsonl.")
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for n, post in enumerate(posts, 1):
        rec = post_to_record(post)
        if writer:
            writer.writerow({k: _csv_value(rec.get(k)) for k in COLUMNS})
        else:
            buffer.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if n % batch_size == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
