"""Import N generated posts; compare with raw sqlite3 executemany of the same rows.

    python bench/ingest.py [--posts 1000000] [--full-posts 20000] [--profile] [--scale] [--served]

**The whole ingest path** (second part): short posts (a keyword-filtered
firehose) through ``Pipeline.ingest``: dedupe, enrichment, store, topic
filing, near-duplicate clusters and outbox rows for 1,000 alerts (sending is
left to the outbox worker, as in ``veille run``). Printed beside, in the same
run: the enricher alone on the same posts, plain ``executemany`` of the same
rows, and the same posts ingested a second time (dedupe: nothing is enriched
again). ``--profile`` prints where the time of the whole path goes.
``--scale`` runs the same whole path again with the posts in chDB and the
state in a throwaway PostgreSQL (``initdb`` on a loopback port), as a
collector of a scaled-out deployment writes them, printed beside the SQLite
run. ``--served`` runs it once more with the posts reached through ``veille
store serve-posts`` (chDB behind it, in its own process), as collectors on
other machines write them.

Prints posts/s, peak RSS and bytes per post for ``veille import`` (JSON lines
-> records -> Post -> store, enrichment off: this measures the store path),
beside a baseline measured in the same run: a raw ``executemany`` of the same
rows, prepared beforehand, into the same schema (posts table, its indexes and
the FTS5 index). Each side runs in a fresh child process so that its peak RSS
is its own. Each side also reports the CPU seconds of the same span: on a
shared machine their ratio is steadier than the wall-clock one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORDS_EN = [
    "internet",
    "fibre",
    "outage",
    "great",
    "support",
    "slow",
    "price",
    "plan",
    "router",
    "speed",
    "customer",
    "city",
]
WORDS_FR = [
    "internet",
    "fibre",
    "panne",
    "génial",
    "soutien",
    "lente",
    "prix",
    "forfait",
    "routeur",
    "vitesse",
    "client",
    "ville",
]
PLATFORMS = ["mastodon", "bluesky", "rss", "reddit", "x", "youtube"]


def make_records(n: int, seed: int = 1):
    rng = random.Random(seed)
    for i in range(n):
        words = WORDS_FR if i % 2 else WORDS_EN
        text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 30)))
        platform = PLATFORMS[i % len(PLATFORMS)]
        yield {
            "platform": platform,
            "id": str(i),
            "text": f"Lumio {text} #fibre",
            "url": f"https://{platform}.example/@u{i % 5000}/{i}",
            "author": {"handle": f"u{i % 5000}", "followers": rng.randint(0, 50000)},
            "published_at": 1767225600 + i * 5,
            "lang": "fr" if i % 2 else "en",
            "engagement": {"likes": rng.randint(0, 50), "shares": rng.randint(0, 9)},
            "hashtags": ["fibre"],
        }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_veille(path: str, db_dir: str, queue: mp.Queue) -> None:
    from veille.importer import import_file
    from veille.pipeline import build_pipeline
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(db_dir)
    with Workspace.open(root) as ws:
        pipeline = build_pipeline(ws, skip=("enrich", "match", "alerts", "analytics"))
        pipeline.stages = []
        start, cpu_start = time.perf_counter(), time.process_time()
        report = import_file(pipeline, path)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = Path(root, "veille.db").stat().st_size
    rss = peak_rss_mb()
    queue.put({"seconds": elapsed, "cpu": cpu, "posts": report.stored, "rss": rss, "bytes": size})


def run_baseline(path: str, db_dir: str, queue: mp.Queue) -> None:
    from veille.importer import read_records
    from veille.records import post_from_record
    from veille.store.sqlite import SQLiteStore
    from veille.store.sqlite.rows import fts_row, next_key, stored_row
    from veille.store.sqlite.store import _INSERT_FTS, _INSERT_POST

    store = SQLiteStore.open(Path(db_dir) / "raw.db")
    conn = store.conn
    elapsed = cpu = 0.0
    n = 0
    chunk: list = []

    per_second: dict[int, int] = {}

    def key(post: Any) -> int:
        # The store's time keys, computed here outside the timed part.
        return next_key(int(post.published_at.timestamp()), per_second)

    def flush() -> tuple[float, float]:
        keys = [key(p) for p in chunk]
        rows = [stored_row(p, k) for p, k in zip(chunk, keys, strict=True)]
        fts = [fts_row(k, p.title, p.text) for p, k in zip(chunk, keys, strict=True)]
        t, c = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        conn.executemany(_INSERT_POST, rows)
        conn.executemany(_INSERT_FTS, fts)
        conn.execute("COMMIT")
        return time.perf_counter() - t, time.process_time() - c

    n0 = 0
    for _line, rec in read_records(Path(path), "jsonl"):
        chunk.append(post_from_record(rec))  # type: ignore[arg-type]
        if len(chunk) == 2000:
            dt, dc = flush()
            elapsed, cpu = elapsed + dt, cpu + dc
            n0 += len(chunk)
            chunk = []
    if chunk:
        dt, dc = flush()
        elapsed, cpu = elapsed + dt, cpu + dc
        n0 += len(chunk)
    n = n0
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = (Path(db_dir) / "raw.db").stat().st_size
    queue.put({"seconds": elapsed, "cpu": cpu, "posts": n, "rss": peak_rss_mb(), "bytes": size})


SHORT_WORDS = [
    "lumio", "fibre", "panne", "outage", "router", "support", "great", "slow", "price",
    "plan", "speed", "customer", "ville", "city", "box", "wifi", "réseau", "network",
    "service", "client", "merci", "thanks", "today", "encore", "again", "bravo", "nul",
    "awful", "love", "hate", "orbita", "vexa", "appel", "call", "facture", "bill",
]  # fmt: skip


def make_short(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """Short posts (6 to 14 words), each with one or two keyword-ish terms."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = [rng.choice(SHORT_WORDS) for _ in range(rng.randint(6, 14))]
        words.append(f"k{rng.randrange(1000)}")  # the term some alert watches
        platform = PLATFORMS[i % len(PLATFORMS)]
        out.append({
            "platform": platform, "id": f"s{i}", "text": " ".join(words),
            "url": f"https://{platform}.example/@u{i % 3000}/s{i}",
            "author": {"handle": f"u{i % 3000}", "followers": rng.randint(0, 50000)},
            "published_at": 1767225600 + i, "engagement": {"likes": rng.randint(0, 50)},
        })  # fmt: skip
    return out


