"""What a retention purge remembers of the posts it deleted, and its cost on disk.

    python bench/purged_names.py [--per-day 1000] [--days 40] [--retention 10] [--no-chdb]

Fills a posts store (SQLite, then chDB) with ``--per-day`` posts a day over
``--days`` days, then runs the daily purge of a retention of
``--retention`` days on each later day, twice in the same run: as it ran
until 2026-12-06 (every post it deleted named for good: the baseline) and
now (a name kept as long as its post was: ``names_from``, the cutoff less
the retention period). Prints the names held at the end, their bytes on
disk in all and per post purged, and the purges' time, beside the baseline.

Then it weighs the row a name could take instead: a 64-bit integer (the
first 8 bytes of the same hash) and the publication, in a table keyed by
that integer (SQLite ``WITHOUT ROWID``; a ClickHouse ``MergeTree`` ordered
by it), filled with the baseline's names, beside ``forgotten``'s rows.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 1, 1, tzinfo=UTC)


def _posts(per_day: int, days: int) -> list[Any]:
    from veille.models import Author, Post

    step = 86400 / per_day
    return [
        Post.create(
            platform="mastodon", native_id=str(i), text=f"post {i} about the lamp",
            published_at=START + timedelta(seconds=i * step), author=Author(f"u{i % 500}"),
        )
        for i in range(per_day * days)
    ]  # fmt: skip


def _purge_daily(store: Any, days: int, retention: int, bounded: bool) -> tuple[int, float]:
    """Each day's purge from day ``retention + 1`` on: posts purged, seconds."""
    purged, spent = 0, 0.0
    for day in range(retention + 1, days + 1):
        cutoff = START + timedelta(days=day - retention)
        names_from = cutoff - timedelta(days=retention) if bounded else None
        t = time.perf_counter()
        purged += store.delete_posts_before(cutoff, names_from=names_from).posts
        spent += time.perf_counter() - t
    return purged, spent


def _sqlite_bytes(conn: sqlite3.Connection, table: str) -> int:
    (n,) = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (table,)).fetchone()
    return int(n or 0)


def _chdb_bytes(store: Any, table: str) -> int:
    store.client.command(f"OPTIMIZE TABLE {table} FINAL")
    found = store.rows(
        "SELECT sum(bytes_on_disk) FROM system.parts WHERE active "
        "AND database = currentDatabase() AND table = {t:String}",
        {"t": table},
    )
    return int(found[0][0] or 0)


def _names(rows: Callable[[str], list[Any]]) -> int:
    return int(rows("SELECT count() FROM forgotten WHERE kind = 'purged'")[0][0])


def _run(label: str, open_store: Callable[[Path], Any], measure: Callable[[Any], int],
         count: Callable[[Any], int], args: argparse.Namespace, folder: Path,
         compact: Callable[[Any], tuple[int, int]]) -> None:  # fmt: skip
    posts = _posts(args.per_day, args.days)
    print(f"{label}: {len(posts):,} posts over {args.days} days, {args.retention} days kept")
    seen: dict[str, tuple[int, int, int, float]] = {}
    for name, bounded in (("baseline (names kept for good)", False), ("names kept a period", True)):
        store = open_store(folder / f"{label}-{int(bounded)}")
        try:
            for i in range(0, len(posts), 5000):
                store.upsert_posts(posts[i : i + 5000])
            purged, spent = _purge_daily(store, args.days, args.retention, bounded)
            names, size = count(store), measure(store)
            seen[name] = (purged, names, size, spent)
            print(f"  {name}: {purged:,} purged, {names:,} names held, {size:,} bytes "
                  f"({size / max(purged, 1):.1f} per post purged, "
                  f"{size / max(names, 1):.1f} per name), purges {spent:.2f} s")  # fmt: skip
            if not bounded:
                now_b, small_b = compact(store)
                print(f"  a name's row: {now_b / max(names, 1):.1f} bytes in forgotten, "
                      f"{small_b / max(names, 1):.1f} keyed by a 64-bit integer "
                      f"(ratio {small_b / max(now_b, 1):.2f})")  # fmt: skip
        finally:
            store.close()
    (_p0, _n0, b0, t0), (_p1, _n1, b1, t1) = seen.values()
    print(f"  bytes held: {b1 / max(b0, 1):.2f} of the baseline; purge time: "
          f"{t1 / max(t0, 1e-9):.2f} of the baseline")  # fmt: skip


def _key64(hex_key: str) -> int:
    return int.from_bytes(bytes.fromhex(hex_key[:16]), "little", signed=True)


def _sqlite_compact(store: Any) -> tuple[int, int]:
    """``forgotten``'s bytes, and those of the same names in a table keyed by
    a 64-bit integer (written in the hash's order, as purges write them)."""
    rows = store.conn.execute(
        "SELECT key, erased_at FROM forgotten WHERE kind = 'purged'"
    ).fetchall()
    random.Random(1).shuffle(rows)
    other = sqlite3.connect(":memory:")
    other.execute(
        "CREATE TABLE purged (key INTEGER PRIMARY KEY, published_at INTEGER NOT NULL) WITHOUT ROWID"
    )
    with other:
        other.executemany(
            "INSERT OR IGNORE INTO purged VALUES (?, ?)", [(_key64(k), at) for k, at in rows]
        )
    return _sqlite_bytes(store.conn, "forgotten"), _sqlite_bytes(other, "purged")


def _chdb_compact(store: Any) -> tuple[int, int]:
    store.client.command(
        "CREATE TABLE IF NOT EXISTS purged64 (key Int64, published_at Int64) "
        "ENGINE = MergeTree ORDER BY key"
    )
    store.client.command(
        "INSERT INTO purged64 SELECT reinterpretAsInt64(unhex(substring(key, 1, 16))), "
        "erased_at FROM forgotten WHERE kind = 'purged'"
    )
    return _chdb_bytes(store, "forgotten"), _chdb_bytes(store, "purged64")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--retention", type=int, default=10)
    ap.add_argument("--no-chdb", action="store_true")
    args = ap.parse_args(argv)

    from veille.store.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _run("SQLite", lambda p: SQLiteStore.open(p.with_suffix(".db")),
             lambda s: _sqlite_bytes(s.conn, "forgotten"),
             lambda s: _names(lambda q: s.conn.execute(q).fetchall()), args, folder,
             _sqlite_compact)  # fmt: skip
        if not args.no_chdb:
            from veille.store.clickhouse.backend import ChdbBackend

            _run("chDB", lambda p: ChdbBackend().open(f"chdb:///{p}.chdb", root=folder),
                 lambda s: _chdb_bytes(s, "forgotten"), lambda s: _names(s.rows), args,
                 folder, _chdb_compact)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
