"""Where ClickHouse's time goes in the dashboard aggregations issue 21 is
about: each store query of each call timed apart, and the cost of reading
ten posts whole, beside the cheapest read of ``posts`` (the baseline).

    python bench/store_queries.py                      # 200,000 posts, made here
    python bench/store_queries.py --posts 50000        # quick
    python bench/store_queries.py --folder F           # the chDB store of a
                                                       # ``bench/store.py --folder F`` run
    python bench/store_queries.py --folder F --only "query: top posts"

The posts are ``bench/store.py``'s (the same generator, the same 30 days and
ad-hoc query), written into a fresh chDB store and its months merged as the
scheduler's upkeep would, unless ``--folder`` names the folder of an earlier
``bench/store.py`` run (its ``posts.chdb``; no other process may hold it).
Each aggregation is run ``--repeat`` times; the fastest run (CPU) is shown
query by query, in CPU ms (they count chDB's threads; on a shared machine
steadier than wall clock), each beside the baseline: ``SELECT count() FROM
posts`` (answered from the parts' row counts, what no read can go under).
Then the ten posts of the whole workspace's top stories read whole, as
``posts_at`` reads them, against one of them and against their ``id``
column alone: what each column and granule read costs (see
docs/clickhouse.md, "Speed").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench/store.py: the generator, the dashboard's aggregations, the upkeep.
import store as bench

ISSUE_21 = (
    "all: top posts",
    "all: top stories",
    "all: top authors",
    "all: authors",
    "query: volume per day",
    "query: top posts",
    "query: top stories",
)


def cpu_ms(fn: Callable[[], Any], repeat: int) -> float:
    """The best CPU milliseconds of ``repeat`` runs of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        best = min(best, time.process_time() - c0)
    return best * 1000


def queries_of(
    ch: Any, fn: Callable[[], Any], repeat: int
) -> tuple[float, list[tuple[str, float]]]:
    """The fastest of ``repeat`` runs of ``fn`` (CPU ms) and its store
    queries, each with its own CPU ms."""
    plain = ch.rows
    seen: list[tuple[str, float]] = []

    def rows(sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        c0 = time.process_time()
        try:
            return plain(sql, params)
        finally:
            seen.append((sql, (time.process_time() - c0) * 1000))

    best: tuple[float, list[tuple[str, float]]] = (float("inf"), [])
    ch.rows = rows
    try:
        for _ in range(repeat):
            seen.clear()
            c0 = time.process_time()
            fn()
            spent = (time.process_time() - c0) * 1000
            if spent < best[0]:
                best = (spent, list(seen))
    finally:
        del ch.rows  # the method again
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--folder", type=Path, default=None, help="an earlier bench/store.py folder")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--only", action="append", default=None, metavar="NAME",
                    help="an aggregation of bench/store.py's dashboard (repeatable)")  # fmt: skip
    args = ap.parse_args()

    from veille.store.clickhouse.backend import ChdbBackend

    folder = args.folder or Path(tempfile.mkdtemp(prefix="veille-bench-queries-"))
    made = args.folder is None
    ch = ChdbBackend().open(f"chdb:///{folder / 'posts.chdb'}", root=folder)
    try:
        if made:
            print(f"{args.posts:,} posts into a fresh chDB store in {folder}", flush=True)
            bench.ingest(ch, args.posts, 20_000)
            bench.compact(ch)
        print(f"{ch.count_posts():,} posts; CPU ms, best of {args.repeat}; load {bench.load()}")
        floor = cpu_ms(lambda: ch.rows("SELECT count() FROM posts"), 20)
        print(f"baseline: SELECT count() FROM posts {floor:.1f} ms\n")
        aggs = bench.dashboard(ch)
        for name in args.only or ISSUE_21:
            spent, seen = queries_of(ch, aggs[name], args.repeat)
            print(f"{name}: {spent:.1f} ms, {len(seen)} queries ({spent / floor:.1f}x baseline)")
            for sql, ms in seen:
                print(f"  {ms:7.1f} ms {ms / floor:6.1f}x  {' '.join(sql.split())[:150]}")

        from veille.store.clickhouse.rows import READ_COLUMNS

        stories = aggs["all: top stories"]()
        keys = [[s[5].id, int(s[5].published_at.timestamp())] for s in stories]
        if keys:
            sql = (
                "SELECT {cols} FROM posts WHERE published_at IN {{at:Array(Int64)}} "
                "AND id IN {{ids:Array(String)}} ORDER BY version DESC LIMIT 1 BY id"
            )

            def read(cols: str, some: list[list[Any]]) -> Callable[[], Any]:
                params = {"at": sorted({k[1] for k in some}), "ids": [k[0] for k in some]}
                return lambda: ch.rows(sql.format(cols=cols), params)

            print(f"\nThe {len(keys)} first posts of the whole workspace's top stories:")
            for label, fn in (
                (f"{len(keys)} posts whole", read(READ_COLUMNS, keys)),
                (f"{len(keys)} posts, id only", read("id", keys)),
                ("1 post whole", read(READ_COLUMNS, keys[:1])),
                ("1 post, id only", read("id", keys[:1])),
            ):
                ms = cpu_ms(fn, args.repeat)
                print(f"  {label:<22}{ms:7.1f} ms {ms / floor:6.1f}x baseline")
    finally:
        ch.close()


if __name__ == "__main__":
    main()