class Breakdown:
    """Wall and CPU seconds per named part, each part's own (a part timed
    inside another is taken out of the outer one)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._stack: list[list[float]] = []

    def wrap(self, name: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append([0.0, 0.0])
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                dw, dc = time.perf_counter() - t, time.process_time() - c
                inner_w, inner_c = self._stack.pop()
                self.wall[name] = self.wall.get(name, 0.0) + dw - inner_w
                self.cpu[name] = self.cpu.get(name, 0.0) + dc - inner_c
                if self._stack:
                    self._stack[-1][0] += dw
                    self._stack[-1][1] += dc

        return timed

    def rows(
        self, total_wall: float, total_cpu: float, rest: str
    ) -> list[tuple[str, float, float]]:
        """The parts, then ``rest``: what the total holds beyond them."""
        out = sorted(((k, self.wall[k], self.cpu[k]) for k in self.wall), key=lambda r: -r[2])
        out.append((rest, total_wall - sum(self.wall.values()), total_cpu - sum(self.cpu.values())))
        return out


# The parts of the whole path the bench times (stage name -> what it does there).
_HOOKS = {
    "enrich": "near-duplicate clusters (MinHash, LSH)",
    "match": "topic filings",
    "alerts": "alert outbox rows",
    "inbox": "inbox entries",
}


def run_queue_seconds() -> float | None:
    """Seconds this thread has waited for a CPU while ready to run (Linux's
    schedstat): on a shared machine, the other processes' turns. ``None``
    where the kernel does not say."""
    try:
        with open("/proc/thread-self/schedstat") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def time_parts(pipeline: Any, store: Any, parts: Breakdown) -> None:
    """Wrap the pipeline's stages and the store's batch calls in ``parts``'
    timers (a few calls per batch of 2,000 posts: no measurable cost)."""
    from veille.pipeline.matching import RuleIndex

    for stage in pipeline.stages:
        if stage.prepare is not None:
            stage.prepare = parts.wrap(f"{stage.name}: prepare (enrichment)", stage.prepare)
        if stage.in_transaction is not None:
            label = _HOOKS.get(stage.name, stage.name)
            stage.in_transaction = parts.wrap(label, stage.in_transaction)
        if stage.after_commit is not None:
            label = f"{stage.name}: after commit"
            stage.after_commit = parts.wrap(label, stage.after_commit)
    store.stored_content = parts.wrap("dedupe (stored content lookup)", store.stored_content)
    pipeline.write = parts.wrap("store posts (upsert, FTS rows)", pipeline.write)
    if pipeline.split:  # posts in their own backend (chDB): written out of the state's transaction
        store.upsert_posts = parts.wrap("store posts (chDB upsert)", store.upsert_posts)
        pipeline.before_write = parts.wrap(
            "stories found before the write (MinHash, LSH)", pipeline.before_write
        )
        pipeline.drop_forgotten = parts.wrap("erasures' check", pipeline.drop_forgotten)
    RuleIndex.matches = parts.wrap("matching (topics + alerts, one pass)", RuleIndex.matches)


def time_enricher(enricher: Any, parts: Breakdown) -> None:
    """Wrap the enricher's per-post parts (used on the enricher-alone run only:
    per-post timers cost about a microsecond each)."""
    enricher._language = parts.wrap("language (lingua)", enricher._language)
    enricher._sentiments = parts.wrap("sentiment (lexicons + linear)", enricher._sentiments)
    enricher._entities = parts.wrap("entities", enricher._entities)
    enricher._keywords = parts.wrap("keywords (lemmas)", enricher._keywords)


def run_full(
    n: int, db_dir: str, profile: bool, layout: tuple[str, str] | None, queue: mp.Queue
) -> None:
    """The whole path into a workspace: one SQLite file, or (``layout`` set)
    its posts and state at those URLs (chDB or a posts endpoint, and a
    PostgreSQL), as a collector of a scaled-out deployment writes them."""
    import cProfile
    import io
    import pstats

    from veille.alerts.model import Alert, AlertBook
    from veille.alerts.outbox import OutboxWorker
    from veille.analytics.scope import Scope
    from veille.enrich.enricher import Enricher
    from veille.pipeline import build_pipeline
    from veille.query.topics import add_topic, list_topics
    from veille.records import post_from_record
    from veille.workspace import Workspace, init_workspace

    posts = [post_from_record(r) for r in make_short(n)]
    if layout:
        Path(db_dir).mkdir(parents=True)
        Path(db_dir, "veille.toml").write_text(
            f'[store]\nposts = "{layout[0]}"\nstate = "{layout[1]}"\n', encoding="utf-8"
        )
    root = init_workspace(db_dir)
    with Workspace.open(root) as ws:
        book = AlertBook(ws.store)
        for i in range(1000):
            # Atom alerts: queued in the posts' transaction, written by the worker.
            book.add(Alert(name=f"a{i}", query=f"k{i} OR (lumio k{(i + 1) % 1000})",
                           channel_url=f"atom:alerts/a{i}.atom"))  # fmt: skip
        for word in SHORT_WORDS[:20]:
            add_topic(ws.store, f"t-{word}", word)
        enricher = Enricher.from_settings(ws.settings.enrich, ws.root)
        enricher.enrich(posts[:50])  # models loaded before timing, as in a daemon
        enrich_parts = Breakdown()
        time_enricher(enricher, enrich_parts)
        t, c = time.perf_counter(), time.process_time()
        for i in range(0, n, 2000):
            enricher.enrich(posts[i : i + 2000])
        alone, alone_cpu = time.perf_counter() - t, time.process_time() - c

        pipeline = build_pipeline(ws)
        OutboxWorker(ws).attach(pipeline)  # not started: sending is not ingest
        pipeline.ingest(posts[:1])  # the matcher built, the engine opened
        parts = Breakdown()
        time_parts(pipeline, ws.posts, parts)
        prof = cProfile.Profile() if profile else None
        queued = run_queue_seconds()
        t, c = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        pipeline.ingest(posts)
        if prof:
            prof.disable()
        full, full_cpu = time.perf_counter() - t, time.process_time() - c
        queued_end = run_queue_seconds()
        waited = None if queued is None or queued_end is None else queued_end - queued
        whole = parts.rows(full, full_cpu, "transactions (commit, WAL), batching, rest")
        alone_rows = enrich_parts.rows(alone, alone_cpu, "copies of the posts, rest")
        t, c = time.perf_counter(), time.process_time()
        pipeline.ingest(posts)
        again, again_cpu = time.perf_counter() - t, time.process_time() - c
        queued = sum(sum(ws.state.outbox_counts(a.id).values()) for a in book.all())
        # A posts endpoint answers the collectors' calls only, not analytics.
        filed = (
            sum(ws.posts.post_totals(Scope(topics=(t.id,)))[0][0] for t in list_topics(ws.state))
            if hasattr(ws.posts, "post_totals")
            else None
        )
    report = ""
    if prof:
        buf = io.StringIO()
        order = os.environ.get("BENCH_SORT", "cumulative")  # or tottime
        pstats.Stats(prof, stream=buf).sort_stats(order).print_stats(45)
        report = buf.getvalue()
    queue.put({"n": n, "alone": alone, "full": full, "again": again, "queued": queued,
               "filed": filed, "profile": report, "alone_cpu": alone_cpu,
               "full_cpu": full_cpu, "again_cpu": again_cpu, "parts": whole, "waited": waited,
               "enrich_parts": alone_rows})  # fmt: skip


def run_plain(n: int, db_dir: str, queue: mp.Queue) -> None:
    """executemany of the same short posts' rows (keys and rows made beforehand)."""
    from veille.records import post_from_record
    from veille.store.sqlite import SQLiteStore
    from veille.store.sqlite.rows import fts_row, next_key, stored_row
    from veille.store.sqlite.store import _INSERT_FTS, _INSERT_POST

    posts = [post_from_record(r) for r in make_short(n)]
    last: dict[int, int] = {}
    keys = [next_key(int(p.published_at.timestamp()), last) for p in posts]
    rows = [stored_row(p, k) for p, k in zip(posts, keys, strict=True)]
    fts = [fts_row(k, p.title, p.text) for p, k in zip(posts, keys, strict=True)]
    conn = SQLiteStore.open(Path(db_dir) / "plain.db").conn
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, n, 2000):
        conn.execute("BEGIN")
        conn.executemany(_INSERT_POST, rows[i : i + 2000])
        conn.executemany(_INSERT_FTS, fts[i : i + 2000])
        conn.execute("COMMIT")
    queue.put({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c})


