"""The daily upkeep of a workspace that has run for a year, on SQLite: the
retention purge, VACUUM, and how long each holds the write lock.

    python bench/upkeep.py                       # 1,000,000 posts over a year
    python bench/upkeep.py --posts 100000        # quick
    python bench/upkeep.py --growth 12 --per-day 2000 --retention 30
                        # the file's size month by month under retention

A fresh workspace gets ``--posts`` generated posts over a year (bench/store.py's
generator) and, as a year of alerts leaves it, ``--alerts`` alerts each with
an outbox row for ``--share`` of the posts. Then, with ``retention_days`` set
so that the purge is what a daily upkeep deletes (one day of posts), then
what the first upkeep deletes after retention is turned on (``--backlog``
days), it measures the purge's time and the longest time a collector would
wait for the write lock meanwhile (a thread beside it takes the write lock,
``BEGIN IMMEDIATE`` then ``COMMIT``, every 10 ms and records its waits),
beside the same wait while a normal collector batch (``--batch`` posts) is
written: the baseline. Then ``VACUUM``'s time and the file's size before
and after.

``--ab N`` then purges N more days one by one, alternately without and with
the outbox's index by post id (migration 0330, dropped and made again), each
beside a collector's batch: the index's effect at the same load.

``--chdb`` measures the same on posts in chDB (ClickHouse in-process; its
settled months merged first, as the scheduler's upkeep does): the retention
purge of one hour (what each hourly upkeep deletes) and of one day, each
beside a collector writing batches of ``--batch`` posts meanwhile (the
slowest of its batches), and beside the same collector alone: the baseline.

``--chdb --erase N`` measures instead a person's erasure on posts in chDB:
the author whose posts number closest to N (all platforms) is erased
(``erase_author_posts``, what ``veille privacy erase`` runs on a posts store
in ClickHouse), beside a collector of the same process writing batches of
``--batch`` posts meanwhile: the erasure's time and the collector's slowest
batch, beside the same collector alone (the baseline); and a reader (one
post read every 50 ms) beside it, its slowest read beside the same reader
alone, with the erasure's longest statements (chDB runs one at a time: a
read waits for the statement under way).

Without ``--chdb``, ``--erase N`` erases that author from the SQLite
workspace instead of purging, beside the thread taking the write lock.

``--growth MONTHS`` measures instead the file's size at the end of each
simulated month, with ``--per-day`` posts a day (their outbox rows as above)
and the upkeep's retention purge (``retention_days = --retention``) after
each day, beside the size the posts of one retention period took.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import END, SPAN, batches, more_posts


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Prober:
    """A collector's view of the write lock: every 10 ms it takes it on its
    own connection and records how long it waited."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.waits: list[float] = []
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=600, isolation_level=None)
        self.ready.set()
        while not self.stop.wait(0.01):
            t0 = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            self.waits.append(time.perf_counter() - t0)
            conn.execute("COMMIT")
        conn.close()

    def __enter__(self) -> Prober:
        self.thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def probed(path: Path, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds ``fn`` took and the longest wait for the write lock beside it."""
    with Prober(path) as p:
        t0 = time.perf_counter()
        out = fn()
        spent = time.perf_counter() - t0
    return spent, max(p.waits, default=0.0), out


def queue(ws: Any, alerts: list[int], batch: list[Any], step: int) -> int:
    """Outbox rows for every ``step``-th post of ``batch``, per alert."""
    if not step:
        return 0
    now = time.time()
    rows = [
        (a, p.id, None, now, now, p.published_at.timestamp())
        for k, a in enumerate(alerts)
        for p in batch[k % step :: step]
    ]
    with ws.state.transaction() as tx:
        return int(tx.queue_matches(rows))


def size(ws: Any) -> tuple[float, float]:
    """The file's MiB (after a checkpoint) and the MiB of its free pages."""
    conn = ws.store.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    return ws.db_path.stat().st_size / 2**20, free * page / 2**20


def growth(ws: Any, alerts: list[int], step: int, months: int, per_day: int, keep: int) -> None:
    from veille.config import PrivacySettings
    from veille.services.retention import apply_retention

    object.__setattr__(ws.settings, "privacy", PrivacySettings(retention_days=keep))
    start = END.timestamp() - SPAN
    print(f"{per_day:,} posts a day, retention_days = {keep}; at each month's end:")
    print(f"{'month':>6}{'posts kept':>12}{'file MiB':>10}{'free MiB':>10}{'outbox':>10}")
    for day, batch in enumerate(batches(per_day * 365, per_day)):
        if day >= months * 30:
            break
        ws.posts.upsert_posts(batch)
        queue(ws, alerts, batch, step)
        now = datetime.fromtimestamp(start + (day + 1) * 86400, UTC)
        apply_retention(ws, now=now)
        if day == keep - 1:
            mib, _ = size(ws)
            print(f"  one retention period of posts ({keep} days): {mib:,.0f} MiB", flush=True)
        if (day + 1) % 30 == 0:
            mib, free = size(ws)
            (rows,) = ws.store.conn.execute("SELECT count(*) FROM deliveries").fetchone()
            print(
                f"{(day + 1) // 30:>6}{ws.posts.count_posts():>12,}{mib:>10,.0f}{free:>10,.0f}"
                f"{rows:>10,}   load {load()}",
                flush=True,
            )


class Writer:
    """A collector beside the upkeep: batches of posts written one after the
    other on their own thread; the time each took."""

    def __init__(self, store: Any, batches: list[list[Any]]) -> None:
        self.store, self.todo = store, batches
        self.took: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for batch in self.todo:
            if self.stop.is_set():
                return
            t0 = time.perf_counter()
            self.store.upsert_posts(batch)
            self.took.append(time.perf_counter() - t0)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


class Reader:
    """A reader beside the upkeep (a post's page): every 50 ms it reads one
    post on its own thread and records how long each read took."""

    def __init__(self, store: Any, post_id: str) -> None:
        self.store, self.post_id = store, post_id
        self.took: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            t0 = time.perf_counter()
            self.store.get_post(self.post_id)
            self.took.append(time.perf_counter() - t0)

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


class Statements:
    """The time each statement a store's client runs takes (on the thread
    that opened this): where an erasure spends it, and how long it keeps
    the client (one statement at a time in chDB) from a reader."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.took: list[tuple[float, str]] = []
        self.thread = threading.get_ident()
        self.real = {name: getattr(client, name) for name in ("command", "rows", "insert")}

    def _timed(self, name: str) -> Any:
        real = self.real[name]

        def run(sql: Any, *args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real(sql, *args, **kw)
            finally:
                if threading.get_ident() == self.thread:
                    label = sql if name != "insert" else f"INSERT INTO {sql}"
                    self.took.append((time.perf_counter() - t0, " ".join(str(label).split())))

        return run

    def __enter__(self) -> Statements:
        for name in self.real:
            setattr(self.client, name, self._timed(name))
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.real:
            delattr(self.client, name)

    def report(self, top: int = 6) -> str:
        total = sum(t for t, _ in self.took)
        lines = [f"  {len(self.took)} statements, {total:,.1f} s; the longest:"]
        for t, sql in sorted(self.took, reverse=True)[:top]:
            lines.append(f"  {t * 1000:>9,.0f} ms  {sql[:110]}")
        return "\n".join(lines)


def chdb_erasure(ch: Any, todo: list[list[Any]], want: int) -> None:
    """The erasure of the author with about ``want`` posts, beside a
    collector, and beside a reader (each against the same alone first)."""
    ((handle, held),) = ch.rows(
        "SELECT author_handle, count() AS n FROM posts GROUP BY author_handle "
        "ORDER BY abs(n - {w:Int64}) LIMIT 1",
        {"w": want},
    )
    ((other,),) = ch.rows(
        "SELECT id FROM posts WHERE author_handle != {h:String} LIMIT 1", {"h": handle}
    )
    with Reader(ch, other) as alone_r:
        time.sleep(5)
    print(
        f"\nbaseline: a reader alone (one post every 50 ms): slowest "
        f"{max(alone_r.took) * 1000:,.0f} ms of {len(alone_r.took)}   load {load()}",
        flush=True,
    )
    with Writer(ch, todo[:5]) as alone:
        alone.thread.join()
    print(
        f"\nbaseline: a collector alone, batches of {len(todo[0])}: slowest "
        f"{max(alone.took) * 1000:,.0f} ms of {len(alone.took)}   load {load()}",
        flush=True,
    )
    with Writer(ch, todo[5:]) as w, Reader(ch, other) as r, Statements(ch.client) as st:
        t0 = time.perf_counter()
        report = ch.erase_author_posts(handle, None)
        spent = time.perf_counter() - t0
    took = w.took  # with the batch the erasure's end let through
    print(
        f"the reader beside it: slowest read {max(r.took, default=0) * 1000:,.0f} ms of "
        f"{len(r.took)}, {sum(t > 1 for t in r.took)} over 1 s\n{st.report()}",
        flush=True,
    )
    left = ch.rows("SELECT count() FROM posts WHERE author_handle = {h:String}", {"h": handle})
    print(
        f"erasure of {handle} ({held:,} stored versions): {report.posts:,} posts in "
        f"{spent:,.1f} s, {left[0][0]} left; the collector beside it: slowest batch "
        f"{max(took, default=0) * 1000:,.0f} ms, {len(took)} batches written   "
        f"load {load()}",
        flush=True,
    )


def chdb_upkeep(folder: Path, n: int, size: int, erase: int = 0) -> None:
    from veille.store.clickhouse.backend import ChdbBackend

    ch = ChdbBackend().open(f"chdb:///{folder / 'posts.chdb'}", root=folder)
    print(f"load {load()}; {n:,} posts over a year into chDB at {folder}", flush=True)
    t0 = time.perf_counter()
    if not ch.rows("SELECT count() FROM posts")[0][0]:  # a folder given again: kept
        for batch in batches(n, 20_000):
            ch.upsert_posts(batch)
    months = ch.compact_months()
    print(f"  written in {time.perf_counter() - t0:.0f} s; {len(months)} months merged", flush=True)
    more = [p for b in more_posts(40 * size, n) for p in b]
    todo = [more[i : i + size] for i in range(0, len(more), size)]
    if erase:
        chdb_erasure(ch, todo, erase)
        ch.close()
        return
    start = END.timestamp() - SPAN
    t0 = time.perf_counter()
    with Writer(ch, todo[:5]) as alone:
        alone.thread.join()
    print(
        f"\nbaseline: a collector alone, batches of {size}: slowest "
        f"{max(alone.took) * 1000:,.0f} ms of {len(alone.took)}   load {load()}",
        flush=True,
    )
    used = 5
    for label, hours in (("one hour (an hourly upkeep)", 1), ("one day", 24)):
        cutoff = datetime.fromtimestamp(start + hours * 3600 + (used > 5) * 3600, UTC)
        with Writer(ch, todo[used : used + 15]) as w:
            t0 = time.perf_counter()
            report = ch.delete_posts_before(cutoff)
            spent = time.perf_counter() - t0
        used += 15
        print(
            f"purge of {label}: {report.posts:,} posts in {spent:,.1f} s; the collector "
            f"beside it: slowest batch {max(w.took, default=0) * 1000:,.0f} ms of "
            f"{len(w.took)}   load {load()}",
            flush=True,
        )
    ch.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--alerts", type=int, default=20)
    ap.add_argument("--share", type=float, default=0.02, help="posts each alert queued")
    ap.add_argument("--batch", type=int, default=500, help="a collector's batch (baseline)")
    ap.add_argument("--backlog", type=int, default=30, help="days purged at once")
    ap.add_argument("--folder", type=Path, default=None)
    ap.add_argument("--growth", type=int, default=0, help="months simulated (size mode)")
    ap.add_argument("--per-day", type=int, default=2000)
    ap.add_argument("--retention", type=int, default=30)
    ap.add_argument("--ab", type=int, default=0, help="days purged without/with the index")
    ap.add_argument("--chdb", action="store_true", help="posts in chDB")
    ap.add_argument("--erase", type=int, default=0, help="erase the author of about N posts")
    args = ap.parse_args()

    from veille.config import PrivacySettings
    from veille.services.alerts import AlertSpec, add_alert
    from veille.services.retention import apply_retention
    from veille.workspace import Workspace, init_workspace

    folder = args.folder or Path(tempfile.mkdtemp(prefix="veille-upkeep-"))
    if args.chdb:
        chdb_upkeep(folder, args.posts, args.batch, args.erase)
        return
    init_workspace(folder)
    ws = Workspace.open(folder)
    path = ws.db_path
    print(f"load {load()}; {path}", flush=True)
    alerts = [
        add_alert(ws, AlertSpec(to=f"atom:{folder}/a{i}.xml", query="promo", name=f"a{i}")).id
        for i in range(args.alerts)
    ]
    step = max(1, round(1 / args.share)) if args.share else 0
    if args.growth:
        growth(ws, alerts, step, args.growth, args.per_day, args.retention)
        ws.close()
        return
    t0 = time.perf_counter()
    queued = 0
    for batch in batches(args.posts, 20_000):
        ws.posts.upsert_posts(batch)
        queued += queue(ws, alerts, batch, step)
    print(f"  written in {time.perf_counter() - t0:.0f} s; {queued:,} outbox rows", flush=True)
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"  file {path.stat().st_size / 2**20:,.0f} MiB", flush=True)

    (normal,) = more_posts(args.batch, args.posts)
    spent, wait, _ = probed(path, lambda: ws.posts.upsert_posts(normal))
    print(
        f"\nbaseline: a collector batch of {args.batch} posts: {spent * 1000:,.0f} ms, "
        f"longest wait for the write lock beside it {wait * 1000:,.0f} ms   load {load()}",
        flush=True,
    )

    if args.erase:
        from veille.services.privacy import erase_author

        ((handle, held),) = ws.store.conn.execute(
            "SELECT author_handle, count(*) AS n FROM posts GROUP BY author_handle "
            "ORDER BY abs(n - ?) LIMIT 1",
            (args.erase,),
        ).fetchall()
        spent, wait, report = probed(path, partial(erase_author, ws, handle))
        print(
            f"erasure of {handle} ({held:,} posts): {report.posts:,} posts in {spent:,.1f} s, "
            f"longest wait for the write lock beside it {wait * 1000:,.0f} ms   load {load()}",
            flush=True,
        )
        ws.close()
        return

    start = END.timestamp() - SPAN
    figures = []
    for label, days in (("one day (a daily upkeep)", 1), (f"{args.backlog} days", args.backlog)):
        done = sum(f[0] for f in figures)
        cutoff_day = done + days
        keep = (END.timestamp() - start) / 86400 - cutoff_day
        object.__setattr__(ws.settings, "privacy", PrivacySettings(retention_days=int(keep)))
        now = END + timedelta(days=keep - int(keep))
        spent, wait, report = probed(path, partial(apply_retention, ws, now=now))
        figures.append((days, spent, wait, report.posts))
        print(
            f"purge of {label}: {report.posts:,} posts in {spent:,.1f} s, longest wait "
            f"for the write lock beside it {wait * 1000:,.0f} ms   load {load()}",
            flush=True,
        )
        print(f"  removed {report.removed}", flush=True)

    done = sum(f[0] for f in figures)
    for k in range(args.ab):
        indexed = k % 2 == 1
        ws.store.conn.execute(
            "CREATE INDEX IF NOT EXISTS deliveries_post ON deliveries (post_id)"
            if indexed
            else "DROP INDEX IF EXISTS deliveries_post"
        )
        (batch,) = more_posts(args.batch, args.posts + (k + 1) * args.batch)
        b_spent, b_wait, _ = probed(path, partial(ws.posts.upsert_posts, batch))
        keep = (END.timestamp() - start) / 86400 - (done + k + 1)
        object.__setattr__(ws.settings, "privacy", PrivacySettings(retention_days=int(keep)))
        now = END + timedelta(days=keep - int(keep))
        spent, wait, report = probed(path, partial(apply_retention, ws, now=now))
        print(
            f"{'with' if indexed else 'without':>7} the index: purge of {report.posts:,} posts "
            f"{spent * 1000:,.0f} ms, longest wait {wait * 1000:,.0f} ms; a batch "
            f"{b_spent * 1000:,.0f} ms, longest wait {b_wait * 1000:,.0f} ms   load {load()}",
            flush=True,
        )
    ws.store.conn.execute("CREATE INDEX IF NOT EXISTS deliveries_post ON deliveries (post_id)")

    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.stat().st_size
    free = ws.store.conn.execute("PRAGMA freelist_count").fetchone()[0]
    page = ws.store.conn.execute("PRAGMA page_size").fetchone()[0]
    spent, wait, _ = probed(path, lambda: ws.store.conn.execute("VACUUM"))
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(
        f"VACUUM: {spent:,.1f} s, longest wait for the write lock beside it {wait:,.1f} s; "
        f"file {before / 2**20:,.0f} MiB ({free * page / 2**20:,.0f} MiB free pages) -> "
        f"{path.stat().st_size / 2**20:,.0f} MiB   load {load()}",
        flush=True,
    )
    ws.close()


if __name__ == "__main__":
    main()
