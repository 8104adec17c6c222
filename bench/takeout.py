"""What an erasure on chDB spends taking a person's posts out of the rollups.

    python bench/takeout.py                      # 100,000 posts, a person of about 500
    python bench/takeout.py --posts 300000 --person 2000 --runs 7

``veille privacy erase`` on posts in ClickHouse takes each chunk of a
person's posts out of the rollups the materialized views keep: each
rollup's own SELECT over the posts' current versions, negated, written into
a staging table (``ClickHouseTakeOut._stage_take_out``), which the erasure
then moves in. Each of those SELECTs reads the posts (``id IN`` a chunk: a
scan of the table). Until 2026-12-07 a first query counted what each rollup
would take out, running every SELECT once more: the posts were read twice
per rollup. The counts now come from the staging tables (a few rows each).

A fresh chDB store gets ``--posts`` generated posts over a year (bench/store.py's
generator), its months merged as the upkeep merges them; then, for the
author whose posts number closest to ``--person``, the staging of one chunk
(up to 5,000 posts, the erasure's chunk) is timed ``--runs`` times, the
previous way (the count, then the staging of the rollups it found) and the
current one alternately, each dropping its staging tables after: best and
median time and median CPU time (every thread of the process: chDB's
included) of each, their ratios, and the statements each ran. The two staged
the same rows (checked on the first run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import batches


def read_then_stage(
    ch: Any, rollups: list[Any], ids: list[str], removed: dict[str, int], token: str
) -> list[tuple[str, str]]:
    """The staging as it was before 2026-12-07: what each rollup takes out
    counted first (every rollup's SELECT run once), then the rollups that
    take out something staged (their SELECT run again)."""
    from veille.store.clickhouse.filters import POSTS
    from veille.store.clickhouse.takeout import _STAGING

    latest = (
        f"SELECT * REPLACE (toInt8(0) AS prev_posts) FROM {POSTS} WHERE id IN {{ids:Array(String)}}"
    )
    selects = [r.select.replace("{latest}", latest) for r in rollups]
    counts = ch.rows(
        "SELECT " + ", ".join(f"(SELECT count() FROM ({s}))" for s in selects), {"ids": ids}
    )[0]
    made = []
    for r, select, n in zip(rollups, selects, counts, strict=True):
        if not n:
            continue
        cols = ", ".join([*r.keys, *r.sums])
        picked = ", ".join([*r.keys, *(f"-{s} AS {s}" for s in r.sums)])
        staging = f"{_STAGING}{token}__{r.table}"
        ch.client.command(f"CREATE TABLE IF NOT EXISTS {staging} AS {r.table}")
        ch.client.command(
            f"INSERT INTO {staging} ({cols}) SELECT {picked} FROM ({select})", {"ids": ids}
        )
        removed[r.table] = removed.get(r.table, 0) + int(n)
        made.append((staging, r.table))
    return made


class Counted:
    """Counts the statements run through ``ch.client`` (and ``ch.rows``)."""

    def __init__(self, ch: Any) -> None:
        self.ch, self.n = ch, 0

    def __enter__(self) -> Counted:
        for name in ("command", "rows", "insert"):
            real = getattr(self.ch.client, name)

            def counted(*a: Any, _real: Any = real, **k: Any) -> Any:
                self.n += 1
                return _real(*a, **k)

            setattr(self.ch.client, name, counted)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in ("command", "rows", "insert"):
            delattr(self.ch.client, name)


def staged_rows(ch: Any, made: list[tuple[str, str]]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(tuple(map(str, r)) for r in ch.rows(f"SELECT * FROM {staging}"))
        for staging, table in made
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--person", type=int, default=500, help="the erased person's posts, about")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from veille.store.clickhouse.backend import ChdbBackend

    with tempfile.TemporaryDirectory(prefix="veille-takeout-") as tmp:
        folder = Path(tmp)
        ch = ChdbBackend().open(f"chdb:///{folder / 'posts.chdb'}", root=folder)
        t0 = time.perf_counter()
        for batch in batches(args.posts, 20_000):
            ch.upsert_posts(batch)
        ch.compact_months()
        print(f"{args.posts:,} posts written in {time.perf_counter() - t0:.0f} s", flush=True)
        ((handle, held),) = ch.rows(
            "SELECT author_handle, count() AS n FROM posts GROUP BY author_handle "
            "ORDER BY abs(n - {w:Int64}) LIMIT 1",
            {"w": args.person},
        )
        ids = ch.author_post_ids(handle, None)[:5000]
        rollups = [r for r in ch._rollups() if not r.per_author]
        print(
            f"{handle}: {len(ids):,} posts ({held:,} versions); rollups "
            f"{', '.join(r.table for r in rollups)}",
            flush=True,
        )
        ways = {
            "counted first": lambda *a: read_then_stage(ch, *a),
            "counted staged": ch._stage_take_out,
        }
        took: dict[str, list[float]] = {w: [] for w in ways}
        cpu: dict[str, list[float]] = {w: [] for w in ways}
        statements: dict[str, int] = {}
        staged: dict[str, Any] = {}
        removed: dict[str, dict[str, int]] = {}
        for run in range(args.runs):
            order = list(ways) if run % 2 == 0 else list(reversed(ways))
            for way in order:
                got: dict[str, int] = {}
                with Counted(ch) as c:
                    t0, c0 = time.perf_counter(), time.process_time()
                    made = ways[way](rollups, ids, got, f"bench{run}")
                    took[way].append(time.perf_counter() - t0)
                    cpu[way].append(time.process_time() - c0)
                statements[way] = c.n
                if run == 0:
                    staged[way], removed[way] = staged_rows(ch, made), got
                for staging, _table in made:
                    ch.client.command(f"DROP TABLE IF EXISTS {staging} SYNC")
        same = staged["counted first"] == staged["counted staged"]
        print(f"same rows staged: {same}; taken out: {removed['counted staged']}")
        base, base_cpu = min(took["counted first"]), statistics.median(cpu["counted first"])
        for way in ways:
            best, med, c = min(took[way]), statistics.median(took[way]), statistics.median(cpu[way])
            print(
                f"  {way:15} best {best * 1000:7.1f} ms (x{best / base:.2f})  median "
                f"{med * 1000:7.1f} ms  CPU median {c * 1000:7.1f} ms (x{c / base_cpu:.2f})  "
                f"{statements[way]} statements"
            )
        ch.close()


if __name__ == "__main__":
    main()