def full_path(n: int, profile: bool, scale: bool = False, served: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain = child(run_plain, n, tmp)
        full = child(run_full, n, str(Path(tmp, "ws")), profile, None)
        split = scale_out(n, Path(tmp), profile) if scale else None
        remote = scale_out(n, Path(tmp), profile, served=True) if served else None
    print(f"whole ingest path, {n:,} short posts, 1,000 alerts, 20 topics")
    rate, cpu_rate = n / full["full"], n / full["full_cpu"]
    # CPU seconds (the process is single-threaded) beside wall seconds: on a
    # shared machine the wall clock also counts other processes' turns.
    print(f"  {'':32} {'posts/s':>10} {'wall s':>8} {'CPU s':>8} {'posts/CPU s':>12}")
    for name, seconds, cpu in (
        ("dedupe+enrich+store+file+queue", full["full"], full["full_cpu"]),
        ("enricher alone", full["alone"], full["alone_cpu"]),
        ("plain executemany", plain["seconds"], plain["cpu"]),
        ("same posts again (deduped)", full["again"], full["again_cpu"]),
    ):
        print(f"  {name:32} {n / seconds:>10,.0f} {seconds:8.2f} {cpu:8.2f} {n / cpu:>12,.0f}")
    print(
        f"  whole path / enricher alone:   {full['full'] / full['alone']:.2f}x wall,"
        f" {full['full_cpu'] / full['alone_cpu']:.2f}x CPU"
    )
    print(
        f"  whole path / executemany:      {full['full'] / plain['seconds']:.2f}x wall,"
        f" {full['full_cpu'] / plain['cpu']:.2f}x CPU"
    )
    print(f"  {full['queued']:,} outbox rows queued, {full['filed']:,} topic filings")
    print(
        f"  target >= 1,000 posts/s: {'met' if rate >= 1000 else 'NOT met'} ({rate:,.0f} wall;"
        f" {cpu_rate:,.0f} per CPU second)"
    )
    if full["waited"] is not None:
        # Wall = CPU + waiting for a CPU (other processes' turns) + blocked
        # (disk, locks). A quiet machine has no wait: CPU + blocked is its wall.
        blocked = max(0.0, full["full"] - full["full_cpu"] - full["waited"])
        quiet = n / (full["full_cpu"] + blocked)
        print(
            f"  whole path's {full['full']:.2f} wall s: {full['full_cpu']:.2f} on a CPU,"
            f" {full['waited']:.2f} waiting for one (other processes),"
            f" {blocked:.2f} blocked (disk, locks)"
        )
        print(
            f"  without the wait (a quiet machine): {quiet:,.0f} posts/s,"
            f" target {'met' if quiet >= 1000 else 'NOT met'}"
        )
    print_parts("where the whole path's time goes", full["parts"], full["full"], full["full_cpu"])
    print_parts("within the enricher (enricher-alone run)", full["enrich_parts"],
                full["alone"], full["alone_cpu"])  # fmt: skip
    if full["profile"]:
        print(full["profile"])
    if split is not None:
        print_split(n, full, split, "posts in chDB and state in PostgreSQL", "chDB + PostgreSQL")
    if remote is not None:
        print_split(
            n, full, remote, "posts through veille store serve-posts (chDB behind it), "
            "state in PostgreSQL", "posts endpoint + PostgreSQL",
        )  # fmt: skip


def scale_out(n: int, tmp: Path, profile: bool, served: bool = False) -> dict:
    """The whole path with posts in chDB and state in a throwaway PostgreSQL
    (``initdb`` in ``tmp``, a loopback port), in a child process; ``served``:
    the posts reached through a posts endpoint (``veille store
    serve-posts``, another process holding chDB), as collectors on other
    machines reach them."""
    from veille.store.postgres.testing import TestServer, missing_reason

    why = missing_reason()
    if why:
        raise SystemExit(f"--scale needs a local PostgreSQL: {why}")
    with TestServer() as server:
        if not served:
            return child(run_full, n, str(tmp / "split"), profile, ("chdb:///posts", server.url))
        with posts_endpoint(tmp / "hub", server.url) as url:
            return child(run_full, n, str(tmp / "served"), profile, (url, server.url))


@contextlib.contextmanager
def posts_endpoint(hub: Path, state_url: str) -> Iterator[str]:
    """``veille store serve-posts`` over a workspace whose posts are in chDB
    (its own process, on a loopback port): the URL collectors give."""
    import secrets
    import socket
    import subprocess

    from veille.workspace import init_workspace

    hub.mkdir(parents=True)
    (hub / "veille.toml").write_text(
        f'[store]\nposts = "chdb:///posts"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    init_workspace(hub)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_urlsafe(16)
    veille = Path(sys.executable).with_name("veille")
    args = [str(veille), "store", "serve-posts", "-w", str(hub), "--port", str(port)]
    proc = subprocess.Popen(
        [*args, "--token", token], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(600):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise SystemExit("veille store serve-posts did not start")
            time.sleep(0.1)
        yield f"veille+http://127.0.0.1:{port}?token={token}"
    finally:
        proc.terminate()
        proc.wait(30)


def print_split(n: int, full: dict, split: dict, layout: str, name: str) -> None:
    print(f"\nthe same whole path, {layout} ({n:,} short posts)")
    print(f"  {'':34} {'posts/s':>10} {'wall s':>8} {'CPU s':>8} {'posts/CPU s':>12}")
    for title, run in (("one SQLite file (above)", full), (name, split)):
        print(
            f"  {title:34} {n / run['full']:>10,.0f} {run['full']:8.2f} {run['full_cpu']:8.2f}"
            f" {n / run['full_cpu']:>12,.0f}"
        )
    again = split["again"]
    print(f"  {name + ', again (deduped)':34} {n / again:>10,.0f} {again:8.2f}")
    print(
        f"  {name} / one SQLite file: {split['full'] / full['full']:.2f}x wall,"
        f" {split['full_cpu'] / full['full_cpu']:.2f}x CPU (chDB's threads count in CPU"
        " when it is in this process)"
    )
    filed = "" if split["filed"] is None else f", {split['filed']:,} topic filings"
    print(f"  {split['queued']:,} outbox rows queued{filed}")
    rate = n / split["full"]
    print(f"  target >= 1,000 posts/s: {'met' if rate >= 1000 else 'NOT met'} ({rate:,.0f} wall)")
    print_parts("where its time goes", split["parts"], split["full"], split["full_cpu"])
    if split["profile"]:
        print(split["profile"])


def print_parts(title: str, rows: list, wall: float, cpu: float) -> None:
    print(f"  {title}:")
    print(f"    {'':44} {'wall s':>7} {'CPU s':>7} {'CPU %':>6}")
    for name, w, c in rows:
        print(f"    {name:44} {w:7.2f} {c:7.2f} {100 * c / cpu:5.1f}%")


def child(target, *args) -> dict:
    queue: mp.Queue = mp.Queue()
    proc = mp.get_context("fork").Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--full-posts", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only-full", action="store_true", help="skip the import part")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also run the whole path with posts in chDB and state in a throwaway "
        "PostgreSQL (needs chdb, psycopg and Debian's postgresql)",
    )
    parser.add_argument(
        "--served",
        action="store_true",
        help="also run the whole path with posts through veille store serve-posts (chDB "
        "behind it, in its own process) and state in PostgreSQL, as remote collectors",
    )
    args = parser.parse_args(argv)
    if args.full_posts:
        full_path(args.full_posts, args.profile, args.scale, args.served)
    if args.only_full:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "posts.jsonl")
        with path.open("w") as fh:
            for rec in make_records(args.posts):
                fh.write(json.dumps(rec) + "\n")
        base = child(run_baseline, str(path), tmp)
        ours = child(run_veille, str(path), str(Path(tmp, "ws")))
    print(f"ingest of {args.posts:,} posts (enrichment off)")
    for name, r in (("veille import", ours), ("raw executemany (baseline)", base)):
        print(
            f"  {name:28} {r['posts'] / r['seconds']:>10,.0f} posts/s  {r['seconds']:7.1f} s"
            f" ({r['cpu']:6.1f} s CPU)  peak RSS {r['rss']:6.0f} MB"
            f"  {r['bytes'] / max(r['posts'], 1):6.0f} bytes/post"
        )
    ratio = ours["seconds"] / base["seconds"]
    print(f"  total cost ratio veille/baseline: {ratio:.2f}x (target <= 1.5x)")
    # CPU seconds are steadier than wall time on a shared machine.
    print(f"  CPU time ratio veille/baseline:   {ours['cpu'] / base['cpu']:.2f}x")
    print(f"  veille peak RSS: {ours['rss']:.0f} MB (target < 400 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
